"""Running one job: success, retries with backoff, permanent failures, fencing, progress, logs."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from betal.adapters.clock import FrozenClock
from betal.adapters.db.orm import AuditRow
from betal.bootstrap import Container
from betal.domain.errors import InvalidInput
from betal.domain.job import Job, JobStatus, NewJob
from betal.jobs.registry import JobContext, PermanentError, handler
from betal.jobs.runner import JobRunner

from .support import LEASE, T0, effects, enqueue, job_of_kind


@handler("test.permanent")
def _permanent(ctx: JobContext) -> None:
    ctx.uow.audit(None, "test.permanent", "job", ctx.job.id)
    raise PermanentError("this can never work")


@handler("test.invalid")
def _invalid(ctx: JobContext) -> None:
    raise InvalidInput("no such supplier", field="supplier_id")


@handler("test.steal")
def _steal(ctx: JobContext) -> None:
    """Does its work, but meanwhile our lease expires and another worker takes the job over."""
    ctx.uow.audit(None, "test.steal", "job", ctx.job.id)
    assert isinstance(ctx.container.clock, FrozenClock)
    ctx.container.clock.advance(LEASE + timedelta(seconds=1))
    assert [j.id for j in ctx.container.job_queue().claim("thief", 1, LEASE)] == [ctx.job.id]


@handler("test.progress")
def _progress(ctx: JobContext) -> dict[str, Any]:
    ctx.progress(5, 10)
    seen = ctx.container.job_queue().get(ctx.job.id)  # another session, while the job runs
    assert seen is not None
    return {"seen": [seen.progress_done, seen.progress_total]}


def run_next(container: Container, worker_id: str = "w1") -> tuple[Job, str]:
    [job] = container.job_queue().claim(worker_id, 1, LEASE)
    return job, JobRunner(container, container.job_queue(), worker_id).run(job)


class TestJobRunner:
    def test_success_commits_effect_result_and_status_together(self, frozen: Container) -> None:
        enqueue(frozen, NewJob("system.probe"))
        job, outcome = run_next(frozen)
        stored = job_of_kind(frozen, "system.probe")
        assert outcome == "succeeded"
        assert (stored.status, stored.result, stored.attempts) == (JobStatus.SUCCEEDED, {"attempt": 1}, 1)
        assert effects(frozen) == {job.id: 1}

    def test_retry_backs_off_then_succeeds(self, frozen: Container, clock: FrozenClock) -> None:
        enqueue(frozen, NewJob("system.probe", {"fail_times": 2}, max_attempts=5))
        expected_delays = [2.0, 4.0]  # backoff(1), backoff(2): base 2 s doubling, ±10 % jitter
        for attempt, delay in enumerate(expected_delays, start=1):
            job, outcome = run_next(frozen)
            stored = job_of_kind(frozen, "system.probe")
            assert (outcome, stored.status, stored.attempts) == ("retry", JobStatus.QUEUED, attempt)
            assert (
                stored.last_error == f"ProbeFailure: system.probe failing on purpose (attempt {attempt} of 2)"
            )
            waited = (stored.run_at - clock.now()).total_seconds()
            assert delay * 0.9 <= waited <= delay * 1.1
            assert frozen.job_queue().claim("w1", 1, LEASE) == []  # not due before the backoff
            clock.advance(timedelta(seconds=delay * 1.2))
        job, outcome = run_next(frozen)
        assert (outcome, job.attempts) == ("succeeded", 3)
        assert effects(frozen) == {job.id: 1}

    def test_fails_for_good_after_max_attempts(self, frozen: Container, clock: FrozenClock) -> None:
        enqueue(frozen, NewJob("system.probe", {"fail_times": 5}, max_attempts=2))
        assert run_next(frozen)[1] == "retry"
        clock.advance(timedelta(minutes=1))
        assert run_next(frozen)[1] == "failed"
        stored = job_of_kind(frozen, "system.probe")
        assert (stored.status, stored.attempts) == (JobStatus.FAILED, 2)
        assert stored.last_error is not None
        assert "attempt 2 of 5" in stored.last_error
        clock.advance(timedelta(days=1))
        assert frozen.job_queue().claim("w1", 1, LEASE) == []
        assert effects(frozen) == {}

    @pytest.mark.parametrize(
        ("kind", "error"),
        [
            ("test.permanent", "PermanentError: this can never work"),
            ("test.invalid", "InvalidInput: no such supplier"),
            ("test.no_such_kind", "PermanentError: no handler for job kind 'test.no_such_kind'"),
        ],
    )
    def test_permanent_errors_fail_at_once(self, frozen: Container, kind: str, error: str) -> None:
        enqueue(frozen, NewJob(kind, max_attempts=10))
        assert run_next(frozen)[1] == "failed"
        stored = job_of_kind(frozen, kind)
        assert (stored.status, stored.attempts, stored.last_error) == (JobStatus.FAILED, 1, error)
        assert effects(frozen, kind) == {}  # the handler's audit entry was rolled back

    def test_a_worker_whose_lease_was_taken_rolls_back(self, frozen: Container) -> None:
        enqueue(frozen, NewJob("test.steal"))
        _job, outcome = run_next(frozen, "slow")
        assert outcome == "lease_lost"
        assert effects(frozen, "test.steal") == {}
        stored = job_of_kind(frozen, "test.steal")
        assert (stored.status, stored.locked_by, stored.attempts) == (JobStatus.RUNNING, "thief", 2)

    def test_progress_is_visible_while_running(self, frozen: Container) -> None:
        enqueue(frozen, NewJob("test.progress"))
        run_next(frozen)
        stored = job_of_kind(frozen, "test.progress")
        assert (stored.status, stored.result) == (JobStatus.SUCCEEDED, {"seen": [5, 10]})

    def test_logs_start_and_finish(self, frozen: Container, caplog: pytest.LogCaptureFixture) -> None:
        enqueue(frozen, NewJob("system.probe"))
        with caplog.at_level(logging.INFO, logger="betal.jobs"):
            job, _ = run_next(frozen)
        started, finished = (vars(r) for r in caplog.records if r.name == "betal.jobs")
        assert (started["msg"], started["job_id"], started["kind"], started["attempt"]) == (
            "job started",
            job.id,
            job.kind,
            1,
        )
        assert (finished["msg"], finished["outcome"]) == ("job finished", "succeeded")
        assert isinstance(finished["ms"], int)

    def test_job_actor_is_stamped_on_its_audit_entries(self, frozen: Container) -> None:
        enqueue(frozen, NewJob("system.probe"))
        job, _ = run_next(frozen)
        with frozen.engine.connect() as conn:
            row = conn.execute(select(AuditRow).where(AuditRow.target_id == job.id)).one()
        assert (row.actor_type, row.actor_id, row.action, row.created_at) == (
            "system",
            "job:system.probe",
            "system.probe",
            T0,
        )
