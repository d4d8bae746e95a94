"""Shared set-up for payment-order and approval tests: an organisation with a bookkeeper and approvers,
suppliers with each kind of bank details, booked invoices, ECB rates, the messages sent, and API keys with
the API client (``client`` and ``auth``: a module that imports them uses them instead of the root ones).

The clock stands still at Monday 23 November 2026, 09:00 UTC (a Danish banking day).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.api.app import create_app
from betal.config import Settings
from betal.domain.fx import Rate
from betal.domain.ids import new_id
from betal.domain.notification import OutboxMessage, Template
from betal.domain.payables import (
    InvoiceSource,
    InvoiceStatus,
    PaymentMeans,
    PaymentMeansKind,
    Supplier,
    SupplierInvoice,
)
from betal.domain.tenancy import Principal, Role, User
from betal.services.api_key import add_api_key
from betal.services.approval_notice import Messaging
from betal.services.approval_policy import PolicyInput, put_policy
from betal.services.notify import Links
from betal.services.organisation import CreatedOrganisation, add_member, create_organisation
from betal.services.supplier import SupplierInput, create_supplier
from betal.services.user import register_user

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
TODAY = date(2026, 11, 23)
BASE_URL = "https://betal.example"
FIK_71 = PaymentMeans(
    PaymentMeansKind.FI_CARD,
    fi_card_type="71",
    fi_creditor_number="85799665",
    fi_payment_id="000000067097535",
)


@dataclass(frozen=True)
class World:
    """One organisation: its owner (via the API key's org), a bookkeeper and three approvers."""

    container: bootstrap.Container
    clock: FrozenClock
    org: CreatedOrganisation
    bookkeeper: User
    anna: User  # approver
    bent: User  # approver
    carl: User  # approver, not on the policy unless a test puts him there

    @property
    def org_id(self) -> str:
        return self.org.organisation.id

    def principal(self, user: User | None = None, role: Role | None = None) -> Principal:
        """A user acting in the organisation (the bookkeeper by default), or the owner's API key."""
        if user is None:
            return Principal(self.org_id, role or Role.OWNER, "api_key", "key_test")
        default = Role.BOOKKEEPER if user is self.bookkeeper else Role.APPROVER
        return Principal(self.org_id, role or default, "user", user.id)

    @property
    def messaging(self) -> Messaging:
        return messaging(self.container)


def messaging(container: bootstrap.Container) -> Messaging:
    return Messaging(container.renderer(), Links(container.signer, container.settings.base_url))


def _user(container: bootstrap.Container, org_id: str, email: str, name: str, role: Role) -> User:
    with container.uow() as uow:
        user = register_user(uow, container.hasher, email=email, name=name, password="correct horse battery")
        add_member(uow, organisation_id=org_id, user_id=user.id, role=role)
        return user


def make_world(
    container: bootstrap.Container, clock: FrozenClock, *, policy: PolicyInput | None = None
) -> World:
    with container.uow() as uow:
        org = create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")
    org_id = org.organisation.id
    world = World(
        container, clock, org,
        _user(container, org_id, "bogholder@hansen.example", "Jonas Bogholder", Role.BOOKKEEPER),
        _user(container, org_id, "anna@hansen.example", "Anna Andersen", Role.APPROVER),
        _user(container, org_id, "bent@hansen.example", "Bent Berg", Role.APPROVER),
        _user(container, org_id, "carl@hansen.example", "Carl Clausen", Role.APPROVER),
    )  # fmt: skip
    chosen = policy or PolicyInput(1, (world.anna.id, world.bent.id))
    with container.uow() as uow:
        put_policy(uow, world.principal(), chosen)
    return world


@contextmanager
def clocked(settings: Settings, at: datetime = NOW) -> Iterator[tuple[bootstrap.Container, FrozenClock]]:
    clock = FrozenClock(at)
    container = bootstrap.build(
        settings.model_copy(update={"base_url": BASE_URL}),
        clock=clock,
        hasher=Argon2PasswordHasher(fast=True),
    )
    try:
        yield container, clock
    finally:
        container.close()


def supplier(world: World, name: str = "Kontorartikler A/S", **bank: str) -> Supplier:
    data = SupplierInput(name, **(bank or {"dk_reg_no": "0040", "dk_account_no": "0440116243"}))
    with world.container.uow() as uow:
        return create_supplier(uow, world.principal(world.bookkeeper), data)


def invoice(
    world: World,
    of: Supplier,
    gross_minor: int = 125_000,
    *,
    currency: str = "DKK",
    due: date = date(2026, 11, 30),
    means: PaymentMeans | None = None,
    number: str | None = None,
    status: InvoiceStatus = InvoiceStatus.BOOKED,
) -> SupplierInvoice:
    """A booked invoice written straight to its table (booking itself is tested with its own service)."""
    now = world.clock.now()
    vat = gross_minor // 5
    booked = SupplierInvoice(
        id=new_id("sinv"), organisation_id=world.org_id, supplier_id=of.id,
        invoice_number=number or new_id("sinv")[-8:], issue_date=TODAY, due_date=due, currency=currency,
        net_minor=gross_minor - vat, vat_minor=vat, gross_minor=gross_minor, means=means,
        source=InvoiceSource.TYPED, status=status, description="Kontorartikler",
        lines=({"description": "Papir", "quantity": "1", "net": gross_minor - vat},),
        base_gross_minor=gross_minor, fx_rate=None, created_by=world.bookkeeper.id, created_at=now,
        updated_at=now,
    )  # fmt: skip
    with world.container.uow() as uow:
        uow.supplier_invoices.add(booked)
        uow.commit()
    return booked


def ecb_rates(container: bootstrap.Container, day: date, **rates: str) -> None:
    """ECB reference rates of one day: 1 EUR in each currency (DKK must be among them for a conversion)."""
    with container.uow() as uow:
        uow.fx_rates.add("ECB", [Rate(code, day, Decimal(value)) for code, value in rates.items()], NOW)
        uow.commit()


def outbox(
    container: bootstrap.Container, org_id: str, template: Template | None = None
) -> list[OutboxMessage]:
    """The organisation's messages, oldest first (optionally of one template)."""
    with container.uow() as uow:
        found = uow.outbox.list_recent(500, organisation_id=org_id)
    return sorted((m for m in found if template is None or m.template is template), key=lambda m: m.id)


def key(world: World, role: Role) -> dict[str, str]:
    """The Authorization header of a new test API key with ``role`` in the world's organisation."""
    with world.container.uow() as uow:
        _, plaintext = add_api_key(uow, world.org_id, name=role.value, role=role, live=False)
        uow.commit()
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    """The world's API."""
    with TestClient(create_app(world.container), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def auth(world: World) -> dict[str, str]:
    """The owner's API key of the world's organisation."""
    return {"Authorization": f"Bearer {world.org.api_key}"}
