"""Provider callbacks settle once per provider event id; refreshing needs a provider reference."""

from __future__ import annotations

import pytest

from betal.bootstrap import Container
from betal.domain.errors import NotFound
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import ProviderPayment
from betal.services.checkout import refresh_payment, settle_callback
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import begin_payment, record_provider_payment
from tests.services.receivables_support import make_request


class TestSettleCallback:
    def test_each_event_once(self, container: Container, org: CreatedOrganisation) -> None:
        request = make_request(container, org)
        with container.uow() as uow:
            payment = begin_payment(uow, request, Method.CARD, provider="card")
        pending = ProviderPayment(payment.id, "psp-1", PaymentStatus.PENDING, 10_000, "DKK")
        with container.uow() as uow:
            record_provider_payment(uow, payment.id, org.organisation.id, pending)
        done = ProviderPayment(payment.id, "psp-1", PaymentStatus.SUCCEEDED, 10_000, "DKK")
        first = settle_callback(container.uow, "card", "evt-1", done)
        again = settle_callback(container.uow, "card", "evt-1", done)
        assert first is not None
        assert first.status is PaymentStatus.SUCCEEDED
        assert again is None  # the replayed event changed nothing
        with container.uow() as uow:
            types = [e.type for e in uow.events.list_after(org.organisation.id, 0, 50)]
        assert types.count("payment.succeeded") == 1

    def test_unknown_reference(self, container: Container, org: CreatedOrganisation) -> None:
        ghost = ProviderPayment("pay_x", "nope", PaymentStatus.SUCCEEDED, 1, "DKK")
        with pytest.raises(NotFound):
            settle_callback(container.uow, "card", "evt-9", ghost)


class TestRefreshPayment:
    def test_final_or_unreferenced_payments_are_returned_as_they_are(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        request = make_request(container, org)
        with container.uow() as uow:
            payment = begin_payment(uow, request, Method.CARD, provider="card")
        same = refresh_payment(
            container.uow, container.providers, organisation_id=org.organisation.id, payment_id=payment.id
        )
        assert same == payment  # no provider reference yet: nothing to ask
        with pytest.raises(NotFound):
            refresh_payment(
                container.uow, container.providers, organisation_id=org.organisation.id, payment_id="pay_x"
            )
