"""Shared set-up for payables execution tests: the approval world served over real HTTP, so the bank
adapter talks to the sandbox bank under ``/sandbox/bank`` of the same app, with a clock that stands still.

Monday 23 November 2026: 09:00 UTC is before the 14:00 cut-off (Copenhagen), ``AFTER_CUTOFF`` after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import select

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.db.orm import EventRow
from betal.adapters.security import Argon2PasswordHasher
from betal.config import Settings
from betal.domain.approval import Decision, Via
from betal.domain.bank_file import BankFile
from betal.domain.payables import PaymentMeans, PaymentOrder, Supplier
from betal.domain.payment_account import PaymentAccount
from betal.jobs.worker import Worker
from betal.services import bank_file as bank_files
from betal.services.approval import DecisionInput, decide, request_approval
from betal.services.payment_account import PaymentAccountInput, create_payment_account
from betal.services.payment_execution import execute_all_due
from betal.services.payment_order import NewPaymentOrder, create_payment_order
from tests.conftest import free_port, serving
from tests.services.approval_support import NOW, World, invoice, make_world

AFTER_CUTOFF = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)  # 14:30 in Copenhagen
DEBTOR = "DK4400400440116254"  # Hansen & Co's own account


@contextmanager
def served_world(settings: Settings, at: datetime = NOW) -> Iterator[World]:
    """The approval world, its app served on a free port (providers in sandbox mode call it)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    clock = FrozenClock(at)
    container = bootstrap.build(
        settings.model_copy(update={"base_url": url}), clock=clock, hasher=Argon2PasswordHasher(fast=True)
    )
    with serving(container, port):
        yield make_world(container, clock)


def account(world: World, iban: str = DEBTOR, **values: object) -> PaymentAccount:
    data = PaymentAccountInput(**({"name": "Driftskonto", "iban": iban} | values))  # type: ignore[arg-type]
    with world.container.uow() as uow:
        return create_payment_account(uow, world.principal(), data)


def approved(
    world: World, of: Supplier, gross: int = 125_000, *, currency: str = "DKK",
    due: date = date(2026, 11, 23), means: PaymentMeans | None = None,
) -> PaymentOrder:  # fmt: skip
    """A booked invoice's order, made by the bookkeeper and approved by Anna."""
    inv = invoice(world, of, gross, currency=currency, due=due, means=means)
    with world.container.uow() as uow:
        made = create_payment_order(uow, world.principal(world.bookkeeper), NewPaymentOrder(inv.id))
    with world.container.uow() as uow:
        approval = request_approval(uow, world.principal(world.bookkeeper), world.messaging, [made.id])
    with world.container.uow() as uow:
        approve = DecisionInput(Decision.APPROVE)
        decide(uow, world.principal(world.anna), world.messaging, approval.id, approve, Via.PORTAL)
    return order_of(world, made.id)


def order_of(world: World, order_id: str) -> PaymentOrder:
    with world.container.uow() as uow:
        found = uow.payment_orders.get(world.org_id, order_id)
    assert found is not None
    return found


def made_file(world: World) -> str:
    """Execute what is due now, which makes one bank file; its id."""
    with world.container.uow() as uow:
        [bank_file] = execute_all_due(uow).files
    return bank_file.id


def submit(world: World, file_id: str) -> BankFile:
    """Send the file to the sandbox bank."""
    return bank_files.submit_bank_file(
        world.container.uow, world.container.bank_files(), world.org_id, file_id
    )


def run_jobs(world: World) -> None:
    """Run every job that is due, through the real worker, until none is left."""
    while Worker(world.container, name="test").run_once():
        pass


def event_types(world: World, subject_id: str) -> list[str]:
    with world.container.engine.connect() as conn:
        return list(conn.execute(
            select(EventRow.type).where(EventRow.subject_id == subject_id).order_by(EventRow.sequence)
        ).scalars())  # fmt: skip
