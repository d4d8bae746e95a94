"""MobilePayProvider against the MobilePay simulator over real HTTP, and the whole checkout use case
when no callback arrives (the payer's return page and the polling job call ``refresh_payment``)."""

from __future__ import annotations

import httpx
import pytest

from betal.adapters.providers.mobilepay import mapping
from betal.adapters.providers.mobilepay.client import MobilePayClient
from betal.adapters.providers.mobilepay.provider import MobilePayProvider
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import Capability, CreatePayment, CreateRefund, NotSupported, ProviderRejected
from betal.services.checkout import refresh_payment
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import refund_payment
from tests.adapters.providers.mobilepay.support import (
    checkout,
    event_types,
    lose_callbacks,
    mobilepay_decide,
    msn_of,
    owner,
    payment,
    provider_event_count,
    request_status,
)
from tests.conftest import LiveServer

STORE = "mobilepay"


def provider_of(live_server: LiveServer) -> MobilePayProvider:
    provider = live_server.container.providers.for_method(Method.MOBILEPAY)
    assert isinstance(provider, MobilePayProvider)
    return provider


def command(
    live_server: LiveServer, org: CreatedOrganisation, payment_id: str, amount: int = 12_500
) -> CreatePayment:
    return CreatePayment(
        payment_id=payment_id,
        organisation_id=org.organisation.id,
        method=Method.MOBILEPAY,
        amount_minor=amount,
        currency="DKK",
        description="Husleje december",
        return_url=f"{live_server.url}/pay/return",
        creditor={"merchant_serial_number": msn_of(live_server.container, org)},
    )


def simulated(live_server: LiveServer, reference: str) -> dict[str, object]:
    doc = live_server.container.sandbox_store().get(STORE, f"payment:{reference.partition(':')[2]}")
    assert doc is not None
    return doc


