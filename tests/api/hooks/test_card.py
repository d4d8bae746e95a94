"""POST /hooks/card over real HTTP: the acquirer's signed callbacks settle a checkout; replays, bad
signatures and unknown payments change nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

from betal.adapters.providers.card import webhooks
from betal.adapters.providers.card.provider import CardProvider
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.services.organisation import CreatedOrganisation
from tests.adapters.providers.mobilepay.support import (
    card_submit,
    checkout,
    event_types,
    lose_callbacks,
    payment,
    provider_event_count,
    request_status,
    wait_until,
)
from tests.conftest import LiveServer
from tests.helpers import assert_problem


def secret_of(live_server: LiveServer) -> str:
    provider = live_server.container.providers.for_method(Method.CARD)
    assert isinstance(provider, CardProvider)
    return provider.config.webhook_secret.get_secret_value()


def event(
    payment_id: str, event_id: str = "evt_test0000000000000001", kind: str = "payment.captured"
) -> bytes:
    return json.dumps(
        {"id": event_id, "type": kind, "created": 0, "data": {"paymentId": payment_id}}
    ).encode()


def send(
    live_server: LiveServer, body: bytes, *, secret: str | None = None, at: datetime | None = None
) -> httpx.Response:
    signature = webhooks.sign(secret or secret_of(live_server), body, at or datetime.now(UTC))
    headers = {"Card-Signature": signature, "Content-Type": "application/json"}
    return httpx.post(f"{live_server.url}/hooks/card", content=body, headers=headers)


def card_event_ids(live_server: LiveServer) -> list[str]:
    with live_server.container.engine.connect() as conn:
        rows = conn.execute(text("SELECT event_id FROM provider_events WHERE provider = 'card'"))
        return [str(r[0]) for r in rows]


class TestCallbacks:
    def test_the_callback_settles_the_request(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        container = live_server.container
        request, started = checkout(live_server, org, Method.CARD)
        card_submit(str(started.redirect_url))
        wait_until(lambda: request_status(container, org, request.id) == "paid")
        assert payment(container, org, started.payment.id).status is PaymentStatus.SUCCEEDED
        types = event_types(container, org)
        assert types.count("payment.succeeded") == types.count("payment_request.paid") == 1
        assert len(card_event_ids(live_server)) == 1

    def test_a_declined_card_fails_the_attempt(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        container = live_server.container
        request, started = checkout(live_server, org, Method.CARD)
        card_submit(str(started.redirect_url), number="4000 0000 0000 9995")
        wait_until(lambda: payment(container, org, started.payment.id).status is PaymentStatus.FAILED)
        assert payment(container, org, started.payment.id).failure_reason == "the card has insufficient funds"
        assert request_status(container, org, request.id) == "open"

    def test_a_replay_changes_nothing(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        container = live_server.container
        request, started = checkout(live_server, org, Method.CARD)
        card_submit(str(started.redirect_url))
        wait_until(lambda: request_status(container, org, request.id) == "paid")
        (delivered,) = wait_until(lambda: card_event_ids(live_server))
        before = (event_types(container, org), provider_event_count(container))
        body = event(str(payment(container, org, started.payment.id).provider_reference), delivered)
        for _ in range(2):
            response = send(live_server, body)
            assert response.status_code == 200, response.text
            assert response.json() == {"received": True, "applied": False}
        assert (event_types(container, org), provider_event_count(container)) == before


class TestRefused:
    def setup_payment(self, live_server: LiveServer, org: CreatedOrganisation) -> tuple[str, str]:
        lose_callbacks(live_server, org, Method.CARD)
        _request, started = checkout(live_server, org, Method.CARD)
        card_submit(str(started.redirect_url))
        reference = payment(live_server.container, org, started.payment.id).provider_reference
        return started.payment.id, str(reference)

    def assert_untouched(self, live_server: LiveServer, org: CreatedOrganisation, payment_id: str) -> None:
        container = live_server.container
        assert payment(container, org, payment_id).status is PaymentStatus.INITIATED
        assert provider_event_count(container) == 0
        assert "payment.succeeded" not in event_types(container, org)

    def test_wrong_secret(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        payment_id, reference = self.setup_payment(live_server, org)
        assert_problem(
            send(live_server, event(reference), secret="not-the-secret"), 401, "webhook.invalid_signature"
        )
        self.assert_untouched(live_server, org, payment_id)

    def test_stale(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        payment_id, reference = self.setup_payment(live_server, org)
        old = datetime.now(UTC) - timedelta(minutes=6)
        assert_problem(send(live_server, event(reference), at=old), 401, "webhook.invalid_signature")
        self.assert_untouched(live_server, org, payment_id)

    def test_tampered_and_unsigned(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        payment_id, reference = self.setup_payment(live_server, org)
        signature = webhooks.sign(secret_of(live_server), event(reference), datetime.now(UTC))
        tampered = httpx.post(
            f"{live_server.url}/hooks/card",
            content=event(reference, "evt_other"),
            headers={"Card-Signature": signature},
        )
        assert_problem(tampered, 401, "webhook.invalid_signature")
        assert_problem(
            httpx.post(f"{live_server.url}/hooks/card", content=event(reference)),
            401,
            "webhook.invalid_signature",
        )
        self.assert_untouched(live_server, org, payment_id)

    def test_malformed_but_signed(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        payment_id, _reference = self.setup_payment(live_server, org)
        assert_problem(send(live_server, b'{"type": "payment.captured"}'), 422, "webhook.malformed")
        self.assert_untouched(live_server, org, payment_id)

    def test_unknown_payment(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        payment_id, _reference = self.setup_payment(live_server, org)
        assert_problem(send(live_server, event("f" * 32)), 404, "payment.unknown_reference")
        assert_problem(
            send(live_server, event("../../v1/webhook-endpoints")), 404, "payment.unknown_reference"
        )
        self.assert_untouched(live_server, org, payment_id)
