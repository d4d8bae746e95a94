"""POST /hooks/mobilepay over real HTTP: the simulator's signed callbacks settle a checkout; replays,
bad signatures and unknown payments change nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import text

from betal.adapters.providers.mobilepay import webhooks
from betal.adapters.providers.mobilepay.provider import MobilePayProvider
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import CreatePayment
from betal.services.organisation import CreatedOrganisation
from tests.adapters.providers.mobilepay.support import (
    checkout,
    event_types,
    lose_callbacks,
    mobilepay_decide,
    msn_of,
    payment,
    provider_event_count,
    request_status,
    wait_until,
)
from tests.conftest import LiveServer
from tests.helpers import assert_problem


def provider_of(live_server: LiveServer) -> MobilePayProvider:
    provider = live_server.container.providers.for_method(Method.MOBILEPAY)
    assert isinstance(provider, MobilePayProvider)
    return provider


def payload(msn: str, reference: str, name: str = "AUTHORIZED", psp: str = "5550001111") -> bytes:
    data = {"msn": msn, "reference": reference, "pspReference": psp, "name": name,
            "amount": {"currency": "DKK", "value": 12_500}, "timestamp": datetime.now(UTC).isoformat(),
            "idempotencyKey": None, "success": True}  # fmt: skip
    return json.dumps(data).encode()


def send(
    live_server: LiveServer,
    body: bytes,
    *,
    secret: str | None = None,
    sent: datetime | None = None,
    **headers: str,
) -> httpx.Response:
    """POST ``body`` to the hook, signed as MobilePay signs (with betal's secret unless told otherwise)."""
    key = secret if secret is not None else provider_of(live_server).config.webhook_secret.get_secret_value()
    url = f"{live_server.url}/hooks/mobilepay"
    signed = webhooks.sign(
        key,
        path_and_query="/hooks/mobilepay",
        host=urlsplit(url).netloc,
        body=body,
        now=sent or datetime.now(UTC),
    )
    return httpx.post(url, content=body, headers=signed | {"Content-Type": "application/json"} | headers)


def event_ids(live_server: LiveServer) -> list[str]:
    with live_server.container.engine.connect() as conn:
        return [
            str(r[0])
            for r in conn.execute(text("SELECT event_id FROM provider_events WHERE provider = 'mobilepay'"))
        ]


def reference_of(live_server: LiveServer, org: CreatedOrganisation, payment_id: str) -> tuple[str, str]:
    stored = payment(live_server.container, org, payment_id).provider_reference
    assert stored is not None
    msn, _, reference = stored.partition(":")
    return msn, reference


class TestCallbacks:
    def test_the_callback_settles_the_request(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        container = live_server.container
        request, started = checkout(live_server, org, Method.MOBILEPAY)
        assert mobilepay_decide(str(started.redirect_url), "approve").status_code == 303
        wait_until(lambda: request_status(container, org, request.id) == "paid")
        assert payment(container, org, started.payment.id).status is PaymentStatus.SUCCEEDED
        wait_until(
            lambda: any(e.endswith(":CAPTURED") for e in event_ids(live_server))
        )  # the capture's own callback
        assert any(e.endswith(":AUTHORIZED") for e in event_ids(live_server))
        types = event_types(container, org)
        assert types.count("payment.succeeded") == types.count("payment_request.paid") == 1

    def test_a_replay_changes_nothing(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        container = live_server.container
        request, started = checkout(live_server, org, Method.MOBILEPAY)
        mobilepay_decide(str(started.redirect_url), "approve")
        wait_until(lambda: request_status(container, org, request.id) == "paid")
        wait_until(lambda: any(e.endswith(":CAPTURED") for e in event_ids(live_server)))  # all callbacks in
        authorized = next(e for e in event_ids(live_server) if e.endswith(":AUTHORIZED"))
        msn, reference = reference_of(live_server, org, started.payment.id)
        body = payload(msn, reference, "AUTHORIZED", authorized.partition(":")[0])
        before = (event_types(container, org), provider_event_count(container))
        for _ in range(2):
            response = send(live_server, body)
            assert response.status_code == 200, response.text
            assert response.json() == {"received": True, "applied": False}
        assert (event_types(container, org), provider_event_count(container)) == before

    def test_callbacks_are_not_needed_twice(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        """A new event about a settled payment is recorded but settles nothing again."""
        container = live_server.container
        lose_callbacks(live_server, org, Method.MOBILEPAY)
        request, started = checkout(live_server, org, Method.MOBILEPAY)
        mobilepay_decide(str(started.redirect_url), "approve")
        msn, reference = reference_of(live_server, org, started.payment.id)
        for psp in ("5550001111", "5550002222"):
            assert send(live_server, payload(msn, reference, psp=psp)).json() == {
                "received": True,
                "applied": True,
            }
        assert request_status(container, org, request.id) == "paid"
        assert event_types(container, org).count("payment_request.paid") == 1
        assert provider_event_count(container) == 2


class TestRefused:
    def setup_payment(self, live_server: LiveServer, org: CreatedOrganisation) -> tuple[str, str, str]:
        lose_callbacks(live_server, org, Method.MOBILEPAY)
        _request, started = checkout(live_server, org, Method.MOBILEPAY)
        mobilepay_decide(str(started.redirect_url), "approve")
        return started.payment.id, *reference_of(live_server, org, started.payment.id)

    def assert_untouched(self, live_server: LiveServer, org: CreatedOrganisation, payment_id: str) -> None:
        container = live_server.container
        assert payment(container, org, payment_id).status is PaymentStatus.INITIATED
        assert provider_event_count(container) == 0
        assert "payment.succeeded" not in event_types(container, org)
        _msn, reference = reference_of(live_server, org, payment_id)
        doc: Any = container.sandbox_store().get("mobilepay", f"payment:{reference}")
        assert doc["aggregate"]["capturedAmount"]["value"] == 0  # betal did not even read it

    def test_wrong_secret(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        payment_id, msn, reference = self.setup_payment(live_server, org)
        response = send(live_server, payload(msn, reference), secret="not-the-secret")
        assert_problem(response, 401, "webhook.invalid_signature")
        self.assert_untouched(live_server, org, payment_id)

    def test_stale_date(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        payment_id, msn, reference = self.setup_payment(live_server, org)
        response = send(live_server, payload(msn, reference), sent=datetime.now(UTC) - timedelta(minutes=6))
        assert_problem(response, 401, "webhook.invalid_signature")
        self.assert_untouched(live_server, org, payment_id)

    def test_tampered_body(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        payment_id, msn, reference = self.setup_payment(live_server, org)
        body = payload(msn, reference)
        signed = webhooks.sign(
            provider_of(live_server).config.webhook_secret.get_secret_value(),
            path_and_query="/hooks/mobilepay",
            host=urlsplit(live_server.url).netloc,
            body=body,
            now=datetime.now(UTC),
        )
        response = httpx.post(
            f"{live_server.url}/hooks/mobilepay", content=body.replace(b"12500", b"1"), headers=signed
        )
        assert_problem(response, 401, "webhook.invalid_signature")
        self.assert_untouched(live_server, org, payment_id)

    def test_unsigned(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        payment_id, msn, reference = self.setup_payment(live_server, org)
        response = httpx.post(f"{live_server.url}/hooks/mobilepay", content=payload(msn, reference))
        assert_problem(response, 401, "webhook.invalid_signature")
        self.assert_untouched(live_server, org, payment_id)

    def test_malformed_but_signed(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        payment_id, _msn, _reference = self.setup_payment(live_server, org)
        assert_problem(send(live_server, b'{"hello": "world"}'), 422, "webhook.malformed")
        self.assert_untouched(live_server, org, payment_id)

    def test_unknown_payment(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        payment_id, msn, _reference = self.setup_payment(live_server, org)
        response = send(live_server, payload(msn, "pay-01JD5Z8Q3W000000000000ZZ"))
        assert_problem(response, 404, "payment.unknown_reference")
        self.assert_untouched(live_server, org, payment_id)

    def test_a_payment_betal_never_made(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        msn = msn_of(live_server.container, org)
        command = CreatePayment(
            "pay_01JD5Z8Q3W000000000000YY", org.organisation.id, Method.MOBILEPAY, 500, "DKK", "x",
            f"{live_server.url}/pay/return", {"merchant_serial_number": msn},
        )  # fmt: skip
        created = provider_of(live_server).create_payment(command)
        response = send(live_server, payload(msn, created.reference.partition(":")[2], "CREATED"))
        assert_problem(response, 404, "payment.unknown_reference")
        assert provider_event_count(live_server.container) == 0