class TestProvider:
    def test_declares_its_capabilities(self, live_server: LiveServer) -> None:
        provider = provider_of(live_server)
        assert provider.key == "mobilepay"
        assert provider.capabilities == {
            Capability.REDIRECT, Capability.POLL, Capability.WEBHOOK, Capability.REFUND, Capability.CANCEL
        }  # fmt: skip

    def test_approved_is_captured_once_when_read(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        provider = provider_of(live_server)
        created = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000A1"))
        assert created.status is PaymentStatus.INITIATED
        assert (
            created.redirect_url == f"{live_server.url}/sandbox/mobilepay/app/pay-01JD5Z8Q3W00000000000000A1"
        )
        assert provider.get_payment(created.reference).status is PaymentStatus.INITIATED
        assert mobilepay_decide(str(created.redirect_url), "approve").status_code == 303
        first = provider.get_payment(created.reference)
        again = provider.get_payment(created.reference)
        assert first.status is again.status is PaymentStatus.SUCCEEDED
        assert (first.payment_id, first.amount_minor, first.currency) == (
            "pay_01JD5Z8Q3W00000000000000A1",
            12_500,
            "DKK",
        )
        aggregate = simulated(live_server, created.reference)["aggregate"]
        assert aggregate["capturedAmount"]["value"] == 12_500  # type: ignore[index]

    def test_never_captures_another_systems_payment(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        """A webshop may use the same merchant serial number: its payments are read, never captured."""
        provider, msn = provider_of(live_server), msn_of(live_server.container, org)
        body = mapping.create_body(command(live_server, org, "pay_01JD5Z8Q3W00000000000000B2"))
        webshop = MobilePayClient(provider.config)
        webshop.create_payment(msn, "webshop-1", body | {"reference": "webshop-order-10001"})
        mobilepay_decide(f"{live_server.url}/sandbox/mobilepay/app/webshop-order-10001", "approve")
        assert provider.get_payment(f"{msn}:webshop-order-10001").status is PaymentStatus.PENDING
        assert webshop.get_payment(msn, "webshop-order-10001")["aggregate"]["capturedAmount"]["value"] == 0

    def test_create_is_idempotent_by_payment_id(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        provider = provider_of(live_server)
        first = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000A2"))
        second = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000A2"))
        assert first.reference == second.reference
        assert first.raw == second.raw
        assert len(live_server.container.sandbox_store().list(STORE, "payment")) == 1

    def test_registers_its_callback_once(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        provider = provider_of(live_server)
        provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000A3"))
        provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000A4"))
        MobilePayProvider(live_server.container.settings).ensure_webhook(msn_of(live_server.container, org))
        hooks = live_server.container.sandbox_store().list(STORE, "webhook")
        assert [(h["msn"], h["url"]) for h in hooks] == [
            (msn_of(live_server.container, org), f"{live_server.url}/hooks/mobilepay")
        ]
        assert "epayments.payment.authorized.v1" in hooks[0]["events"]

    def test_rejected_in_the_app(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        provider = provider_of(live_server)
        created = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000A5"))
        mobilepay_decide(str(created.redirect_url), "reject")
        result = provider.get_payment(created.reference)
        assert result.status is PaymentStatus.CANCELLED
        assert result.failure_reason == "the payer rejected the payment in MobilePay"

    def test_expires_when_nobody_acts(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        provider = provider_of(live_server)
        created = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000A6"))
        live_server.container.sandbox_store().update(
            STORE,
            "payment:pay-01JD5Z8Q3W00000000000000A6",
            lambda d: d | {"expiresAt": "2020-01-01T00:00:00+00:00"},
        )
        result = provider.get_payment(created.reference)
        assert (result.status, result.raw["state"]) == (PaymentStatus.FAILED, "EXPIRED")

    def test_cancel_before_approval(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        provider = provider_of(live_server)
        created = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000A7"))
        cancelled = provider.cancel(created.reference)
        assert (cancelled.status, cancelled.raw["state"]) == (PaymentStatus.CANCELLED, "TERMINATED")
        page = httpx.get(str(created.redirect_url))
        assert 'name="decision"' not in page.text  # nothing left to approve
        assert (
            "The shop cancelled the payment."
            in httpx.get(str(created.redirect_url), cookies={"betal_lang": "en"}).text
        )

    def test_cancel_an_authorisation(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        provider = provider_of(live_server)
        created = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000A8"))
        mobilepay_decide(str(created.redirect_url), "approve")
        assert provider.cancel(created.reference).status is PaymentStatus.CANCELLED
        assert provider.get_payment(created.reference).status is PaymentStatus.CANCELLED  # not captured

    def test_refunds_partial_then_the_rest(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        provider = provider_of(live_server)
        created = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000A9"))
        mobilepay_decide(str(created.redirect_url), "approve")
        provider.get_payment(created.reference)
        ref = created.reference
        partial = provider.refund(
            CreateRefund("pay_01JD5Z8Q3W00000000000000A9", "pay_A9-r0-2500", ref, 2_500, "DKK")
        )
        assert partial.succeeded
        assert partial.raw["aggregate"]["refundedAmount"]["value"] == 2_500
        rest = provider.refund(
            CreateRefund("pay_01JD5Z8Q3W00000000000000A9", "pay_A9-r2500-10000", ref, 10_000, "DKK")
        )
        assert rest.raw["aggregate"]["refundedAmount"]["value"] == 12_500
        with pytest.raises(ProviderRejected, match="at most 0 can be refunded"):
            provider.refund(CreateRefund("pay_01JD5Z8Q3W00000000000000A9", "pay_A9-r12500-1", ref, 1, "DKK"))
        assert provider.get_payment(ref).status is PaymentStatus.SUCCEEDED  # refunds are booked by betal

    def test_unknown_payment(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        with pytest.raises(ProviderRejected) as caught:
            provider_of(live_server).get_payment(
                f"{msn_of(live_server.container, org)}:pay-01JD5Z8Q3W000000000000ZZ"
            )
        assert caught.value.provider_code == "404"

    def test_only_mobilepay(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        wrong = command(live_server, org, "pay_01JD5Z8Q3W00000000000000B1")
        with pytest.raises(NotSupported):
            provider_of(live_server).create_payment(
                CreatePayment(**{**wrong.__dict__, "method": Method.CARD})
            )


class TestCheckoutWithoutCallbacks:
    def test_refresh_settles_the_request(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        container = live_server.container
        lose_callbacks(live_server, org, Method.MOBILEPAY)
        request, started = checkout(live_server, org, Method.MOBILEPAY)
        assert (
            mobilepay_decide(str(started.redirect_url), "approve").headers["location"]
            == f"{live_server.url}/pay/return"
        )
        assert payment(container, org, started.payment.id).status is PaymentStatus.INITIATED
        for _ in range(2):  # the return page and the polling job: the second changes nothing
            refreshed = refresh_payment(
                container.uow,
                container.providers,
                organisation_id=org.organisation.id,
                payment_id=started.payment.id,
            )
            assert refreshed.status is PaymentStatus.SUCCEEDED
        assert request_status(container, org, request.id) == "paid"
        types = event_types(container, org)
        assert types.count("payment.succeeded") == types.count("payment_request.paid") == 1
        assert provider_event_count(container) == 0  # no callback ever arrived

    def test_rejected_leaves_the_request_open(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        container = live_server.container
        lose_callbacks(live_server, org, Method.MOBILEPAY)
        request, started = checkout(live_server, org, Method.MOBILEPAY)
        mobilepay_decide(str(started.redirect_url), "reject")
        refreshed = refresh_payment(
            container.uow,
            container.providers,
            organisation_id=org.organisation.id,
            payment_id=started.payment.id,
        )
        assert refreshed.status is PaymentStatus.CANCELLED
        assert request_status(container, org, request.id) == "open"
        assert "payment.succeeded" not in event_types(container, org)

    def test_refunds_through_the_service(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        container = live_server.container
        lose_callbacks(live_server, org, Method.MOBILEPAY)
        request, started = checkout(live_server, org, Method.MOBILEPAY, amount=20_000)
        mobilepay_decide(str(started.redirect_url), "approve")
        refresh_payment(
            container.uow,
            container.providers,
            organisation_id=org.organisation.id,
            payment_id=started.payment.id,
        )
        with container.uow() as uow:
            partial = refund_payment(uow, container.providers, owner(org), started.payment.id, 5_000)
        assert (partial.status, partial.refunded_minor) == (PaymentStatus.REFUNDED, 5_000)
        with container.uow() as uow:
            full = refund_payment(uow, container.providers, owner(org), started.payment.id, None)
        assert full.refunded_minor == 20_000
        aggregate = simulated(live_server, str(full.provider_reference))["aggregate"]
        assert aggregate["refundedAmount"]["value"] == 20_000  # type: ignore[index]
        assert event_types(container, org).count("payment.refunded") == 2
        with container.uow() as uow:
            stored = uow.payment_requests.get(org.organisation.id, request.id)
        assert stored is not None
        assert stored.refunded_minor == 20_000
