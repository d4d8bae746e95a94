"""Shared set-up for receivables service tests: a principal, a customer and an open request."""

from __future__ import annotations

from datetime import timedelta

from betal.bootstrap import Container
from betal.domain.calendar import business_date
from betal.domain.payment_request import PaymentRequest
from betal.domain.tenancy import Principal, Role
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import NewPaymentRequest, create_payment_request


def owner(org: CreatedOrganisation) -> Principal:
    return Principal(org.organisation.id, Role.OWNER, "api_key", "key_test")


def make_request(
    container: Container,
    org: CreatedOrganisation,
    *,
    amount: int = 10_000,
    methods: tuple[str, ...] = ("card", "fi_card"),
    email: str = "jens@example.dk",
) -> PaymentRequest:
    with container.uow() as uow:
        customer = create_customer(uow, container.cipher, owner(org), NewCustomer("Jens Hansen", email=email))
    due = business_date(container.clock.now()) + timedelta(days=14)
    with container.uow() as uow:
        return create_payment_request(
            uow, owner(org), NewPaymentRequest(customer.id, amount, "DKK", due, "Husleje december", methods)
        )
