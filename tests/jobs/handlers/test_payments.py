"""Payables execution through the real job engine and the sandbox bank over HTTP: approve, execute at the
cut-off, submit once, read the pain.002, import the camt.053, and the order is executed and booked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from betal.adapters.db.orm import JobRow
from betal.config import Settings
from betal.domain.bank_file import BankFileStatus
from betal.domain.fees import UsageKind
from betal.domain.job import JobStatus, NewJob
from betal.domain.ledger import AccountRole
from betal.domain.notification import Template
from betal.domain.payables import InvoiceStatus, OrderStatus
from betal.jobs.handlers.payments import EXECUTE_KIND, STATEMENTS_KIND
from betal.jobs.registry import schedules
from tests.jobs.support import enqueue
from tests.services.approval_support import TODAY, World, outbox, supplier
from tests.services.execution_support import (
    AFTER_CUTOFF,
    DEBTOR,
    account,
    approved,
    event_types,
    order_of,
    run_jobs,
    served_world,
)


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with served_world(settings) as built:
        yield built


def sandbox_files(world: World) -> list[dict[str, object]]:
    return world.container.sandbox_store().list("bank", "payment_file")


def roles_of(world: World, order_id: str) -> dict[tuple[str, str], int]:
    """The order's journal entry as {(role, currency): signed amount}."""
    with world.container.uow() as uow:
        [entry] = uow.ledger.for_source(world.org_id, "payment_order", order_id)
        chart = {a.id: a.role for a in uow.ledger.chart(world.org_id, uow.clock.now())}
    return {(str(chart[p.account_id]), p.currency): p.amount_minor for p in entry.postings}


def test_the_jobs_are_scheduled() -> None:
    every = {s.kind: s.every.total_seconds() for s in schedules()}
    assert every[EXECUTE_KIND] == 900
    assert every[STATEMENTS_KIND] == 3600


class TestEndToEnd:
    def test_approved_to_executed_and_booked(self, world: World) -> None:
        account(world)
        order = approved(world, supplier(world))
        assert order.creditor is not None
        assert order.creditor["means"]["account_no"] == "0440116243"
        run_jobs(world)  # before the cut-off: nothing goes
        assert order_of(world, order.id).status is OrderStatus.APPROVED
        world.clock.set(AFTER_CUTOFF)
        run_jobs(world)  # payments.execute, bank_files.submit, bank_files.poll
        sent = order_of(world, order.id)
        assert sent.status is OrderStatus.SUBMITTED
        assert sent.end_to_end_id == order.id.replace("_", "-")
        with world.container.uow() as uow:
            bank_file = uow.bank_files.get(world.org_id, sent.bank_file_id or "")
        assert bank_file is not None
        assert (bank_file.status, bank_file.debtor_account, bank_file.control_sum) == (
            BankFileStatus.ACCEPTED, DEBTOR, "1250.00",
        )  # fmt: skip
        assert len(sandbox_files(world)) == 1
        world.clock.advance(timedelta(days=1))  # Monday's statement is there on Tuesday
        enqueue(world.container, NewJob(STATEMENTS_KIND, {}))
        run_jobs(world)
        done = order_of(world, order.id)
        assert done.status is OrderStatus.EXECUTED
        with world.container.uow() as uow:
            inv = uow.supplier_invoices.get(world.org_id, order.supplier_invoice_id)
            usage = uow.usage_records.list_between(world.org_id, UsageKind.EXECUTED_PAYMENT, TODAY, TODAY)
        assert inv is not None
        assert inv.status is InvoiceStatus.PAID
        assert [u.subject_id for u in usage] == [order.id]
        assert roles_of(world, order.id) == {
            (AccountRole.PAYABLES.value, "DKK"): 125_000, (AccountRole.BANK.value, "DKK"): -125_000,
        }  # fmt: skip
        assert event_types(world, order.id)[-3:] == [
            "payment_order.approved", "payment_order.submitted", "payment_order.executed",
        ]  # fmt: skip

    def test_a_payment_the_bank_refuses_is_mailed_to_the_bookkeeper_once(self, world: World) -> None:
        account(world)
        bad = approved(world, supplier(world, "Lukket ApS", dk_reg_no="1234", dk_account_no="5670000"))
        world.clock.set(AFTER_CUTOFF)
        enqueue(world.container, NewJob(EXECUTE_KIND, {"organisation_id": world.org_id}))
        run_jobs(world)  # execute, submit, poll: the bank answers AC01 for this payment
        assert order_of(world, bad.id).status is OrderStatus.FAILED
        [mail] = outbox(world.container, world.org_id, Template.PAYMENT_FAILED)
        assert mail.recipient == world.bookkeeper.email
        assert "AC01: creditor account not found" in mail.body_text
        assert f"/app/payables/orders/{bad.id}" in mail.body_text
        run_jobs(world)
        assert len(outbox(world.container, world.org_id, Template.PAYMENT_FAILED)) == 1

    def test_a_worker_crash_after_the_post_never_submits_twice(self, world: World) -> None:
        account(world)
        order = approved(world, supplier(world))
        world.clock.set(AFTER_CUTOFF)
        real = world.container.bank_files()

        class CrashAfterPost:
            """The real adapter, but the worker dies after the bank answered the first submission."""

            calls = 0

            def submit(self, content: bytes, idempotency_key: str) -> str:
                CrashAfterPost.calls += 1
                answer = real.submit(content, idempotency_key)
                if CrashAfterPost.calls == 1:
                    raise ConnectionResetError("worker died before its commit")
                return answer

            def __getattr__(self, name: str) -> object:
                return getattr(real, name)

        world.container.extras["bank_files"] = CrashAfterPost()
        enqueue(world.container, NewJob(EXECUTE_KIND, {"organisation_id": world.org_id}))
        run_jobs(world)
        with world.container.engine.begin() as conn:  # the retry is due at once
            conn.execute(text("UPDATE jobs SET run_at = created_at WHERE status = 'queued'"))
        run_jobs(world)
        assert CrashAfterPost.calls == 2
        assert len(sandbox_files(world)) == 1
        assert order_of(world, order.id).status is OrderStatus.SUBMITTED
        with world.container.engine.connect() as conn:
            submits = conn.execute(
                select(JobRow.status, JobRow.attempts).where(JobRow.kind == "bank_files.submit")
            )
            assert [tuple(r) for r in submits] == [(JobStatus.SUCCEEDED.value, 2)]
