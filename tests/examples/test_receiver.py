"""The reference receiver (examples/receiver/receiver.py) as a real process: it verifies Standard
Webhooks signatures, refuses stale deliveries, writes each payment once to the CSV, also across
restarts, and books refunds as negative rows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.examples.support import (
    SPEC_VECTOR,
    ReceiverProcess,
    event,
    headers,
    load_receiver,
    signature,
)

COLUMNS = [
    "date", "voucher_text", "amount", "amount_ore", "currency",
    "method", "payment_id", "payment_request_id", "event_id",
]  # fmt: skip


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[ReceiverProcess]:
    running = ReceiverProcess(tmp_path).start()
    yield running
    running.stop()


class TestSpecificationVector:
    def test_the_signature_of_the_vector_is_reproduced(self) -> None:
        v = SPEC_VECTOR
        assert signature(v["secret"], v["id"], v["timestamp"], v["body"].encode()) == v["signature"]
        assert (
            load_receiver().sign(v["secret"], v["id"], v["timestamp"], v["body"].encode()) == v["signature"]
        )

    def test_the_receiver_accepts_the_vector_within_five_minutes_of_its_timestamp(self) -> None:
        v = SPEC_VECTOR
        receiver = load_receiver()
        sent = {
            "webhook-id": v["id"],
            "webhook-timestamp": v["timestamp"],
            "webhook-signature": v["signature"],
        }
        at = int(v["timestamp"])
        for now in (at - 300, at, at + 300):
            assert receiver.verify(v["secret"], sent, v["body"].encode(), now=now) == v["id"]
        for now in (at - 301, at + 301):
            with pytest.raises(receiver.Rejected) as info:
                receiver.verify(v["secret"], sent, v["body"].encode(), now=now)
            assert info.value.status == 401
        with pytest.raises(receiver.Rejected):
            receiver.verify(v["secret"], sent, b'{"test": 2432232315}', now=at)


class TestValidDelivery:
    def test_a_payment_becomes_one_row_for_the_books(self, receiver: ReceiverProcess) -> None:
        response = receiver.deliver(event())
        assert response.status_code == 204
        assert receiver.csv_path.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
        assert receiver.rows() == [
            {
                "date": "2026-03-02",
                "voucher_text": "Indbetaling card preq_01JTESTREQUEST000000000001",
                "amount": "1234.50",
                "amount_ore": "123450",
                "currency": "DKK",
                "method": "card",
                "payment_id": "pay_01JTESTPAYMENT0000000000001",
                "payment_request_id": "preq_01JTESTREQUEST000000000001",
                "event_id": "evt_01JTEST0000000000000000001",
            }
        ]

    def test_a_refund_is_a_negative_row(self, receiver: ReceiverProcess) -> None:
        body = event("payment.refunded", status="refunded", refunded_amount=2505, refund_amount=2505)
        assert receiver.deliver(body).status_code == 204
        [row] = receiver.rows()
        assert (row["amount"], row["amount_ore"]) == ("-25.05", "-2505")
        assert row["voucher_text"].startswith("Refusion card ")

    def test_the_date_is_the_danish_business_date(self, receiver: ReceiverProcess) -> None:
        winter = event(event_id="evt_winter", created_at="2026-01-31T23:30:00Z")  # 00:30 CET
        summer = event(event_id="evt_summer", created_at="2026-06-30T22:10:00+00:00")  # 00:10 CEST
        assert receiver.deliver(winter, "msg_winter").status_code == 204
        assert receiver.deliver(summer, "msg_summer").status_code == 204
        assert [r["date"] for r in receiver.rows()] == ["2026-02-01", "2026-07-01"]

    def test_events_that_book_nothing_are_acknowledged_and_not_written(
        self, receiver: ReceiverProcess
    ) -> None:
        assert receiver.deliver(event("payment.failed", status="failed"), "msg_failed").status_code == 204
        assert receiver.deliver(event("payment_request.paid"), "msg_paid").status_code == 204
        assert receiver.rows() == []

    def test_during_a_rotation_any_matching_signature_is_enough(self, receiver: ReceiverProcess) -> None:
        body = event()
        sent = headers(body, "msg_rotation")
        old = signature(
            "whsec_" + "b2xkIHNlY3JldCBvbGQgc2VjcmV0IQ==", "msg_rotation", sent["webhook-timestamp"], body
        )
        sent["webhook-signature"] = f"{old} {sent['webhook-signature']}"
        assert receiver.post(body, sent).status_code == 204
        assert len(receiver.rows()) == 1


class TestDuplicates:
    def test_a_retry_with_the_same_webhook_id_is_acknowledged_and_written_once(
        self, receiver: ReceiverProcess
    ) -> None:
        body = event()
        assert receiver.deliver(body, "msg_once").status_code == 204
        again = receiver.deliver(body, "msg_once")  # a retry is signed afresh, with a new timestamp
        assert again.status_code == 200
        assert again.text == "already received"
        assert len(receiver.rows()) == 1

    def test_a_restart_remembers_what_was_received(self, receiver: ReceiverProcess) -> None:
        body = event()
        assert receiver.deliver(body, "msg_restart").status_code == 204
        receiver.stop()
        receiver.start()
        assert receiver.deliver(body, "msg_restart").status_code == 200
        assert receiver.deliver(event(event_id="evt_next"), "msg_next").status_code == 204
        assert [r["event_id"] for r in receiver.rows()] == ["evt_01JTEST0000000000000000001", "evt_next"]
        assert receiver.csv_path.read_text(encoding="utf-8").count("voucher_text") == 1


class TestRefused:
    def test_a_wrong_signature_is_refused_and_nothing_is_written(self, receiver: ReceiverProcess) -> None:
        body = event()
        forged = headers(body, "msg_forged", secret="whsec_" + "bm90IHRoZSBzZWNyZXQgYXQgYWxsIQ==")
        response = receiver.post(body, forged)
        assert (response.status_code, response.text) == (401, "no valid signature")
        assert receiver.rows() == []
        assert receiver.deliver(body, "msg_forged").status_code == 204  # the forgery marked nothing seen

    def test_a_changed_body_is_refused(self, receiver: ReceiverProcess) -> None:
        sent = headers(event(), "msg_changed")
        assert receiver.post(event(amount=1), sent).status_code == 401
        assert receiver.rows() == []

    @pytest.mark.parametrize("offset", [-310, 310])
    def test_a_timestamp_more_than_five_minutes_off_is_refused(
        self, receiver: ReceiverProcess, offset: int
    ) -> None:
        body = event()
        response = receiver.post(body, headers(body, "msg_stale", at=time.time() + offset))
        assert (response.status_code, response.text) == (401, "webhook-timestamp is more than 5 minutes off")
        assert receiver.rows() == []

    def test_missing_headers_are_a_bad_request(self, receiver: ReceiverProcess) -> None:
        body = event()
        sent = headers(body, "msg_headers")
        del sent["webhook-signature"]
        assert receiver.post(body, sent).status_code == 400
        sent = headers(body, "msg_headers") | {"webhook-timestamp": "soon"}
        assert receiver.post(body, sent).status_code == 400
        assert receiver.rows() == []

    def test_a_signed_body_that_is_not_an_event_is_a_bad_request(self, receiver: ReceiverProcess) -> None:
        body = b'{"hello": "world"}'
        response = receiver.post(body, headers(body, "msg_not_event"))
        assert (response.status_code, response.text) == (400, "not a betal event")
        assert receiver.rows() == []


class TestCopenhagenDate:
    def test_the_rule_without_time_zone_data_agrees_with_the_time_zone_database(self) -> None:
        receiver = load_receiver()
        copenhagen = ZoneInfo("Europe/Copenhagen")
        moment = datetime(2024, 1, 1, tzinfo=UTC)
        while moment.year < 2028:
            assert receiver.eu_copenhagen_date(moment) == moment.astimezone(copenhagen).date(), moment
            moment += timedelta(minutes=50)


class TestSecret:
    def test_a_secret_that_is_not_base64_stops_the_receiver(self, tmp_path: Path) -> None:
        bad = ReceiverProcess(tmp_path, secret="whsec_not*base64")
        with pytest.raises(AssertionError):
            bad.start()
        assert bad.process is not None
        assert bad.process.wait(timeout=10) == 2
