"""Shared set-up for reminder tests: a frozen-clock container, customers, requests, policies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.config import Settings
from betal.domain.customer import Customer
from betal.domain.dunning import Charge, ReminderRecord
from betal.domain.ids import new_id
from betal.domain.notification import Channel, OutboxMessage
from betal.domain.payment_request import PaymentRequest
from betal.domain.reminder import ReminderPolicy, ReminderRule, validate_rules
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import NewPaymentRequest, create_payment_request
from tests.services.receivables_support import owner


@contextmanager
def clocked(settings: Settings, at: datetime) -> Iterator[tuple[bootstrap.Container, FrozenClock]]:
    clock = FrozenClock(at)
    container = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    try:
        yield container, clock
    finally:
        container.close()


def customer(
    container: bootstrap.Container,
    org: CreatedOrganisation,
    *,
    email: str | None = "jens@example.dk",
    phone: str | None = None,
    cvr: str | None = None,
    channels: list[str] | None = None,
    name: str = "Jens Hansen",
) -> Customer:
    data = NewCustomer(name, email=email, phone=phone, cvr=cvr)
    with container.uow() as uow:
        made = create_customer(uow, container.cipher, owner(org), data)
    if channels is not None:
        from betal.adapters.db.orm_receivables import CustomerRow

        with container.uow() as uow:
            row = uow.session.get(CustomerRow, made.id)  # type: ignore[attr-defined]
            row.notification_channels = channels
            uow.commit()
        with container.uow() as uow:
            refreshed = uow.customers.get(made.organisation_id, made.id)
        assert refreshed is not None
        return refreshed
    return made


def request(
    container: bootstrap.Container,
    org: CreatedOrganisation,
    payer: Customer,
    due: date,
    *,
    amount: int = 100_000,
    policy_id: str | None = None,
) -> PaymentRequest:
    data = NewPaymentRequest(payer.id, amount, "DKK", due, "Husleje", ("card",), reminder_policy_id=policy_id)
    with container.uow() as uow:
        return create_payment_request(uow, owner(org), data)


def policy(
    container: bootstrap.Container,
    org: CreatedOrganisation,
    rules: list[ReminderRule],
    *,
    default: bool = False,
    interest: bool = True,
    compensation: bool = True,
    hour: int = 9,
) -> ReminderPolicy:
    now = container.clock.now()
    made = ReminderPolicy(
        new_id("rpol"), org.organisation.id, "Test", default, validate_rules(rules, hour), hour, interest,
        compensation, now, now,
    )  # fmt: skip
    with container.uow() as uow:
        if default:
            uow.reminder_policies.clear_default(org.organisation.id)
        uow.reminder_policies.add(made)
        uow.commit()
    return made


def state(
    container: bootstrap.Container, org: CreatedOrganisation, request_id: str
) -> tuple[PaymentRequest, list[ReminderRecord], list[Charge], list[OutboxMessage]]:
    org_id = org.organisation.id
    with container.uow() as uow:
        found = uow.payment_requests.get(org_id, request_id)
        assert found is not None
        return (
            found,
            uow.reminders.list_for_request(org_id, request_id),
            uow.charges.list_for_request(org_id, request_id),
            uow.outbox.list_for_related(org_id, request_id),
        )


def reminder_messages(messages: list[OutboxMessage]) -> list[tuple[str, Channel]]:
    """(rule key, channel) of every reminder message, from its dedupe key."""
    out = []
    for m in messages:
        if m.reminder_id is not None and m.dedupe_key is not None:
            out.append((m.dedupe_key.split(":")[1], m.channel))
    return out


EMAIL_ONLY = (Channel.EMAIL,)
R = ReminderRule
