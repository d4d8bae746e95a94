"""``approvals.remind`` through the real worker: scheduled every 15 minutes, it reminds the approvers who
have not decided before the execution date, and the e-mail is delivered to the dev mailbox."""

from __future__ import annotations

from datetime import UTC, date, datetime

from betal.config import Settings
from betal.domain.job import JobStatus, NewJob
from betal.domain.notification import DeliveryStatus, Template
from betal.jobs.handlers.approvals import REMIND_KIND
from betal.jobs.registry import schedules
from betal.jobs.worker import Worker
from betal.services.approval import request_approval
from betal.services.payment_order import NewPaymentOrder, create_payment_order
from tests.jobs.support import enqueue, job_of_kind
from tests.services.approval_support import clocked, invoice, make_world, outbox, supplier


def test_approval_reminders_run_every_fifteen_minutes() -> None:
    [entry] = [s for s in schedules() if s.kind == REMIND_KIND]
    assert entry.every.total_seconds() == 900


def test_the_worker_reminds_the_approvers_the_day_before(settings: Settings) -> None:
    with clocked(settings) as (container, clock):
        world = make_world(container, clock)
        inv = invoice(world, supplier(world), due=date(2026, 11, 27))
        with container.uow() as uow:
            order = create_payment_order(uow, world.principal(world.bookkeeper), NewPaymentOrder(inv.id))
        with container.uow() as uow:
            request_approval(uow, world.principal(world.bookkeeper), world.messaging, [order.id])
        clock.set(datetime(2026, 11, 26, 7, 0, tzinfo=UTC))
        enqueue(container, NewJob(REMIND_KIND, {}))
        while Worker(container, name="test").run_once():
            pass
        job = job_of_kind(container, REMIND_KIND)
        assert (job.status, job.result) == (JobStatus.SUCCEEDED, {"queued": 2})
        mails = outbox(container, world.org_id, Template.APPROVAL_REMINDER)
        assert sorted(m.recipient for m in mails) == ["anna@hansen.example", "bent@hansen.example"]
        assert {m.status for m in mails} == {DeliveryStatus.SENT}  # to the dev mailbox
