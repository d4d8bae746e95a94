"""The reference receiver against a running betal: registered with POST /v1/webhook-endpoints, it gets
a card payment and its refund from betal's webhook deliveries and books each once, also when betal
delivers again with the same webhook-id."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from betal.domain.calendar import business_date
from betal.domain.payment_method import Method
from betal.services.organisation import CreatedOrganisation
from tests.adapters.providers.mobilepay.support import card_submit, checkout, request_status, wait_until
from tests.conftest import LiveServer, free_port
from tests.examples.support import ReceiverProcess


@dataclass
class Registered:
    receiver: ReceiverProcess
    endpoint_id: str


@pytest.fixture
def registered(live_server: LiveServer, auth: dict[str, str], tmp_path: Path) -> Iterator[Registered]:
    """The receiver, started with the secret betal gave when the endpoint was registered."""
    port = free_port()
    events = ["payment.succeeded", "payment.refunded"]
    made = httpx.post(
        f"{live_server.url}/v1/webhook-endpoints",
        json={"url": f"http://127.0.0.1:{port}/webhooks/betal", "events": events},
        headers=auth,
    )
    assert made.status_code == 201, made.text
    running = ReceiverProcess(tmp_path, secret=made.json()["secret"], port=port).start()
    yield Registered(running, made.json()["id"])
    running.stop()


def deliver_all(live_server: LiveServer) -> None:
    """Run betal's jobs until none is due."""
    while live_server.run_jobs():
        pass


def deliveries(live_server: LiveServer, auth: dict[str, str], endpoint_id: str) -> list[dict[str, Any]]:
    url = f"{live_server.url}/v1/webhook-endpoints/{endpoint_id}/deliveries"
    listed = httpx.get(url, headers=auth)
    assert listed.status_code == 200, listed.text
    data: list[dict[str, Any]] = listed.json()["data"]
    return data


class TestReceiverAgainstBetal:
    def test_a_card_payment_and_its_refund_are_booked_once(
        self, live_server: LiveServer, org: CreatedOrganisation, auth: dict[str, str], registered: Registered
    ) -> None:
        receiver = registered.receiver
        request, started = checkout(live_server, org, Method.CARD, amount=12_500)
        card_submit(str(started.redirect_url))
        wait_until(lambda: request_status(live_server.container, org, request.id) == "paid")
        deliver_all(live_server)
        [paid] = receiver.rows()
        assert paid == {
            "date": business_date(datetime.now(UTC)).isoformat(),
            "voucher_text": f"Indbetaling card {request.id}",
            "amount": "125.00",
            "amount_ore": "12500",
            "currency": "DKK",
            "method": "card",
            "payment_id": started.payment.id,
            "payment_request_id": request.id,
            "event_id": paid["event_id"],
        }
        assert paid["event_id"].startswith("evt_")

        refund = httpx.post(
            f"{live_server.url}/v1/payments/{started.payment.id}/refund", json={"amount": 2_550}, headers=auth
        )
        assert refund.status_code == 200, refund.text
        deliver_all(live_server)
        [paid_again, refunded] = receiver.rows()
        assert paid_again == paid
        assert (refunded["amount"], refunded["amount_ore"]) == ("-25.50", "-2550")
        assert refunded["voucher_text"] == f"Refusion card {request.id}"
        assert (refunded["payment_id"], refunded["payment_request_id"]) == (started.payment.id, request.id)
        assert refunded["event_id"] != paid["event_id"]

    def test_a_redelivery_is_acknowledged_and_not_booked_again(
        self, live_server: LiveServer, org: CreatedOrganisation, auth: dict[str, str], registered: Registered
    ) -> None:
        request, started = checkout(live_server, org, Method.CARD, amount=40_000)
        card_submit(str(started.redirect_url))
        wait_until(lambda: request_status(live_server.container, org, request.id) == "paid")
        deliver_all(live_server)
        [first] = deliveries(live_server, auth, registered.endpoint_id)
        assert first["status"] == "delivered"
        assert [a["status_code"] for a in first["attempts"]] == [204]

        again = httpx.post(f"{live_server.url}/v1/webhook-deliveries/{first['id']}/redeliver", headers=auth)
        assert again.status_code == 202, again.text
        deliver_all(live_server)
        [delivery] = deliveries(live_server, auth, registered.endpoint_id)
        assert delivery["status"] == "delivered"
        answers = [(a["status_code"], a["response_excerpt"]) for a in delivery["attempts"]]
        assert answers == [(204, None), (200, "already received")]
        assert [r["amount_ore"] for r in registered.receiver.rows()] == ["40000"]
