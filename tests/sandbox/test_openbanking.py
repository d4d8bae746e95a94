"""The betal Sandbox Bank: Berlin Group PIS endpoints, error bodies, the SCA page and settlement."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.api.app import create_app
from betal.config import Mode, Settings
from tests.adapters.providers.openbanking.support import load

BANK = "/sandbox/openbanking"
A2A = f"{BANK}/v1/payments/domestic-credit-transfers-dk"
FI = f"{BANK}/v1/payments/fi-card-payments-dk"
A2A_BODY: dict[str, Any] = load("initiation-a2a.request.json")["body"]
FI_BODY: dict[str, Any] = load("initiation-fi.request.json")["body"]
RETURN = "https://shop.example/return?order=42"
FRIDAY = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _headers(request_id: str | None = None) -> dict[str, str]:
    return {
        "X-Request-ID": request_id or str(uuid.uuid4()),
        "PSU-IP-Address": "192.0.2.7",
        "TPP-Redirect-URI": RETURN,
    }


def _read_headers() -> dict[str, str]:
    return {"X-Request-ID": str(uuid.uuid4())}


def _create(client: TestClient, url: str = A2A, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(url, json=A2A_BODY if body is None else body, headers=_headers())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _messages(response: Any, status: int) -> list[tuple[str, str | None]]:
    assert response.status_code == status, response.text
    return [(m["code"], m.get("path")) for m in response.json()["tppMessages"]]


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def _decide(client: TestClient, payment_id: str, decision: str, account: str = "DK4990700001234567") -> Any:
    page = client.get(f"{BANK}/sca/{payment_id}")
    form = {"csrf_token": _csrf(page.text), "decision": decision, "debtor_iban": account}
    return client.post(f"{BANK}/sca/{payment_id}", data=form, follow_redirects=False)


def _status(client: TestClient, payment_id: str, url: str = A2A) -> str:
    response = client.get(f"{url}/{payment_id}/status", headers=_read_headers())
    assert response.status_code == 200, response.text
    status: str = response.json()["transactionStatus"]
    return status


class TestInitiation:
    def test_created_with_sca_redirect(self, client: TestClient) -> None:
        response = client.post(A2A, json=A2A_BODY, headers=_headers())
        assert response.status_code == 201
        body = response.json()
        payment_id = body["paymentId"]
        assert body["transactionStatus"] == "RCVD"
        assert body["_links"]["scaRedirect"]["href"] == f"http://127.0.0.1:8000{BANK}/sca/{payment_id}"
        assert body["_links"]["status"]["href"] == f"{A2A}/{payment_id}/status"
        assert response.headers["Location"] == f"{A2A}/{payment_id}"
        assert response.headers["ASPSP-SCA-Approach"] == "REDIRECT"
        details = client.get(f"{A2A}/{payment_id}", headers=_read_headers()).json()
        assert details["creditorName"] == A2A_BODY["creditorName"]
        assert details["transactionStatus"] == "RCVD"

    def test_a_repeated_request_id_returns_the_same_payment(self, client: TestClient) -> None:
        headers = _headers()
        first = client.post(A2A, json=A2A_BODY, headers=headers)
        again = client.post(A2A, json=A2A_BODY, headers=headers)
        assert again.status_code == 201
        assert again.json() == first.json()
        other = client.post(A2A, json=A2A_BODY | {"creditorName": "Someone Else"}, headers=headers)
        assert _messages(other, 400) == [("FORMAT_ERROR", "X-Request-ID")]
        assert (
            client.post(A2A, json=A2A_BODY, headers=_headers()).json()["paymentId"]
            != first.json()["paymentId"]
        )

    def test_fi_card_payment(self, client: TestClient) -> None:
        created = _create(client, FI, FI_BODY)
        assert _status(client, created["paymentId"], FI) == "RCVD"


class TestBadInput:
    @pytest.mark.parametrize("missing", ["X-Request-ID", "PSU-IP-Address", "TPP-Redirect-URI"])
    def test_required_headers(self, client: TestClient, missing: str) -> None:
        headers = _headers()
        del headers[missing]
        assert _messages(client.post(A2A, json=A2A_BODY, headers=headers), 400) == [("FORMAT_ERROR", missing)]

    def test_malformed_headers(self, client: TestClient) -> None:
        headers = {"X-Request-ID": "42", "PSU-IP-Address": "localhost", "TPP-Redirect-URI": "/relative"}
        paths = [p for _, p in _messages(client.post(A2A, json=A2A_BODY, headers=headers), 400)]
        assert paths == ["X-Request-ID", "PSU-IP-Address", "TPP-Redirect-URI"]

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            ({"instructedAmount": {"currency": "DKK", "amount": 125.5}}, "instructedAmount.amount"),
            ({"instructedAmount": {"currency": "DKK", "amount": "0.00"}}, "instructedAmount.amount"),
            ({"instructedAmount": {"currency": "DKK", "amount": "1.005"}}, "instructedAmount.amount"),
            ({"instructedAmount": {"currency": "EUR", "amount": "1.00"}}, "instructedAmount.currency"),
            ({"creditorAccount": {"iban": "DK5000400440116244"}}, "creditorAccount.iban"),
            ({"creditorAccount": {"iban": "DE89370400440532013000"}}, "creditorAccount.iban"),
            ({"creditorAccount": {"bban": "85799665"}}, "creditorAccount.iban"),
            ({"debtorAccount": {"iban": "DK00"}}, "debtorAccount.iban"),
            ({"creditorName": ""}, "creditorName"),
            ({"creditorName": "x" * 71}, "creditorName"),
            ({"remittanceInformationUnstructured": "x" * 141}, "remittanceInformationUnstructured"),
            ({"endToEndIdentification": "x" * 36}, "endToEndIdentification"),
        ],
    )
    def test_account_to_account_body(self, client: TestClient, change: dict[str, Any], path: str) -> None:
        response = client.post(A2A, json=A2A_BODY | change, headers=_headers())
        assert _messages(response, 400) == [("FORMAT_ERROR", path)]
        assert response.json()["tppMessages"][0]["category"] == "ERROR"

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            ({"creditorAccount": {"bban": "1234567"}}, "creditorAccount.bban"),
            ({"creditorAccount": {"iban": "DK2930000001234567"}}, "creditorAccount.bban"),
            ({"remittanceInformationStructured": {"reference": "71/000000067097536", "referenceType": "FIK"}},
             "remittanceInformationStructured"),  # Luhn check digit wrong
            ({"remittanceInformationStructured": {"reference": "75/000000067097535", "referenceType": "FIK"}},
             "remittanceInformationStructured"),  # 75 needs 16 digits
            ({"remittanceInformationStructured": {"reference": "71/000000067097535", "referenceType": "X"}},
             "remittanceInformationStructured"),
            ({"remittanceInformationStructured": None}, "remittanceInformationStructured"),
        ],
    )  # fmt: skip
    def test_fi_card_body(self, client: TestClient, change: dict[str, Any], path: str) -> None:
        assert _messages(client.post(FI, json=FI_BODY | change, headers=_headers()), 400) == [
            ("FORMAT_ERROR", path)
        ]

    @pytest.mark.parametrize("content", [b"not json", b"[1, 2]", b""])
    def test_body_that_is_no_json_object(self, client: TestClient, content: bytes) -> None:
        response = client.post(
            A2A, content=content, headers=_headers() | {"Content-Type": "application/json"}
        )
        assert _messages(response, 400) == [("FORMAT_ERROR", None)]

    def test_every_problem_is_reported_at_once(self, client: TestClient) -> None:
        response = client.post(A2A, json={"instructedAmount": {}}, headers=_headers())
        paths = {p for _, p in _messages(response, 400)}
        assert paths == {
            "instructedAmount.currency",
            "instructedAmount.amount",
            "creditorAccount.iban",
            "creditorName",
        }

    def test_unknown_product(self, client: TestClient) -> None:
        response = client.post(f"{BANK}/v1/payments/sepa-credit-transfers", json=A2A_BODY, headers=_headers())
        assert _messages(response, 404) == [("PRODUCT_UNKNOWN", None)]


class TestReading:
    @pytest.mark.parametrize("suffix", ["", "/status"])
    def test_unknown_payment(self, client: TestClient, suffix: str) -> None:
        response = client.get(f"{A2A}/no-such-id{suffix}", headers=_read_headers())
        assert _messages(response, 404) == [("RESOURCE_UNKNOWN", None)]

    def test_a_payment_is_found_only_under_its_product(self, client: TestClient) -> None:
        payment_id = _create(client)["paymentId"]
        response = client.get(f"{FI}/{payment_id}/status", headers=_read_headers())
        assert _messages(response, 404) == [("RESOURCE_UNKNOWN", None)]

    def test_reads_need_a_request_id(self, client: TestClient) -> None:
        payment_id = _create(client)["paymentId"]
        assert _messages(client.get(f"{A2A}/{payment_id}/status"), 400) == [("FORMAT_ERROR", "X-Request-ID")]


class TestScaPage:
    def test_danish_first_with_payee_amount_and_accounts(self, client: TestClient) -> None:
        payment_id = _create(client)["paymentId"]
        page = client.get(f"{BANK}/sca/{payment_id}")
        assert page.status_code == 200
        assert '<html lang="da">' in page.text
        for text in (
            "Godkend (straksoverførsel)",
            "Godkend (almindelig overførsel)",
            "Afvis",
            "125,50",
            "Hansen &amp; Co ApS",
        ):
            assert text in page.text
        assert page.text.count("<option ") == 6  # three banks, two accounts each
        assert re.search(r'<option value="DK7091800012345678" selected>', page.text) is not None  # suggested
        assert "form-action 'self' https://shop.example" in page.headers["Content-Security-Policy"]
        assert page.headers["X-Frame-Options"] == "DENY"

    def test_english_with_the_portal_language_cookie(self, client: TestClient) -> None:
        body = {k: v for k, v in A2A_BODY.items() if k != "debtorAccount"}
        payment_id = _create(client, body=body)["paymentId"]
        client.cookies.set("betal_lang", "en")
        page = client.get(f"{BANK}/sca/{payment_id}")
        assert '<html lang="en">' in page.text
        assert "Approve (instant)" in page.text
        assert " selected>" not in page.text  # nothing suggested: the browser shows the first account

    def test_fi_card_payment_shows_the_payment_line(self, client: TestClient) -> None:
        payment_id = _create(client, FI, FI_BODY)["paymentId"]
        page = client.get(f"{BANK}/sca/{payment_id}")
        assert "+71&lt;000000067097535+85799665&lt;" in page.text
        assert "FI-kreditor 85799665" in page.text

    def test_unknown_payment(self, client: TestClient) -> None:
        page = client.get(f"{BANK}/sca/nope")
        assert page.status_code == 404
        assert "Ukendt betaling" in page.text
        assert client.post(f"{BANK}/sca/nope", data={"decision": "instant"}).status_code == 404


class TestDecisions:
    def test_instant_approval(self, client: TestClient) -> None:
        payment_id = _create(client)["paymentId"]
        answer = _decide(client, payment_id, "instant", "DK6795700011223344")
        assert answer.status_code == 303
        assert answer.headers["location"] == RETURN
        assert _status(client, payment_id) == "ACSC"
        details = client.get(f"{A2A}/{payment_id}", headers=_read_headers()).json()
        assert details["debtorAccount"] == {"iban": "DK6795700011223344"}
        page = client.get(f"{BANK}/sca/{payment_id}")
        assert "Betalingen er behandlet" in page.text
        assert 'name="csrf_token"' not in page.text

    def test_the_first_decision_stands(self, client: TestClient) -> None:
        payment_id = _create(client)["paymentId"]
        csrf = _csrf(client.get(f"{BANK}/sca/{payment_id}").text)
        form = {"csrf_token": csrf, "decision": "reject", "debtor_iban": ""}
        assert client.post(f"{BANK}/sca/{payment_id}", data=form, follow_redirects=False).status_code == 303
        approve = form | {"decision": "instant", "debtor_iban": "DK4990700001234567"}
        assert (
            client.post(f"{BANK}/sca/{payment_id}", data=approve, follow_redirects=False).status_code == 303
        )
        assert _status(client, payment_id) == "RJCT"

    @pytest.mark.parametrize(
        ("form", "status", "message"),
        [
            ({"csrf_token": "forged", "decision": "instant"}, 403, "Formularen er udløbet"),
            ({"decision": "maybe"}, 400, "Godkend eller afvis betalingen"),
            ({"decision": "instant", "debtor_iban": "DK5000400440116243"}, 400, "Vælg en af dine konti"),
        ],
    )
    def test_refused_forms_change_nothing(
        self, client: TestClient, form: dict[str, str], status: int, message: str
    ) -> None:
        payment_id = _create(client)["paymentId"]
        csrf = _csrf(client.get(f"{BANK}/sca/{payment_id}").text)
        answer = client.post(
            f"{BANK}/sca/{payment_id}", data={"csrf_token": csrf} | form, follow_redirects=False
        )
        assert answer.status_code == status
        assert message in answer.text
        assert _status(client, payment_id) == "RCVD"

    def test_the_suggested_account_may_be_chosen(self, client: TestClient) -> None:
        body = A2A_BODY | {"debtorAccount": {"iban": "DK5000400440116243"}}
        payment_id = _create(client, body=body)["paymentId"]
        page = client.get(f"{BANK}/sca/{payment_id}").text
        assert page.count("<option ") == 7  # not a sandbox account: offered first, and preselected
        assert re.search(r'<option value="DK5000400440116243" selected>', page) is not None
        assert _decide(client, payment_id, "instant", "DK5000400440116243").status_code == 303
        assert _status(client, payment_id) == "ACSC"


class TestSettlement:
    def test_admin_settle_settles_standard_transfers(self, client: TestClient) -> None:
        first, second, instant = (_create(client)["paymentId"] for _ in range(3))
        for payment_id in (first, second):
            _decide(client, payment_id, "standard")
        _decide(client, instant, "instant")
        assert _status(client, first) == "ACSP"
        assert client.post(f"{BANK}/admin/settle", params={"paymentId": first}).json() == {"settled": [first]}
        assert (_status(client, first), _status(client, second)) == ("ACSC", "ACSP")
        assert client.post(f"{BANK}/admin/settle").json() == {"settled": [second]}
        assert _status(client, second) == "ACSC"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FRIDAY)


@pytest.fixture
def frozen_client(settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:
    container = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    with TestClient(create_app(container), raise_server_exceptions=False) as test_client:
        yield test_client
    container.close()


class TestValueDate:
    def test_a_standard_transfer_settles_when_read_on_its_value_date(
        self, frozen_client: TestClient, clock: FrozenClock
    ) -> None:
        payment_id = _create(frozen_client)["paymentId"]
        _decide(frozen_client, payment_id, "standard")  # on a Friday: the value date is Monday
        clock.advance(timedelta(days=2))
        assert _status(frozen_client, payment_id) == "ACSP"  # Sunday
        clock.advance(timedelta(days=1))
        assert _status(frozen_client, payment_id) == "ACSC"  # Monday


class TestLiveMode:
    def test_there_is_no_sandbox_bank_in_live_mode(self, db_url: str) -> None:
        settings = Settings(database_url=db_url, mode=Mode.LIVE, secret_key="x" * 40)
        container = bootstrap.build(settings, hasher=Argon2PasswordHasher(fast=True))
        with TestClient(create_app(container), raise_server_exceptions=False) as live:
            assert live.post(A2A, json=A2A_BODY, headers=_headers()).status_code == 404
            assert live.get(f"{BANK}/sca/anything").status_code == 404
        container.close()
