"""The MobilePay simulator's app page (betal.sandbox.mobilepay_app): the payer's decision, the phone
numbers it takes, its refusals, and the one callback a decision sends. The ePayment API is covered in
test_mobilepay.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal.adapters.clock import FrozenClock
from betal.config import Mode, Settings
from betal.sandbox import mobilepay
from tests.adapters.providers.mobilepay.support import Receiver, form_token, simulator, wait_until

MSN = "123456"
BASE = "/sandbox/mobilepay"
REF = "pay-01JD5Z8Q3W0000000000000002"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def client(settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:
    with simulator(settings, clock) as test_client:
        yield test_client


def api(client: TestClient, method: str, path: str, *, key: str | None = None, body: Any = None) -> Any:
    merchant = {"Ocp-Apim-Subscription-Key": mobilepay.SUBSCRIPTION_KEY, "Merchant-Serial-Number": MSN}
    credentials = {"client_id": mobilepay.CLIENT_ID, "client_secret": mobilepay.CLIENT_SECRET}
    token = client.post(f"{BASE}/accesstoken/get", headers=merchant | credentials).json()["access_token"]
    headers = merchant | {"Authorization": f"Bearer {token}"} | ({"Idempotency-Key": key} if key else {})
    return client.request(method, f"{BASE}{path}", headers=headers, json=body)


def create(client: TestClient) -> str:
    body = {
        "amount": {"currency": "DKK", "value": 12_500},
        "paymentMethod": {"type": "WALLET"},
        "reference": REF,
        "returnUrl": "https://shop.example/return",
        "userFlow": "WEB_REDIRECT",
    }
    response = api(client, "POST", "/epayment/v1/payments", key="c1", body=body)
    assert response.status_code == 201, response.text
    return str(response.json()["redirectUrl"])


def decide(client: TestClient, decision: str, phone: str, token: str | None = None) -> Any:
    token = token or form_token(client.get(f"{BASE}/app/{REF}").text)
    data = {"token": token, "decision": decision, "phone": phone}
    return client.post(f"{BASE}/app/{REF}", data=data, follow_redirects=False)


def state(client: TestClient) -> str:
    return str(api(client, "GET", f"/epayment/v1/payments/{REF}").json()["state"])


class TestDecision:
    @pytest.mark.parametrize("phone", ["20123456", "+45 20 12 34 56", "4520-12-34-56"])
    def test_approve_with_a_danish_mobile_number(self, client: TestClient, phone: str) -> None:
        assert create(client).endswith(f"{BASE}/app/{REF}")
        response = decide(client, "approve", phone)
        assert (response.status_code, response.headers["location"]) == (303, "https://shop.example/return")
        assert state(client) == "AUTHORIZED"

    @pytest.mark.parametrize("phone", ["", "2012345", "+46 20 12 34 56", "201234567"])
    def test_not_a_danish_mobile_number(self, client: TestClient, phone: str) -> None:
        create(client)
        response = decide(client, "approve", phone)
        assert response.status_code == 422
        assert f'value="{phone}"' in response.text  # kept in the form to correct
        assert state(client) == "CREATED"

    def test_rejecting_needs_no_number(self, client: TestClient) -> None:
        create(client)
        assert decide(client, "reject", "").headers["location"] == "https://shop.example/return"
        assert state(client) == "ABORTED"
        assert "Betalingen blev afvist." in client.get(f"{BASE}/app/{REF}").text

    def test_a_decision_sends_one_callback(self, client: TestClient) -> None:
        with Receiver() as receiver:
            events = ["epayments.payment.authorized.v1", "epayments.payment.aborted.v1"]
            api(
                client,
                "POST",
                "/webhooks/v1/webhooks",
                key="w1",
                body={"url": receiver.url, "events": events},
            )
            create(client)
            token = form_token(client.get(f"{BASE}/app/{REF}").text)
            assert decide(client, "approve", "20123456", token).status_code == 303
            # decided already: the second decision changes nothing and sends nothing
            assert decide(client, "reject", "", token).status_code == 303
            wait_until(lambda: receiver.received)
        assert [json.loads(d.body)["name"] for d in receiver.received] == ["AUTHORIZED"]
        assert state(client) == "AUTHORIZED"


class TestRefusals:
    def test_a_forged_form_is_a_problem(self, client: TestClient) -> None:
        create(client)
        data = {"token": "forged", "decision": "approve", "phone": "20123456"}
        response = client.post(f"{BASE}/app/{REF}", data=data)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
        assert state(client) == "CREATED"

    def test_unknown_decision(self, client: TestClient) -> None:
        create(client)
        token = form_token(client.get(f"{BASE}/app/{REF}").text)
        assert client.post(f"{BASE}/app/{REF}", data={"token": token, "decision": "maybe"}).status_code == 422

    def test_in_english_when_chosen(self, client: TestClient) -> None:
        create(client)
        client.cookies.set("betal_lang", "en")
        page = client.get(f"{BASE}/app/{REF}")
        assert "Approve payment" in page.text
        assert "125,00 kr." in page.text

    def test_live_installations_have_no_app(self, settings: Settings, clock: FrozenClock) -> None:
        with simulator(settings.model_copy(update={"mode": Mode.LIVE}), clock) as live:
            assert live.get(f"{BASE}/app/{REF}").status_code == 404
            assert (
                live.post(f"{BASE}/app/{REF}", data={"token": "t", "decision": "reject"}).status_code == 404
            )
