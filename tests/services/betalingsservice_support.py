"""Shared set-up for Betalingsservice service, job and page tests: customers, requests, enrollment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from betal.bootstrap import Container
from betal.domain.calendar import business_date
from betal.domain.mandate import Mandate
from betal.domain.payment_request import PaymentRequest
from betal.ports import UnitOfWork
from betal.services import enrollment
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import NewPaymentRequest, create_payment_request
from tests.adapters.providers.betalingsservice.support import sign_up
from tests.services.receivables_support import owner


def units(container: Container) -> Callable[[], UnitOfWork]:
    return lambda: container.uow()


def make_customer(container: Container, org: CreatedOrganisation, email: str = "jens@example.dk") -> str:
    with container.uow() as uow:
        return create_customer(uow, container.cipher, owner(org), NewCustomer("Jens Hansen", email=email)).id


def make_request(
    container: Container,
    org: CreatedOrganisation,
    customer_id: str,
    *,
    methods: tuple[str, ...] = ("betalingsservice",),
    amount: int = 34_900,
    due: date | None = None,
) -> PaymentRequest:
    due = due or business_date(container.clock.now()) + timedelta(days=20)
    data = NewPaymentRequest(customer_id, amount, "DKK", due, "Vinduespolering, abonnement", methods)
    with container.uow() as uow:
        return create_payment_request(uow, owner(org), data)


def enroll(
    container: Container, base_url: str, request: PaymentRequest, *, behaviour: str = "pay"
) -> Mandate:
    """Sign the request's payer up through the simulator and apply what Betalingsservice reports."""
    started = enrollment.start_enrollment(
        units(container), container.providers, request_id=request.id,
        return_url=f"{base_url}/pay/token/betalingsservice/return?mandate={{mandate_id}}",
    )  # fmt: skip
    assert started.redirect_url is not None
    sign_up(started.redirect_url, behaviour=behaviour)
    return enrollment.refresh_mandate(
        units(container),
        container.providers,
        organisation_id=request.organisation_id,
        mandate_id=started.mandate.id,
    )
