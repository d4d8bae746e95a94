"""The MobilePay simulator: ePayment API, access tokens, idempotency, RFC 7807 errors, the app page,
expiry, webhook registrations and signed callbacks delivered over real HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal.adapters.clock import FrozenClock
from betal.adapters.providers.mobilepay import webhooks
from betal.adapters.providers.mobilepay.config import sandbox_webhook_secret
from betal.config import Mode, Settings
from betal.sandbox import mobilepay as sim
from tests.adapters.providers.mobilepay.support import Receiver, form_token, simulator, wait_until

MSN = "123456"
BASE = "/sandbox/mobilepay"
REF = "pay-01JD5Z8Q3W0000000000000001"
PROBLEM = "application/problem+json"
CREDENTIALS = {
    "client_id": sim.CLIENT_ID,
    "client_secret": sim.CLIENT_SECRET,
    "Ocp-Apim-Subscription-Key": sim.SUBSCRIPTION_KEY,
}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def client(settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:
    with simulator(settings, clock) as test_client:
        yield test_client


def token(client: TestClient, msn: str = MSN) -> str:
    response = client.post(f"{BASE}/accesstoken/get", headers=CREDENTIALS | {"Merchant-Serial-Number": msn})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def call(
    client: TestClient, method: str, path: str, *, key: str | None = None, body: Any = None, msn: str = MSN
) -> Any:
    headers = {
        "Authorization": f"Bearer {token(client, msn)}",
        "Ocp-Apim-Subscription-Key": sim.SUBSCRIPTION_KEY,
        "Merchant-Serial-Number": msn,
    }
    if key:
        headers["Idempotency-Key"] = key
    return client.request(method, f"{BASE}{path}", headers=headers, json=body)


def new_payment(reference: str = REF, amount: int = 12_500) -> dict[str, Any]:
    return {
        "amount": {"currency": "DKK", "value": amount},
        "paymentMethod": {"type": "WALLET"},
        "reference": reference,
        "returnUrl": "https://shop.example/return",
        "userFlow": "WEB_REDIRECT",
        "paymentDescription": "Husleje december",
    }


def create(client: TestClient, reference: str = REF, amount: int = 12_500) -> Any:
    response = call(
        client, "POST", "/epayment/v1/payments", key=f"{reference}-k", body=new_payment(reference, amount)
    )
    assert response.status_code == 201, response.text
    return response.json()


def decide(client: TestClient, reference: str, decision: str, phone: str = "+45 20 12 34 56") -> Any:
    page = client.get(f"{BASE}/app/{reference}")
    data = {"token": form_token(page.text), "decision": decision, "phone": phone}
    return client.post(f"{BASE}/app/{reference}", data=data, follow_redirects=False)


def state(client: TestClient, reference: str = REF) -> Any:
    return call(client, "GET", f"/epayment/v1/payments/{reference}").json()


def assert_problem(response: Any, status: int, *names: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "extraDetails"} <= body.keys()
    assert [d["name"] for d in body["extraDetails"]] == list(names)
    return body


class TestAccessToken:
    def test_issued_for_the_sandbox_credentials(self, client: TestClient) -> None:
        headers = CREDENTIALS | {"Merchant-Serial-Number": MSN}
        body = client.post(f"{BASE}/accesstoken/get", headers=headers).json()
        assert (body["token_type"], body["expires_in"]) == ("Bearer", "3600")

    @pytest.mark.parametrize(
        "change",
        [{"client_secret": "guess"}, {"client_id": "someone"}, {"Ocp-Apim-Subscription-Key": "guess"}],
    )
    def test_wrong_credentials(self, client: TestClient, change: dict[str, str]) -> None:
        headers = CREDENTIALS | {"Merchant-Serial-Number": MSN} | change
        assert_problem(client.post(f"{BASE}/accesstoken/get", headers=headers), 401)

    def test_needs_a_merchant_serial_number(self, client: TestClient) -> None:
        assert_problem(
            client.post(f"{BASE}/accesstoken/get", headers=CREDENTIALS), 400, "Merchant-Serial-Number"
        )

    def test_a_token_is_for_one_merchant_and_one_hour(self, client: TestClient, clock: FrozenClock) -> None:
        mine = token(client)
        headers = {"Authorization": f"Bearer {mine}", "Ocp-Apim-Subscription-Key": sim.SUBSCRIPTION_KEY}
        url = f"{BASE}/webhooks/v1/webhooks"
        assert client.get(url, headers=headers | {"Merchant-Serial-Number": MSN}).status_code == 200
        assert_problem(client.get(url, headers=headers | {"Merchant-Serial-Number": "654321"}), 401)
        clock.advance(timedelta(seconds=3601))
        assert_problem(client.get(url, headers=headers | {"Merchant-Serial-Number": MSN}), 401)
        assert_problem(
            client.get(
                url,
                headers={"Ocp-Apim-Subscription-Key": sim.SUBSCRIPTION_KEY, "Merchant-Serial-Number": MSN},
            ),
            401,
        )


class TestCreate:
    def test_created(self, client: TestClient) -> None:
        assert create(client) == {"redirectUrl": f"http://testserver{BASE}/app/{REF}", "reference": REF}
        payment = state(client)
        assert (payment["state"], payment["amount"]) == ("CREATED", {"currency": "DKK", "value": 12_500})
        assert {k: v["value"] for k, v in payment["aggregate"].items()} == {
            "authorizedAmount": 0,
            "capturedAmount": 0,
            "refundedAmount": 0,
            "cancelledAmount": 0,
        }

    def test_validation_errors_name_every_field(self, client: TestClient) -> None:
        body = new_payment("pay_1") | {"amount": {"currency": "SEK", "value": 12.5}, "returnUrl": "shop"}
        response = call(client, "POST", "/epayment/v1/payments", key="k1", body=body)
        assert_problem(response, 400, "amount.currency", "amount.value", "reference", "returnUrl")
        response = call(client, "POST", "/epayment/v1/payments", key="k1", body={"reference": REF})
        assert_problem(response, 400, "amount", "paymentMethod", "returnUrl", "userFlow")

    def test_needs_an_idempotency_key(self, client: TestClient) -> None:
        response = call(client, "POST", "/epayment/v1/payments", body=new_payment())
        assert_problem(response, 400, "Idempotency-Key")

    def test_the_same_key_answers_the_same_response(self, client: TestClient) -> None:
        first = call(client, "POST", "/epayment/v1/payments", key="key-1", body=new_payment())
        again = call(client, "POST", "/epayment/v1/payments", key="key-1", body=new_payment())
        assert (again.status_code, again.json()) == (first.status_code, first.json())
        assert len(client.app.state.container.sandbox_store().list("mobilepay", "payment")) == 1  # type: ignore[attr-defined]

    def test_a_failed_request_can_be_retried_with_its_key(self, client: TestClient) -> None:
        assert call(client, "POST", "/epayment/v1/payments", key="key-2", body={}).status_code == 400
        assert (
            call(client, "POST", "/epayment/v1/payments", key="key-2", body=new_payment()).status_code == 201
        )

    def test_a_reference_is_used_once(self, client: TestClient) -> None:
        create(client)
        response = call(client, "POST", "/epayment/v1/payments", key="other", body=new_payment())
        assert_problem(response, 409, "reference")

    def test_unknown_and_foreign_payments(self, client: TestClient) -> None:
        create(client)
        assert_problem(call(client, "GET", "/epayment/v1/payments/pay-unknown1"), 404)
        assert_problem(call(client, "GET", f"/epayment/v1/payments/{REF}", msn="654321"), 404)


class TestAppPage:
    def test_danish_by_default(self, client: TestClient) -> None:
        create(client)
        page = client.get(f"{BASE}/app/{REF}")
        assert page.status_code == 200
        assert "Bekræft betalingen i MobilePay" in page.text
        for shown in ("125,00 kr.", MSN, "Husleje december"):
            assert shown in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "<script" not in page.text
        assert "style=" not in page.text
        client.cookies.set("betal_lang", "en")
        english = client.get(f"{BASE}/app/{REF}")
        assert "Confirm the payment in MobilePay" in english.text

    def test_approve(self, client: TestClient) -> None:
        create(client)
        token_value = form_token(client.get(f"{BASE}/app/{REF}").text)
        response = decide(client, REF, "approve")
        assert (response.status_code, response.headers["location"]) == (303, "https://shop.example/return")
        payment = state(client)
        assert payment["state"] == "AUTHORIZED"
        assert payment["aggregate"]["authorizedAmount"]["value"] == 12_500
        assert "Betalingen er godkendt." in client.get(f"{BASE}/app/{REF}").text
        again = client.post(
            f"{BASE}/app/{REF}", data={"token": token_value, "decision": "reject"}, follow_redirects=False
        )
        assert again.status_code == 303
        assert state(client)["state"] == "AUTHORIZED"  # decided once

    def test_reject(self, client: TestClient) -> None:
        create(client)
        assert decide(client, REF, "reject", phone="").status_code == 303
        assert state(client)["state"] == "ABORTED"

    def test_a_phone_number_is_needed_to_approve(self, client: TestClient) -> None:
        create(client)
        response = decide(client, REF, "approve", phone="12")
        assert response.status_code == 422
        assert "Indtast et dansk mobilnummer på 8 cifre." in response.text
        assert state(client)["state"] == "CREATED"

    def test_a_forged_form(self, client: TestClient) -> None:
        create(client)
        data = {"token": "forged", "decision": "approve", "phone": "20123456"}
        assert client.post(f"{BASE}/app/{REF}", data=data, follow_redirects=False).status_code == 403
        assert state(client)["state"] == "CREATED"

    def test_unknown_payment(self, client: TestClient) -> None:
        assert_problem(client.get(f"{BASE}/app/pay-unknown1"), 404)

    def test_expires_when_nobody_acts(self, client: TestClient, clock: FrozenClock) -> None:
        create(client)
        clock.advance(sim.PAYMENT_TIMEOUT - timedelta(seconds=1))
        assert state(client)["state"] == "CREATED"
        clock.advance(timedelta(seconds=1))
        assert "Betalingen er udløbet." in client.get(f"{BASE}/app/{REF}").text
        assert state(client)["state"] == "EXPIRED"


def authorised(client: TestClient, amount: int = 12_500) -> None:
    create(client, amount=amount)
    decide(client, REF, "approve")


def modify(client: TestClient, action: str, value: int | None, key: str) -> Any:
    body = None if value is None else {"modificationAmount": {"currency": "DKK", "value": value}}
    return call(client, "POST", f"/epayment/v1/payments/{REF}/{action}", key=key, body=body)


class TestModifications:
    def test_capture_before_reservation(self, client: TestClient) -> None:
        create(client)
        body = assert_problem(modify(client, "capture", 100, "c1"), 400, "state")
        assert body["title"] == "Cannot capture before reservation"

    def test_capture_refund_cancel(self, client: TestClient) -> None:
        authorised(client)
        assert_problem(modify(client, "capture", 12_501, "c0"), 400, "modificationAmount.value")
        captured = modify(client, "capture", 12_500, "c1")
        assert captured.status_code == 200
        assert (captured.json()["state"], captured.json()["aggregate"]["capturedAmount"]["value"]) == (
            "AUTHORIZED",
            12_500,
        )
        assert (
            modify(client, "capture", 12_500, "c1").json() == captured.json()
        )  # the same key: no second capture
        assert_problem(modify(client, "capture", 1, "c2"), 400, "modificationAmount.value")
        assert_problem(modify(client, "refund", 12_501, "r1"), 400, "modificationAmount.value")
        assert modify(client, "refund", 2_500, "r2").json()["aggregate"]["refundedAmount"]["value"] == 2_500
        assert_problem(modify(client, "cancel", None, "x1"), 400, "state")
        assert state(client)["state"] == "AUTHORIZED"  # CAPTURED and REFUNDED are not states

    def test_currency_must_match(self, client: TestClient) -> None:
        authorised(client)
        body = {"modificationAmount": {"currency": "EUR", "value": 100}}
        response = call(client, "POST", f"/epayment/v1/payments/{REF}/capture", key="c1", body=body)
        assert_problem(response, 400, "modificationAmount.currency")

    def test_cancel_before_and_after_approval(self, client: TestClient) -> None:
        create(client)
        assert modify(client, "cancel", None, "x1").json()["state"] == "TERMINATED"
        create(client, "pay-01JD5Z8Q3W0000000000000002")
        decide(client, "pay-01JD5Z8Q3W0000000000000002", "approve")
        response = call(
            client, "POST", "/epayment/v1/payments/pay-01JD5Z8Q3W0000000000000002/cancel", key="x2"
        )
        assert response.json()["aggregate"]["cancelledAmount"]["value"] == 12_500

    def test_unknown_action(self, client: TestClient) -> None:
        create(client)
        assert call(client, "POST", f"/epayment/v1/payments/{REF}/approve", key="a1").status_code == 422


class TestWebhooks:
    def test_registration_is_idempotent(self, client: TestClient, settings: Settings) -> None:
        body = {"url": "https://betal.example/hooks/mobilepay", "events": ["epayments.payment.authorized.v1"]}
        first = call(client, "POST", "/webhooks/v1/webhooks", key="w1", body=body)
        again = call(client, "POST", "/webhooks/v1/webhooks", key="w2", body=body)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert first.json()["secret"] == sandbox_webhook_secret(settings.secret_key, body["url"])
        listed = call(client, "GET", "/webhooks/v1/webhooks").json()["webhooks"]
        assert [(w["url"], w["events"]) for w in listed] == [(body["url"], body["events"])]
        assert call(client, "GET", "/webhooks/v1/webhooks", msn="654321").json() == {"webhooks": []}
        assert_problem(
            call(client, "POST", "/webhooks/v1/webhooks", key="w3", body={"url": "x"}), 400, "url", "events"
        )

    def test_signed_callbacks_are_delivered(
        self, client: TestClient, settings: Settings, clock: FrozenClock
    ) -> None:
        with Receiver() as receiver:
            events = ["epayments.payment.authorized.v1", "epayments.payment.captured.v1"]
            call(
                client,
                "POST",
                "/webhooks/v1/webhooks",
                key="w1",
                body={"url": receiver.url, "events": events},
            )
            authorised(client)  # CREATED is not subscribed: only AUTHORIZED is sent
            modify(client, "capture", 12_500, "c1")
            wait_until(lambda: len(receiver.received) == 2)
        secret = sandbox_webhook_secret(settings.secret_key, receiver.url)
        names = []
        for delivery in receiver.received:
            assert delivery.path == "/hooks/test"
            headers, body = delivery.headers, delivery.body
            webhooks.verify(secret, path_and_query=delivery.path, headers=headers, body=body, now=clock.now())
            callback = webhooks.parse(delivery.body)
            assert (callback.msn, callback.reference) == (MSN, REF)
            names.append(callback.name)
            assert json.loads(delivery.body)["amount"] == {"currency": "DKK", "value": 12_500}
        assert names == ["AUTHORIZED", "CAPTURED"]
        assert len({json.loads(d.body)["pspReference"] for d in receiver.received}) == 2

    def test_a_failed_delivery_is_logged(self, client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
        body = {"url": "http://127.0.0.1:9/hooks/mobilepay", "events": ["epayments.payment.created.v1"]}
        call(client, "POST", "/webhooks/v1/webhooks", key="w1", body=body)
        create(client)  # answered although the callback cannot be delivered
        assert re.search(r"mobilepay webhook to http://127.0.0.1:9/hooks/mobilepay failed", caplog.text)


def test_live_installations_have_no_simulator(settings: Settings, clock: FrozenClock) -> None:
    live = settings.model_copy(update={"mode": Mode.LIVE})
    with simulator(live, clock) as client:
        assert client.post(f"{BASE}/accesstoken/get").status_code == 404
        assert client.get(f"{BASE}/app/{REF}").status_code == 404
