"""CardProvider against the card acquirer simulator over real HTTP, the checkout use case when no
callback arrives, and proof that no card number or CVC ever reaches betal's database."""

from __future__ import annotations

import re

import pytest

from betal.adapters.providers.card.provider import CardProvider
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import Capability, CreatePayment, CreateRefund, NotSupported, ProviderRejected
from betal.services.checkout import refresh_payment
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import refund_payment
from tests.adapters.providers.mobilepay.support import (
    CARD,
    card_submit,
    checkout,
    database_text,
    event_types,
    lose_callbacks,
    owner,
    payment,
    request_status,
    wait_until,
)
from tests.conftest import LiveServer


def provider_of(live_server: LiveServer) -> CardProvider:
    provider = live_server.container.providers.for_method(Method.CARD)
    assert isinstance(provider, CardProvider)
    return provider


def command(
    live_server: LiveServer, org: CreatedOrganisation, payment_id: str, method: Method = Method.CARD
) -> CreatePayment:
    with live_server.container.uow() as uow:
        agreement = uow.agreements.get(org.organisation.id, Method.CARD)
    assert agreement is not None
    return CreatePayment(
        payment_id, org.organisation.id, method, 12_500, "DKK", "Husleje december",
        f"{live_server.url}/pay/return", dict(agreement.config),
    )  # fmt: skip


def refund(reference: str, amount: int, n: int) -> CreateRefund:
    return CreateRefund("pay_01JD5Z8Q3W00000000000000C1", f"pay_C1-r{n}", reference, amount, "DKK")


