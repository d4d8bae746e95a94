"""Provider callbacks settle once per provider event id; refreshing needs a provider reference."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from betal.bootstrap import Container
from betal.domain.errors import NotFound
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.services.checkout import refresh_payment, settle_callback
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import begin_payment
from tests.conftest import LiveServer
from tests.services.receivables_support import make_request


@dataclass(frozen=True)
class Callback:
    event_id: str
    provider_reference: str


class TestSettleCallback:
    def test_a_payment_betal_did_not_make_is_not_found_and_the_provider_is_not_asked(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        # No server answers at this container's base URL: asking the provider would fail differently.
        with pytest.raises(NotFound) as info:
            settle_callback(container.uow, container.providers, "card", Callback("evt-9", "someone-elses"))
        assert info.value.code == "payment.unknown_reference"

    def test_providers_without_callbacks_are_refused(self, container: Container) -> None:
        from betal.domain.provider import NotSupported

        with pytest.raises(NotSupported):
            container.providers.callbacks("openbanking")


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


class TestAbandonedAttempts:
    def test_an_attempt_left_at_the_bank_for_a_day_is_cancelled(self, live_server: LiveServer) -> None:
        from datetime import timedelta

        from betal.adapters.clock import FrozenClock
        from betal.domain.payment_request import RequestStatus
        from betal.services.checkout import start_checkout
        from betal.services.organisation import create_organisation

        container = live_server.container
        with container.uow() as uow:
            org = create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")
        request = make_request(container, org, methods=("account_to_account",))
        checkout = start_checkout(
            container.uow, container.providers, request_id=request.id, method=Method.ACCOUNT_TO_ACCOUNT,
            return_url=f"{live_server.url}/done",
        )  # fmt: skip
        assert checkout.payment.status is PaymentStatus.INITIATED
        refresh = {"organisation_id": org.organisation.id, "payment_id": checkout.payment.id}
        soon = refresh_payment(container.uow, container.providers, **refresh)
        assert soon.status is PaymentStatus.INITIATED  # the payer may still be at the bank
        container.clock = FrozenClock(container.clock.now() + timedelta(hours=25))
        late = refresh_payment(container.uow, container.providers, **refresh)
        assert late.status is PaymentStatus.CANCELLED
        assert late.failure_reason is not None
        assert late.failure_reason.startswith("abandoned")
        with container.uow() as uow:
            assert uow.payment_requests.get_any(request.id).status is RequestStatus.OPEN  # type: ignore[union-attr]
