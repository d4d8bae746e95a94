"""The card acquirer simulator: API, idempotency, errors, the hosted payment page with the test cards,
refunds, cancellation, webhook endpoints and signed callbacks delivered over real HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal.adapters.clock import FrozenClock
from betal.adapters.providers.card import webhooks
from betal.adapters.providers.mobilepay.config import sandbox_webhook_secret
from betal.config import Mode, Settings
from betal.sandbox import card as sim
from tests.adapters.providers.mobilepay.support import CARD, Receiver, form_token, simulator, wait_until

BASE = "/sandbox/card"
KEY = {"Authorization": f"Bearer {sim.SECRET_KEY}"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 22, 9, 41, tzinfo=UTC))


@pytest.fixture
def client(settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:
    with simulator(settings, clock) as test_client:
        yield test_client


def new_payment(**changes: Any) -> dict[str, Any]:
    body = {
        "amount": 12_500,
        "currency": "DKK",
        "reference": "pay_01JD5Z8Q3W0000000000000011",
        "description": "Husleje december",
        "returnUrl": "https://shop.example/return",
        "cancelUrl": "https://shop.example/cancel",
        "merchantId": "sandbox-12345678",
    }
    return body | changes


def post(client: TestClient, path: str, body: Any = None, key: str | None = "k1") -> Any:
    headers = KEY | ({"Idempotency-Key": key} if key else {})
    return client.post(f"{BASE}{path}", json=body, headers=headers)


def create(client: TestClient, key: str = "k1") -> str:
    response = post(client, "/v1/payments", new_payment(), key)
    assert response.status_code == 201, response.text
    return str(response.json()["paymentId"])


def read(client: TestClient, payment_id: str) -> Any:
    return client.get(f"{BASE}/v1/payments/{payment_id}", headers=KEY).json()


def submit(client: TestClient, payment_id: str, action: str = "pay", **fields: str) -> Any:
    page = client.get(f"{BASE}/pay/{payment_id}")
    data = {"token": form_token(page.text), "action": action, **CARD, **fields}
    return client.post(f"{BASE}/pay/{payment_id}", data=data, follow_redirects=False)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert {"type", "message", "param"} <= error.keys()
    return error


class TestApi:
    def test_create_and_read(self, client: TestClient) -> None:
        response = post(client, "/v1/payments", new_payment())
        assert response.status_code == 201
        payment_id = response.json()["paymentId"]
        assert response.json() == {
            "paymentId": payment_id,
            "hostedPaymentPageUrl": f"http://testserver{BASE}/pay/{payment_id}",
            "status": "CREATED",
        }
        payment = read(client, payment_id)
        assert (payment["status"], payment["amount"], payment["capturedAmount"], payment["card"]) == (
            "CREATED",
            12_500,
            0,
            None,
        )

    def test_needs_the_secret_key(self, client: TestClient) -> None:
        assert_error(client.post(f"{BASE}/v1/payments", json=new_payment()), 401, "unauthorized")
        wrong = {"Authorization": "Bearer sk_guess", "Idempotency-Key": "k"}
        assert_error(
            client.post(f"{BASE}/v1/payments", json=new_payment(), headers=wrong), 401, "unauthorized"
        )

    @pytest.mark.parametrize(
        ("change", "param"),
        [
            ({"amount": 12.5}, "amount"),
            ({"amount": 0}, "amount"),
            ({"currency": "dkk"}, "currency"),
            ({"returnUrl": "shop"}, "returnUrl"),
            ({"merchantId": ""}, "merchantId"),
            ({"cardNumber": "4111111111111111"}, "cardNumber"),
        ],
    )
    def test_bad_input(self, client: TestClient, change: dict[str, Any], param: str) -> None:
        error = assert_error(post(client, "/v1/payments", new_payment(**change)), 400, "parameter_invalid")
        assert error["param"] == param

    def test_idempotency(self, client: TestClient) -> None:
        assert_error(post(client, "/v1/payments", new_payment(), key=None), 400, "idempotency_key_missing")
        assert create(client, "same") == create(client, "same")
        assert create(client, "other") != create(client, "same")

    def test_unknown_payment(self, client: TestClient) -> None:
        assert_error(client.get(f"{BASE}/v1/payments/nope", headers=KEY), 404, "resource_missing")
        assert_error(post(client, "/v1/payments/nope/refunds", {"amount": 1}), 404, "resource_missing")


class TestHostedPage:
    def test_the_form_posts_to_the_acquirer(self, client: TestClient) -> None:
        payment_id = create(client)
        page = client.get(f"{BASE}/pay/{payment_id}")
        assert page.status_code == 200
        assert "Betal med kort" in page.text
        assert "Betal 125,00 kr." in page.text
        assert f'action="{BASE}/pay/{payment_id}"' in page.text
        assert "<script" not in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]

    def test_approved_is_captured_and_only_brand_and_last_digits_are_kept(self, client: TestClient) -> None:
        payment_id = create(client)
        response = submit(client, payment_id)
        assert (response.status_code, response.headers["location"]) == (303, "https://shop.example/return")
        payment = read(client, payment_id)
        assert (payment["status"], payment["capturedAmount"]) == ("CAPTURED", 12_500)
        assert payment["card"] == {"brand": "visa", "last4": "1111", "expiryMonth": 12, "expiryYear": 2039}
        documents = client.app.state.container.sandbox_store().list("card", "payment")  # type: ignore[attr-defined]
        stored = json.dumps(documents)
        assert "4111111111111111" not in stored
        assert "Jens Hansen" not in stored
        # The CVC is three digits that a random id may contain: check it is in no stored field by name.
        assert all(
            documents[0]["card"].keys() == {"brand", "last4", "expiryMonth", "expiryYear"} for _ in [0]
        )
        assert not any(
            "cvc" in key.lower() or "cvv" in key.lower() for key in json.dumps(documents[0]).split('"')
        )
        assert "737" not in json.dumps(documents[0]["card"])

    @pytest.mark.parametrize(
        ("number", "reason"),
        [("4000 0000 0000 0002", "card_declined"), ("4000-0000-0000-9995", "insufficient_funds")],
    )
    def test_declined(self, client: TestClient, number: str, reason: str) -> None:
        payment_id = create(client)
        assert submit(client, payment_id, number=number).headers["location"] == "https://shop.example/return"
        payment = read(client, payment_id)
        assert (payment["status"], payment["declineReason"], payment["capturedAmount"]) == (
            "DECLINED",
            reason,
            0,
        )

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"number": "4111 1111 1111 1112"}, "Kortnummeret er ikke gyldigt."),
            ({"number": "5555 5555 5555 4444"}, "Brug et af sandkassens testkort nedenfor."),
            ({"expiry": "13/30"}, "Indtast udløbsdatoen som MM/ÅÅ."),
            ({"expiry": "10/26"}, "Kortet er udløbet."),
            ({"cvc": "12"}, "Indtast kontrolcifrene"),
            ({"name": " "}, "Indtast navnet på kortet."),
        ],
    )
    def test_refused_input(self, client: TestClient, fields: dict[str, str], message: str) -> None:
        payment_id = create(client)
        response = submit(client, payment_id, **fields)
        assert response.status_code == 422
        assert message in response.text
        for field in ("number", "cvc"):  # never echoed back into the form
            tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', response.text)
            assert tag is not None
            assert "value=" not in tag.group(0)
        assert read(client, payment_id)["status"] == "CREATED"

    def test_this_month_is_not_expired(self, client: TestClient) -> None:
        payment_id = create(client)
        submit(client, payment_id, expiry="11/2026")
        assert read(client, payment_id)["card"]["expiryYear"] == 2026

    def test_cancel(self, client: TestClient) -> None:
        payment_id = create(client)
        token = form_token(client.get(f"{BASE}/pay/{payment_id}").text)
        response = submit(client, payment_id, action="cancel", number="")
        assert (response.status_code, response.headers["location"]) == (303, "https://shop.example/cancel")
        assert read(client, payment_id)["status"] == "CANCELLED"
        again = client.post(
            f"{BASE}/pay/{payment_id}", data={"token": token, "action": "pay", **CARD}, follow_redirects=False
        )
        assert again.headers["location"] == "https://shop.example/cancel"
        assert read(client, payment_id)["status"] == "CANCELLED"

    def test_a_completed_payment_is_not_paid_twice(self, client: TestClient) -> None:
        payment_id = create(client)
        token = form_token(client.get(f"{BASE}/pay/{payment_id}").text)
        submit(client, payment_id)
        assert "Denne betaling er allerede gennemført." in client.get(f"{BASE}/pay/{payment_id}").text
        again = client.post(
            f"{BASE}/pay/{payment_id}", data={"token": token, "action": "pay", **CARD}, follow_redirects=False
        )
        assert again.headers["location"] == "https://shop.example/return"
        assert read(client, payment_id)["capturedAmount"] == 12_500

    def test_a_forged_form(self, client: TestClient) -> None:
        payment_id = create(client)
        data = {"token": "forged", "action": "pay", **CARD}
        assert client.post(f"{BASE}/pay/{payment_id}", data=data, follow_redirects=False).status_code == 403
        assert read(client, payment_id)["status"] == "CREATED"


class TestRefundsAndCancel:
    def test_refunds(self, client: TestClient) -> None:
        payment_id = create(client)
        assert_error(
            post(client, f"/v1/payments/{payment_id}/refunds", {"amount": 100}), 409, "refund_not_allowed"
        )
        submit(client, payment_id)
        first = post(client, f"/v1/payments/{payment_id}/refunds", {"amount": 2_500}, key="r1")
        assert (first.status_code, first.json()["status"], first.json()["amount"]) == (
            201,
            "SUCCEEDED",
            2_500,
        )
        assert (
            post(client, f"/v1/payments/{payment_id}/refunds", {"amount": 2_500}, key="r1").json()
            == first.json()
        )
        assert read(client, payment_id)["status"] == "PARTIALLY_REFUNDED"
        too_much = post(client, f"/v1/payments/{payment_id}/refunds", {"amount": 10_001}, key="r2")
        assert assert_error(too_much, 409, "refund_not_allowed")["message"] == "At most 10000 can be refunded"
        post(client, f"/v1/payments/{payment_id}/refunds", {"amount": 10_000}, key="r3")
        assert (read(client, payment_id)["status"], read(client, payment_id)["refundedAmount"]) == (
            "REFUNDED",
            12_500,
        )

    def test_cancel(self, client: TestClient) -> None:
        payment_id = create(client)
        assert post(client, f"/v1/payments/{payment_id}/cancel", key="c1").json()["status"] == "CANCELLED"
        paid = create(client, "k2")
        submit(client, paid)
        assert_error(post(client, f"/v1/payments/{paid}/cancel", key="c2"), 409, "payment_not_cancellable")


class TestWebhooks:
    def test_endpoints(self, client: TestClient, settings: Settings) -> None:
        body = {"url": "https://betal.example/hooks/card", "events": ["payment.captured"]}
        first = post(client, "/v1/webhook-endpoints", body, key="e1")
        assert first.status_code == 201
        assert post(client, "/v1/webhook-endpoints", body, key="e2").json() == first.json()
        assert first.json()["secret"] == sandbox_webhook_secret(settings.secret_key, body["url"])
        listed = client.get(f"{BASE}/v1/webhook-endpoints", headers=KEY).json()["data"]
        assert [(e["url"], e["events"]) for e in listed] == [(body["url"], ["payment.captured"])]
        bad = post(
            client, "/v1/webhook-endpoints", {"url": body["url"], "events": ["payment.paid"]}, key="e3"
        )
        assert_error(bad, 400, "parameter_invalid")

    def test_signed_events_are_delivered(
        self, client: TestClient, settings: Settings, clock: FrozenClock
    ) -> None:
        with Receiver() as receiver:
            events = ["payment.captured", "payment.refunded"]
            post(client, "/v1/webhook-endpoints", {"url": receiver.url, "events": events}, key="e1")
            payment_id = create(client)
            submit(client, payment_id)
            post(client, f"/v1/payments/{payment_id}/refunds", {"amount": 500}, key="r1")
            declined = create(client, "k2")
            submit(client, declined, number="4000 0000 0000 0002")  # payment.declined is not subscribed
            wait_until(lambda: len(receiver.received) == 2)
        secret = sandbox_webhook_secret(settings.secret_key, receiver.url)
        kinds = []
        for delivery in receiver.received:
            webhooks.verify(secret, delivery.headers["Card-Signature"], delivery.body, clock.now())
            callback = webhooks.parse(delivery.body)
            assert callback.payment_id == payment_id
            kinds.append(callback.type)
        assert kinds == ["payment.captured", "payment.refunded"]
        assert json.loads(receiver.received[1].body)["data"]["refundAmount"] == 500


class TestHelpers:
    @pytest.mark.parametrize(
        ("value", "currency", "text"),
        [(12_500, "DKK", "125,00 kr."), (123_456_789, "DKK", "1.234.567,89 kr."), (5, "EUR", "0,05 EUR")],
    )
    def test_money(self, value: int, currency: str, text: str) -> None:
        assert sim.money(value, currency) == text

    @pytest.mark.parametrize(
        ("number", "brand"),
        [
            ("4111111111111111", "visa"),
            ("4571000000000001", "dankort"),
            ("5019000000000000", "dankort"),
            ("5555555555554444", "mastercard"),
            ("2223003122003222", "mastercard"),
            ("378282246310005", "amex"),
            ("6011111111111117", "unknown"),
        ],
    )
    def test_brand(self, number: str, brand: str) -> None:
        assert sim.brand(number) == brand

    def test_amex_needs_four_digits(self, clock: FrozenClock) -> None:
        assert sim.check_card("3782 822463 10005", "12/30", "123", "A", clock.now()) == "cvc"
        assert sim.check_card("3782 822463 10005", "12/30", "1234", "A", clock.now()) == "not_a_test_card"


def test_live_installations_have_no_simulator(settings: Settings, clock: FrozenClock) -> None:
    with simulator(settings.model_copy(update={"mode": Mode.LIVE}), clock) as client:
        assert client.get(f"{BASE}/pay/abc").status_code == 404
        assert client.post(f"{BASE}/v1/payments", headers=KEY).status_code == 404