class TestProvider:
    def test_declares_its_capabilities(self, live_server: LiveServer) -> None:
        provider = provider_of(live_server)
        assert provider.key == "card"
        assert provider.capabilities == {
            Capability.REDIRECT, Capability.POLL, Capability.WEBHOOK, Capability.REFUND, Capability.CANCEL
        }  # fmt: skip
        assert Capability.MANDATE not in provider.capabilities

    def test_approved_card(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        provider = provider_of(live_server)
        created = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000C1"))
        assert created.status is PaymentStatus.INITIATED
        assert created.redirect_url == f"{live_server.url}/sandbox/card/pay/{created.reference}"
        assert card_submit(str(created.redirect_url)).headers["location"] == f"{live_server.url}/pay/return"
        result = provider.get_payment(created.reference)
        assert result.status is PaymentStatus.SUCCEEDED
        assert result.payment_id == "pay_01JD5Z8Q3W00000000000000C1"
        assert result.raw["card"] == {"brand": "visa", "last4": "1111", "expiryMonth": 12, "expiryYear": 2039}

    @pytest.mark.parametrize(
        ("number", "reason"),
        [
            ("4000 0000 0000 0002", "the card was declined"),
            ("4000000000009995", "the card has insufficient funds"),
        ],
    )
    def test_declined_cards(
        self, live_server: LiveServer, org: CreatedOrganisation, number: str, reason: str
    ) -> None:
        provider = provider_of(live_server)
        created = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000C2"))
        card_submit(str(created.redirect_url), number=number)
        result = provider.get_payment(created.reference)
        assert (result.status, result.failure_reason) == (PaymentStatus.FAILED, reason)

    def test_cancelled_on_the_page(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        provider = provider_of(live_server)
        created = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000C3"))
        card_submit(str(created.redirect_url), action="cancel", number="")
        assert provider.get_payment(created.reference).status is PaymentStatus.CANCELLED

    def test_cancel(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        provider = provider_of(live_server)
        created = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000C4"))
        assert provider.cancel(created.reference).status is PaymentStatus.CANCELLED
        paid = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000C5"))
        card_submit(str(paid.redirect_url))
        with pytest.raises(ProviderRejected, match="cannot be cancelled"):
            provider.cancel(paid.reference)

    def test_refunds_partial_then_the_rest(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        provider = provider_of(live_server)
        created = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000C6"))
        card_submit(str(created.redirect_url))
        assert provider.refund(refund(created.reference, 2_500, 1)).succeeded
        assert provider.get_payment(created.reference).raw["status"] == "PARTIALLY_REFUNDED"
        assert provider.refund(refund(created.reference, 10_000, 2)).succeeded
        again = provider.refund(refund(created.reference, 10_000, 2))  # a retry of the same refund
        assert again.raw == provider.refund(refund(created.reference, 10_000, 2)).raw
        assert provider.get_payment(created.reference).raw["refundedAmount"] == 12_500
        with pytest.raises(ProviderRejected, match="At most 0 can be refunded"):
            provider.refund(refund(created.reference, 1, 3))

    def test_create_is_idempotent_and_registers_once(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        provider = provider_of(live_server)
        first = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000C7"))
        second = provider.create_payment(command(live_server, org, "pay_01JD5Z8Q3W00000000000000C7"))
        assert first.reference == second.reference
        CardProvider(live_server.container.settings).ensure_webhook()
        endpoints = live_server.container.sandbox_store().list("card", "endpoint")
        assert [e["url"] for e in endpoints] == [f"{live_server.url}/hooks/card"]
        assert len(live_server.container.sandbox_store().list("card", "payment")) == 1

    def test_unknown_payment(self, live_server: LiveServer) -> None:
        with pytest.raises(ProviderRejected) as caught:
            provider_of(live_server).get_payment("0" * 32)
        assert caught.value.provider_code == "404"

    def test_only_cards(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        with pytest.raises(NotSupported):
            provider_of(live_server).create_payment(
                command(live_server, org, "pay_01JD5Z8Q3W0000000000000C8", Method.MOBILEPAY)
            )


class TestCheckoutWithoutCallbacks:
    def test_refresh_settles_the_request(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        container = live_server.container
        lose_callbacks(live_server, org, Method.CARD)
        request, started = checkout(live_server, org, Method.CARD)
        card_submit(str(started.redirect_url))
        assert request_status(container, org, request.id) == "open"
        for _ in range(2):
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

    def test_declined_fails_the_attempt_only(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        container = live_server.container
        lose_callbacks(live_server, org, Method.CARD)
        request, started = checkout(live_server, org, Method.CARD)
        card_submit(str(started.redirect_url), number="4000 0000 0000 0002")
        failed = refresh_payment(
            container.uow,
            container.providers,
            organisation_id=org.organisation.id,
            payment_id=started.payment.id,
        )
        assert (failed.status, failed.failure_reason) == (PaymentStatus.FAILED, "the card was declined")
        assert request_status(container, org, request.id) == "open"
        assert event_types(container, org).count("payment.failed") == 1

    def test_refunds_through_the_service(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        container = live_server.container
        lose_callbacks(live_server, org, Method.CARD)
        _request, started = checkout(live_server, org, Method.CARD, amount=30_000)
        card_submit(str(started.redirect_url))
        refresh_payment(
            container.uow,
            container.providers,
            organisation_id=org.organisation.id,
            payment_id=started.payment.id,
        )
        with container.uow() as uow:
            assert (
                refund_payment(
                    uow, container.providers, owner(org), started.payment.id, 10_000
                ).refunded_minor
                == 10_000
            )
        with container.uow() as uow:
            assert (
                refund_payment(uow, container.providers, owner(org), started.payment.id, None).refunded_minor
                == 30_000
            )
        stored = payment(container, org, started.payment.id)
        at_acquirer = provider_of(live_server).get_payment(str(stored.provider_reference))
        assert (at_acquirer.raw["status"], at_acquirer.raw["refundedAmount"]) == ("REFUNDED", 30_000)
        assert event_types(container, org).count("payment.refunded") == 2


class TestCardDataStaysAtTheAcquirer:
    def test_no_card_number_or_cvc_anywhere_in_betal(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        container = live_server.container
        request, started = checkout(live_server, org, Method.CARD)
        refused = card_submit(str(started.redirect_url), expiry="13/40")  # a refused attempt first
        assert refused.status_code == 422
        for field in ("number", "cvc"):  # the refused page never echoes them back
            tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', refused.text)
            assert tag is not None
            assert "value=" not in tag.group(0)
        card_submit(str(started.redirect_url))
        wait_until(lambda: request_status(container, org, request.id) == "paid")  # through the callback
        tables = database_text(container)
        everything = "\n".join(tables.values())
        digits = CARD["number"].replace(" ", "")
        for shown in (digits, CARD["number"], "4111-1111-1111-1111", digits[:6] + digits[-4:]):
            assert shown not in everything
        cvc = re.compile(rf"(?<![0-9A-Za-z]){CARD['cvc']}(?![0-9A-Za-z])")
        assert not [table for table, rows in tables.items() if cvc.search(rows)]
        without_ids = re.sub(r"\b[a-z]+_[0-9A-HJKMNP-TV-Z]{26}\b", "", everything)  # "...WCVCHD..." is an id
        assert not re.search(r"cvc|cvv|card_?number", without_ids, re.IGNORECASE)
        # the scan does see what the acquirer and betal keep about the card: brand and last four digits
        assert (
            "'last4': '1111'" in tables["sandbox_objects"] or '"last4": "1111"' in tables["sandbox_objects"]
        )
        assert "1111" in tables["payments"]
