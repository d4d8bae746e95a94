"""The card acquirer's hosted payment page (betal.sandbox.card_page): the payer's language, the acquirer's
404 for an unknown payment, and the signed callbacks a decision on the page sends. The card rules and the
form's refusals are covered with the acquirer in test_card.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from betal.adapters.clock import FrozenClock
from betal.adapters.providers.card import webhooks
from betal.adapters.providers.sandbox_secret import sandbox_webhook_secret
from betal.config import Mode, Settings
from betal.sandbox import card
from tests.adapters.providers.mobilepay.support import CARD, Receiver, form_token, simulator, wait_until

BASE = "/sandbox/card"
KEY = {"Authorization": f"Bearer {card.SECRET_KEY}"}
PAYMENT = {
    "amount": 12_500,
    "currency": "DKK",
    "reference": "pay_01JD5Z8Q3W0000000000000011",
    "returnUrl": "https://shop.example/return",
    "cancelUrl": "https://shop.example/cancel",
    "merchantId": "sandbox-12345678",
}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 22, 9, 41, tzinfo=UTC))


@pytest.fixture
def client(settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:
    with simulator(settings, clock) as test_client:
        yield test_client


def create(client: TestClient, key: str = "k1") -> str:
    response = client.post(f"{BASE}/v1/payments", json=PAYMENT, headers=KEY | {"Idempotency-Key": key})
    assert response.status_code == 201, response.text
    assert response.json()["hostedPaymentPageUrl"].endswith(f"{BASE}/pay/{response.json()['paymentId']}")
    return str(response.json()["paymentId"])


def submit(client: TestClient, payment_id: str, action: str, **fields: str) -> str:
    page = client.get(f"{BASE}/pay/{payment_id}")
    data = {"token": form_token(page.text), "action": action, **CARD, **fields}
    response = client.post(f"{BASE}/pay/{payment_id}", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


class TestPage:
    def test_in_english_when_chosen(self, client: TestClient) -> None:
        payment_id = create(client)
        client.cookies.set("betal_lang", "en")
        page = client.get(f"{BASE}/pay/{payment_id}")
        assert page.status_code == 200
        assert "Pay by card" in page.text
        assert "Pay 125,00 kr." in page.text  # the acquirer shows amounts the Danish way
        assert f"/app/language/da?next={BASE}/pay/{payment_id}" in page.text
        assert page.headers["cache-control"] == "no-store"

    def test_an_unknown_payment_is_the_acquirers_404(self, client: TestClient) -> None:
        for response in (
            client.get(f"{BASE}/pay/unknown"),
            client.post(f"{BASE}/pay/unknown", data={"token": "t", "action": "pay"}),
        ):
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "resource_missing"

    def test_live_installations_have_no_page(self, settings: Settings, clock: FrozenClock) -> None:
        with simulator(settings.model_copy(update={"mode": Mode.LIVE}), clock) as live:
            assert live.get(f"{BASE}/pay/abc").status_code == 404
            assert live.post(f"{BASE}/pay/abc", data={"token": "t", "action": "pay"}).status_code == 404


class TestCallbacks:
    def test_each_decision_on_the_page_is_signed_and_sent(
        self, client: TestClient, settings: Settings, clock: FrozenClock
    ) -> None:
        with Receiver() as receiver:
            events = ["payment.captured", "payment.declined", "payment.cancelled"]
            hook = {"url": receiver.url, "events": events}
            client.post(f"{BASE}/v1/webhook-endpoints", json=hook, headers=KEY | {"Idempotency-Key": "e1"})
            paid, declined, cancelled = create(client, "k1"), create(client, "k2"), create(client, "k3")
            assert submit(client, paid, "pay") == "https://shop.example/return"
            wait_until(lambda: len(receiver.received) == 1)
            assert (
                submit(client, declined, "pay", number="4000 0000 0000 9995") == "https://shop.example/return"
            )
            wait_until(lambda: len(receiver.received) == 2)
            assert submit(client, cancelled, "cancel", number="") == "https://shop.example/cancel"
            wait_until(lambda: len(receiver.received) == 3)
        secret = sandbox_webhook_secret(settings.secret_key, receiver.url)
        seen = []
        for delivery in receiver.received:
            webhooks.verify(secret, delivery.headers["Card-Signature"], delivery.body, clock.now())
            callback = webhooks.parse(delivery.body)
            seen.append((callback.type, callback.payment_id, json.loads(delivery.body)["data"]["status"]))
        assert seen == [
            ("payment.captured", paid, "CAPTURED"),
            ("payment.declined", declined, "DECLINED"),
            ("payment.cancelled", cancelled, "CANCELLED"),
        ]
