"""The Betalingsservice simulator: the sign-up page, the file exchange and settlement, over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.api.app import create_app
from betal.config import Mode, Settings
from betal.formats import dk_betalingsservice as bs

BS = "/sandbox/betalingsservice"
BACK = "http://127.0.0.1:8000/pay/tok/betalingsservice/return?mandate=man_1"
SIGNUP = {"pbs_number": "12345678", "debtor_group": "00001", "customer_number": "42",
          "creditor_name": "Hansen & Co ApS", "return_url": BACK}  # fmt: skip
DUE = date(2026, 4, 1)
T0 = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]*)"', page)
    assert found is not None
    return found.group(1)


def _sign_up(
    client: TestClient, customer: str = "42", behaviour: str = "pay", decision: str = "confirm"
) -> Any:
    query = SIGNUP | {"customer_number": customer}
    page = client.get(f"{BS}/signup/man_{customer}", params=query)
    form = query | {"csrf_token": _token(page.text), "reg_no": "5301", "account_no": "0123456789",
                    "cpr": "0101901234", "behaviour": behaviour, "decision": decision}  # fmt: skip
    return client.post(f"{BS}/signup/man_{customer}", data=form, follow_redirects=False)


def _collections(
    *customers: str, due: date = DUE, delivery_id: str = "0000000001", amount: int = 34_900
) -> bytes:
    start = bs.DeliveryStart("25313763", "BS1", "0601", delivery_id, date(2026, 3, 2))
    head = bs.CollectionSectionStart("12345678", "0112", "00001", "", date(2026, 3, 2), "3409", "1234567", "")
    records = [
        bs.Collection("12345678", "0280", n, "00001", c.zfill(15), "0", due, 1, amount, f"pay_{c}")
        for n, c in enumerate(customers, start=1)
    ]
    return bs.render(bs.delivery(start, [bs.section(head, records)]))


def _deliveries(client: TestClient, **params: str) -> list[dict[str, Any]]:
    response = client.get(f"{BS}/deliveries", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["deliveries"]
    return found


def _details(delivery: dict[str, Any]) -> list[Any]:
    return list(bs.parse(delivery["content"].encode(bs.ENCODING)).details())


class TestSignupPage:
    def test_danish_first_with_test_values(self, client: TestClient) -> None:
        page = client.get(f"{BS}/signup/man_1", params=SIGNUP)
        assert page.status_code == 200
        assert "Tilmeld Betalingsservice" in page.text
        assert "Hansen &amp; Co ApS" in page.text
        assert 'value="5301"' in page.text
        assert "000000000000042" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]

    def test_english_with_the_portal_language_cookie(self, client: TestClient) -> None:
        client.cookies.set("betal_lang", "en")
        assert "Sign up for Betalingsservice" in client.get(f"{BS}/signup/man_1", params=SIGNUP).text

    @pytest.mark.parametrize(
        "change",
        [{"pbs_number": "1234"}, {"debtor_group": "x"}, {"customer_number": "1" * 16},
         {"return_url": "https://evil.example/"}],
    )  # fmt: skip
    def test_a_malformed_link(self, client: TestClient, change: dict[str, str]) -> None:
        page = client.get(f"{BS}/signup/man_1", params=SIGNUP | change)
        assert page.status_code == 400
        assert "Tilmeldingslinket er ikke gyldigt" in page.text


class TestSignup:
    def test_confirming_registers_the_mandate_once(self, client: TestClient) -> None:
        answer = _sign_up(client)
        assert answer.status_code == 303
        assert answer.headers["location"] == BACK + "&status=registered"
        _sign_up(client)  # the payer comes back and confirms again: reported once
        (delivery,) = _deliveries(client)
        assert (delivery["type"], delivery["pbs_number"], delivery["id"]) == (
            "0603",
            "12345678",
            delivery["id"],
        )
        (record,) = _details(delivery)
        assert isinstance(record, bs.MandateInfo)
        assert (record.transaction_code, record.customer_no, record.cancellation_date) == (
            "0231", "000000000000042", None,
        )  # fmt: skip

    def test_cancelling_registers_nothing(self, client: TestClient) -> None:
        answer = _sign_up(client, decision="cancel")
        assert answer.headers["location"] == BACK + "&status=cancelled"
        assert _deliveries(client) == []

    def test_a_forged_form_is_refused(self, client: TestClient) -> None:
        form = SIGNUP | {"csrf_token": "0" * 64, "decision": "confirm", "reg_no": "5301", "account_no": "1"}
        assert client.post(f"{BS}/signup/man_1", data=form, follow_redirects=False).status_code == 400
        assert _deliveries(client) == []

    def test_a_bad_account_is_asked_again(self, client: TestClient) -> None:
        page = client.get(f"{BS}/signup/man_1", params=SIGNUP)
        form = SIGNUP | {
            "csrf_token": _token(page.text),
            "reg_no": "53",
            "account_no": "x",
            "decision": "confirm",
        }
        again = client.post(f"{BS}/signup/man_1", data=form)
        assert again.status_code == 422
        assert "registreringsnummer på 4 cifre" in again.text
        assert _deliveries(client) == []


class TestUpload:
    def test_receipt_and_replay(self, client: TestClient) -> None:
        content = _collections("42", "43")
        first = client.post(f"{BS}/deliveries", content=content)
        assert first.status_code == 201, first.text
        assert first.json() == {
            "receipt_id": "R25313763-0000000001",
            "delivery_id": "0000000001",
            "records": 2,
        }
        again = client.post(f"{BS}/deliveries", content=content)
        assert (again.status_code, again.json()) == (200, first.json())

    def test_another_file_under_a_used_delivery_id(self, client: TestClient) -> None:
        client.post(f"{BS}/deliveries", content=_collections("42"))
        other = client.post(f"{BS}/deliveries", content=_collections("43"))
        assert other.status_code == 409
        assert other.json()["errors"][0]["reason"] == "delivery id 0000000001 was used for another file"

    def test_a_malformed_file_is_refused_whole_with_line_and_reason(self, client: TestClient) -> None:
        lines = _collections("42", "43").decode(bs.ENCODING).split("\r\n")
        lines[3] = lines[3][:60] + "X" + lines[3][61:]
        refused = client.post(f"{BS}/deliveries", content="\r\n".join(lines).encode(bs.ENCODING))
        assert refused.status_code == 422
        (error,) = refused.json()["errors"]
        assert error["line"] == 4
        assert "amount" in error["reason"]

    def test_totals_that_do_not_add_up(self, client: TestClient) -> None:
        lines = _collections("42").decode(bs.ENCODING).split("\r\n")
        lines[-2] = lines[-2][:42] + "000000000000001" + lines[-2][57:]
        refused = client.post(f"{BS}/deliveries", content="\r\n".join(lines).encode(bs.ENCODING))
        assert refused.status_code == 422
        assert [e["line"] for e in refused.json()["errors"]] == [5]

    def test_information_deliveries_are_not_accepted(self, client: TestClient) -> None:
        start = bs.DeliveryStart("25313763", "BS1", "0603", "1", date(2026, 3, 2))
        refused = client.post(f"{BS}/deliveries", content=bs.render(bs.delivery(start, [])))
        assert refused.status_code == 422
        assert "0603 cannot be sent here" in refused.json()["errors"][0]["reason"]


class TestSettlement:
    def test_paid_rejected_and_unknown_debtors(self, client: TestClient) -> None:
        _sign_up(client, "42")
        _sign_up(client, "43", behaviour="reject")
        client.post(f"{BS}/deliveries", content=_collections("42", "43", "44"))
        assert client.post(f"{BS}/admin/run-settlement", params={"date": "2026-03-31"}).json() == {
            "deliveries": []
        }
        made = client.post(f"{BS}/admin/run-settlement", params={"date": DUE.isoformat()}).json()[
            "deliveries"
        ]
        assert len(made) == 1
        (delivery,) = _deliveries(client, type="0602")
        assert delivery["id"] == made[0]
        records = _details(delivery)
        assert [(r.customer_no[-2:], r.transaction_code, r.actual_amount) for r in records] == [
            ("42", "0236", 34_900), ("43", "0237", 0), ("44", "0237", 0),
        ]  # fmt: skip
        paid = records[0]
        assert (paid.reference, paid.payment_date, paid.booking_date) == ("pay_42", DUE, DUE)
        assert client.post(f"{BS}/admin/run-settlement", params={"date": "2026-05-01"}).json() == {
            "deliveries": []
        }

    def test_listing_filters(self, client: TestClient) -> None:
        _sign_up(client, "42")
        client.post(f"{BS}/deliveries", content=_collections("42"))
        client.post(f"{BS}/admin/run-settlement", params={"date": DUE.isoformat()})
        mandates, payments = _deliveries(client)
        assert (mandates["type"], payments["type"]) == ("0603", "0602")
        assert _deliveries(client, since=mandates["id"]) == [payments]
        assert _deliveries(client, pbs_number="99999999") == []
        assert _deliveries(client, limit="1") == [mandates]
        assert client.get(f"{BS}/deliveries", params={"since": "x"}).status_code == 422

    def test_cancelled_by_the_bank(self, client: TestClient) -> None:
        params = {"pbs_number": "12345678", "debtor_group": "00001", "customer_number": "42"}
        assert client.post(f"{BS}/admin/cancel-mandate", params=params).status_code == 404
        _sign_up(client, "42")
        made = client.post(f"{BS}/admin/cancel-mandate", params=params).json()["deliveries"]
        (delivery,) = _deliveries(client, since=str(int(made[0]) - 1))
        (record,) = _details(delivery)
        assert (record.transaction_code, record.cancellation_date is not None) == ("0232", True)
        assert client.post(f"{BS}/admin/cancel-mandate", params=params).json() == {"deliveries": []}
        client.post(f"{BS}/deliveries", content=_collections("42"))
        client.post(f"{BS}/admin/run-settlement", params={"date": DUE.isoformat()})
        (rejected,) = _details(_deliveries(client, type="0602")[0])
        assert rejected.transaction_code == "0237"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def frozen_client(settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:
    container = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield client
    container.close()


class TestSettledWhenRead:
    def test_on_the_due_date(self, frozen_client: TestClient, clock: FrozenClock) -> None:
        _sign_up(frozen_client, "42")
        frozen_client.post(f"{BS}/deliveries", content=_collections("42"))
        assert _deliveries(frozen_client, type="0602") == []  # 31 March: not due yet
        clock.advance(timedelta(days=1))
        (delivery,) = _deliveries(frozen_client, type="0602")
        assert [r.transaction_code for r in _details(delivery)] == ["0236"]
        assert bs.parse(delivery["content"].encode(bs.ENCODING)).start.created == DUE


class TestLiveMode:
    def test_there_is_no_betalingsservice_simulator_in_live_mode(self, db_url: str) -> None:
        settings = Settings(database_url=db_url, mode=Mode.LIVE, secret_key="x" * 40)
        container = bootstrap.build(settings, hasher=Argon2PasswordHasher(fast=True))
        with TestClient(create_app(container), raise_server_exceptions=False) as live:
            assert live.get(f"{BS}/signup/man_1", params=SIGNUP).status_code == 404
            assert live.post(f"{BS}/deliveries", content=_collections("42")).status_code == 404
            assert live.get(f"{BS}/deliveries").status_code == 404
        container.close()
