"""Built-in kinds: ``system.probe`` and the hourly ``system.cleanup``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from betal.adapters.clock import FrozenClock
from betal.adapters.db.orm import IdempotencyKeyRow, WebSessionRow
from betal.bootstrap import Container
from betal.domain.job import JobStatus, NewJob
from betal.domain.tenancy import User, WebSession
from betal.jobs.worker import Worker

from .support import LEASE, T0, effects, enqueue, job_of_kind


class TestProbe:
    def test_records_one_audit_entry(self, frozen: Container) -> None:
        enqueue(frozen, NewJob("system.probe", {"sleep": 0.01}, organisation_id=None))
        Worker(frozen, lease=LEASE).run_once()
        job = job_of_kind(frozen, "system.probe")
        assert (job.status, effects(frozen)) == (JobStatus.SUCCEEDED, {job.id: 1})

    @pytest.mark.parametrize("payload", [{"sleep": -1}, {"sleep": "1"}, {"fail_times": True}])
    def test_bad_payload_fails_at_once(self, frozen: Container, payload: dict[str, object]) -> None:
        enqueue(frozen, NewJob("system.probe", payload))
        Worker(frozen, lease=LEASE).run_once()
        job = job_of_kind(frozen, "system.probe")
        assert (job.status, job.attempts) == (JobStatus.FAILED, 1)
        assert job.last_error is not None
        assert job.last_error.startswith("PermanentError: system.probe:")

    def test_sleeps_only_on_the_first_attempts(self, frozen: Container, clock: FrozenClock) -> None:
        enqueue(frozen, NewJob("system.probe", {"sleep": 60, "sleep_attempts": 0}))
        Worker(frozen, lease=LEASE).run_once()  # would take a minute if it slept
        assert job_of_kind(frozen, "system.probe").status is JobStatus.SUCCEEDED


class TestCleanup:
    def test_deletes_expired_sessions_and_old_idempotency_keys(
        self, frozen: Container, clock: FrozenClock
    ) -> None:
        with frozen.uow() as uow:
            uow.users.add(User("usr_1", "a@example.dk", "A", "x", "da", T0))
            uow.web_sessions.add(WebSession("old", "usr_1", None, "c", T0, T0 + timedelta(minutes=30)))
            uow.web_sessions.add(WebSession("live", "usr_1", None, "c", T0, T0 + timedelta(days=30)))
            uow.idempotency.reserve("org_1", "old", "h", T0)
            uow.commit()
        clock.advance(timedelta(hours=12))
        with frozen.uow() as uow:
            uow.idempotency.reserve("org_1", "new", "h", clock.now())
            uow.commit()
        clock.advance(timedelta(hours=13))
        enqueue(frozen, NewJob("system.cleanup"))
        Worker(frozen, lease=LEASE).run_once()
        job = job_of_kind(frozen, "system.cleanup")
        assert (job.status, job.result) == (JobStatus.SUCCEEDED, {"web_sessions": 1, "idempotency_keys": 1})
        with frozen.engine.connect() as conn:
            assert conn.execute(select(WebSessionRow.id)).scalars().all() == ["live"]
            assert conn.execute(select(IdempotencyKeyRow.key)).scalars().all() == ["new"]
