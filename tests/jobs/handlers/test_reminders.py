"""The reminder jobs through the real worker: ``reminders.run`` and ``notifications.request_created``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from betal.config import Settings
from betal.domain.job import JobStatus, NewJob
from betal.domain.notification import Template
from betal.jobs.handlers.reminders import CREATED_KIND, RUN_KIND
from betal.jobs.registry import schedules
from betal.jobs.worker import Worker
from betal.services.organisation import create_organisation
from tests.jobs.support import enqueue, job_of_kind
from tests.services.reminder_support import clocked, customer, request, state

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_reminders_run_every_five_minutes() -> None:
    [entry] = [s for s in schedules() if s.kind == RUN_KIND]
    assert entry.every.total_seconds() == 300


def test_a_new_request_is_announced_and_its_reminder_sent_by_the_worker(settings: Settings) -> None:
    with clocked(settings, T0) as (container, clock):
        with container.uow() as uow:
            org = create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")
        req = request(container, org, customer(container, org), date(2026, 11, 20))
        Worker(container, name="test").run_once()
        assert job_of_kind(container, CREATED_KIND).status is JobStatus.SUCCEEDED
        clock.set(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
        while Worker(container, name="test").run_once():
            pass
        templates = [m.template for m in state(container, org, req.id)[3]]
        assert templates == [Template.REQUEST_CREATED, Template.REMINDER_BEFORE_DUE]


def test_a_bad_payload_fails_for_good(settings: Settings) -> None:
    with clocked(settings, T0) as (container, _):
        enqueue(container, NewJob(CREATED_KIND, {"organisation_id": 1}))
        Worker(container, name="test").run_once()
        job = job_of_kind(container, CREATED_KIND)
        assert job.status is JobStatus.FAILED
        assert "payment_request_id" in (job.last_error or "")
