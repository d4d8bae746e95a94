"""The SQL job queue: enqueue in the caller's transaction, leased claims, fencing, retries, schedules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.db.orm import AuditRow, IdempotencyKeyRow, JobRow, JobScheduleRow
from betal.adapters.security import Argon2PasswordHasher
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.job import JobStatus, NewJob
from betal.ports import JobQueue

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def frozen(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    c = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield c
    c.close()


@pytest.fixture
def queue(frozen: Container) -> JobQueue:
    return frozen.job_queue()


def enqueue(container: Container, *jobs: NewJob) -> None:
    with container.uow() as uow:
        for job in jobs:
            uow.enqueue(job)
        uow.commit()


def job_ids(container: Container) -> list[str]:
    with container.engine.connect() as conn:
        return list(conn.execute(select(JobRow.id).order_by(JobRow.run_at, JobRow.id)).scalars())


def audit_count(container: Container, target_id: str) -> int:
    with container.engine.connect() as conn:
        query = select(func.count()).select_from(AuditRow).where(AuditRow.target_id == target_id)
        return int(conn.execute(query).scalar_one())


class TestEnqueue:
    def test_rollback_leaves_no_job(self, frozen: Container, queue: JobQueue) -> None:
        with frozen.uow() as uow:
            uow.enqueue(NewJob("system.probe"))
            uow.rollback()
        assert queue.counts() == {}

    def test_commit_makes_the_job_claimable(self, frozen: Container, queue: JobQueue) -> None:
        enqueue(frozen, NewJob("system.probe", {"sleep": 0}))
        assert queue.counts() == {"queued": 1}
        [job] = queue.claim("w1", 10, LEASE)
        assert (job.kind, job.payload, job.status) == ("system.probe", {"sleep": 0}, JobStatus.RUNNING)

    def test_dedupe_key_keeps_one_job(self, frozen: Container, queue: JobQueue) -> None:
        enqueue(frozen, NewJob("system.probe", dedupe_key="k1"))
        enqueue(frozen, NewJob("system.probe", dedupe_key="k1"), NewJob("system.probe", dedupe_key="k2"))
        assert queue.counts() == {"queued": 2}


class TestClaim:
    def test_claims_due_jobs_in_run_at_order(self, frozen: Container, queue: JobQueue) -> None:
        enqueue(
            frozen,
            NewJob("a", run_at=T0 - timedelta(minutes=1)),
            NewJob("later", run_at=T0 + timedelta(minutes=1)),
            NewJob("b", run_at=T0 - timedelta(minutes=2)),
        )
        jobs = queue.claim("w1", 10, LEASE)
        assert [j.kind for j in jobs] == ["b", "a"]
        assert {(j.attempts, j.locked_by, j.lease_until) for j in jobs} == {(1, "w1", T0 + LEASE)}
        assert queue.claim("w2", 10, LEASE) == []

    def test_limit(self, frozen: Container, queue: JobQueue) -> None:
        enqueue(frozen, *(NewJob("system.probe") for _ in range(5)))
        assert len(queue.claim("w1", 2, LEASE)) == 2
        assert len(queue.claim("w2", 10, LEASE)) == 3
        assert queue.counts() == {"running": 5}

    def test_expired_lease_is_claimed_again(
        self, frozen: Container, queue: JobQueue, clock: FrozenClock
    ) -> None:
        enqueue(frozen, NewJob("system.probe"))
        [first] = queue.claim("dead", 1, LEASE)
        clock.advance(LEASE - timedelta(seconds=1))
        assert queue.claim("w2", 1, LEASE) == []
        clock.advance(timedelta(seconds=2))
        [again] = queue.claim("w2", 1, LEASE)
        assert (again.id, again.attempts, again.locked_by) == (first.id, 2, "w2")

    def test_expired_lease_on_the_last_attempt_fails(
        self, frozen: Container, queue: JobQueue, clock: FrozenClock
    ) -> None:
        enqueue(frozen, NewJob("system.probe", max_attempts=1))
        [job] = queue.claim("dead", 1, LEASE)
        clock.advance(LEASE * 2)
        assert queue.claim("w2", 1, LEASE) == []
        stored = queue.get(job.id)
        assert stored is not None
        assert stored.status is JobStatus.FAILED
        assert stored.last_error is not None
        assert "lease of dead expired" in stored.last_error


class TestComplete:
    def test_owner_completes_with_its_effects(self, frozen: Container, queue: JobQueue) -> None:
        enqueue(frozen, NewJob("system.probe"))
        [job] = queue.claim("w1", 1, LEASE)
        with frozen.uow() as uow:
            uow.audit(None, "system.probe", "job", job.id)
            assert queue.complete(uow, job.id, "w1", 1, {"ok": True})
            uow.commit()
        stored = queue.get(job.id)
        assert stored is not None
        assert (stored.status, stored.result, stored.lease_until) == (JobStatus.SUCCEEDED, {"ok": True}, None)
        assert audit_count(frozen, job.id) == 1

    def test_stolen_lease_cannot_complete(
        self, frozen: Container, queue: JobQueue, clock: FrozenClock
    ) -> None:
        enqueue(frozen, NewJob("system.probe"))
        [job] = queue.claim("slow", 1, LEASE)
        clock.advance(LEASE + timedelta(seconds=1))
        [stolen] = queue.claim("thief", 1, LEASE)
        with frozen.uow() as uow:
            uow.audit(None, "system.probe", "job", job.id)
            assert not queue.complete(uow, job.id, "slow", 1, None)
            uow.rollback()
        assert audit_count(frozen, job.id) == 0
        with frozen.uow() as uow:
            assert queue.complete(uow, job.id, "thief", stolen.attempts, None)
            uow.commit()
        stored = queue.get(job.id)
        assert stored is not None
        assert stored.status is JobStatus.SUCCEEDED

    def test_needs_a_sqlalchemy_unit_of_work(self, queue: JobQueue) -> None:
        with pytest.raises(TypeError):
            queue.complete(object(), "job_x", "w1", 1, None)  # type: ignore[arg-type]


class TestFail:
    def test_retry_requeues_at_retry_at(self, frozen: Container, queue: JobQueue) -> None:
        enqueue(frozen, NewJob("system.probe"))
        [job] = queue.claim("w1", 1, LEASE)
        assert queue.fail(job.id, "w1", 1, "boom", T0 + timedelta(seconds=2))
        stored = queue.get(job.id)
        assert stored is not None
        assert (stored.status, stored.run_at, stored.locked_by, stored.last_error, stored.attempts) == (
            JobStatus.QUEUED,
            T0 + timedelta(seconds=2),
            None,
            "boom",
            1,
        )

    def test_no_retry_fails_for_good(self, frozen: Container, queue: JobQueue) -> None:
        enqueue(frozen, NewJob("system.probe"))
        [job] = queue.claim("w1", 1, LEASE)
        assert queue.fail(job.id, "w1", 1, "bad input", None)
        stored = queue.get(job.id)
        assert stored is not None
        assert (stored.status, stored.last_error) == (JobStatus.FAILED, "bad input")

    def test_only_the_owner_may_fail_a_job(self, frozen: Container, queue: JobQueue) -> None:
        enqueue(frozen, NewJob("system.probe"))
        [job] = queue.claim("w1", 1, LEASE)
        assert not queue.fail(job.id, "w2", 1, "x", None)
        assert not queue.fail(job.id, "w1", 2, "x", None)
        assert queue.counts() == {"running": 1}


class TestHeartbeat:
    def test_extends_the_lease_while_owned(
        self, frozen: Container, queue: JobQueue, clock: FrozenClock
    ) -> None:
        enqueue(frozen, NewJob("system.probe"))
        [job] = queue.claim("w1", 1, LEASE)
        clock.advance(LEASE - timedelta(seconds=1))
        assert queue.heartbeat(job.id, "w1", 1, LEASE)
        clock.advance(timedelta(seconds=2))
        assert queue.claim("w2", 1, LEASE) == []
        stored = queue.get(job.id)
        assert stored is not None
        assert stored.lease_until == T0 + LEASE * 2 - timedelta(seconds=1)
        assert not queue.heartbeat(job.id, "w2", 1, LEASE)


class TestProgress:
    def test_visible_to_other_sessions(self, frozen: Container, queue: JobQueue) -> None:
        enqueue(frozen, NewJob("system.probe"))
        [job] = queue.claim("w1", 1, LEASE)
        queue.set_progress(job.id, 3, 10)
        stored = queue.get(job.id)
        assert stored is not None
        assert (stored.progress_done, stored.progress_total) == (3, 10)

    def test_inside_a_unit_of_work_already_writing(self, frozen: Container, queue: JobQueue) -> None:
        enqueue(frozen, NewJob("system.probe"))
        [job] = queue.claim("w1", 1, LEASE)
        with frozen.uow() as uow:
            uow.organisations.get("org_none")  # the unit's transaction is open (on SQLite: the write lock)
            queue.set_progress(job.id, 1, None, uow=uow)
            uow.commit()
        stored = queue.get(job.id)
        assert stored is not None
        assert (stored.progress_done, stored.progress_total) == (1, None)


class TestSchedules:
    def test_enqueues_after_the_interval(self, frozen: Container, queue: JobQueue) -> None:
        queue.ensure_schedule("tick", "system.probe", timedelta(minutes=10))
        assert queue.enqueue_due_schedules(T0 + timedelta(minutes=9)) == 0
        assert queue.enqueue_due_schedules(T0 + timedelta(minutes=10)) == 1
        assert queue.enqueue_due_schedules(T0 + timedelta(minutes=19)) == 0
        assert queue.enqueue_due_schedules(T0 + timedelta(minutes=20)) == 1
        with frozen.engine.connect() as conn:
            keys = conn.execute(select(JobRow.dedupe_key).order_by(JobRow.dedupe_key)).scalars().all()
        assert keys == ["schedule:tick:20260302T091000Z", "schedule:tick:20260302T092000Z"]

    def test_a_three_day_gap_enqueues_one_run(self, frozen: Container, queue: JobQueue) -> None:
        queue.ensure_schedule("tick", "system.probe", timedelta(hours=1))
        later = T0 + timedelta(days=3, minutes=30)
        assert queue.enqueue_due_schedules(later) == 1
        assert queue.enqueue_due_schedules(later) == 0
        assert queue.counts("system.probe") == {"queued": 1}
        with frozen.engine.connect() as conn:
            next_run = conn.execute(select(JobScheduleRow.next_run_at)).scalar_one()
        assert next_run.replace(tzinfo=UTC) == T0 + timedelta(days=3, hours=1)

    def test_ensure_keeps_the_next_run_and_updates_the_interval(
        self, frozen: Container, queue: JobQueue, clock: FrozenClock
    ) -> None:
        queue.ensure_schedule("tick", "system.probe", timedelta(hours=1))
        clock.advance(timedelta(minutes=30))
        queue.ensure_schedule("tick", "system.cleanup", timedelta(hours=2))
        with frozen.engine.connect() as conn:
            row = conn.execute(select(JobScheduleRow)).one()
        assert (row.kind, row.interval_seconds) == ("system.cleanup", 7200)
        assert row.next_run_at.replace(tzinfo=UTC) == T0 + timedelta(hours=1)

    def test_interval_under_a_second_is_refused(self, queue: JobQueue) -> None:
        with pytest.raises(ValueError, match="at least one second"):
            queue.ensure_schedule("tick", "system.probe", timedelta(milliseconds=10))


class TestPurgeIdempotency:
    def test_deletes_keys_older_than_the_cutoff(self, frozen: Container, queue: JobQueue) -> None:
        with frozen.uow() as uow:
            uow.idempotency.reserve("org_a", "old", "h", T0 - timedelta(hours=25))
            uow.idempotency.reserve("org_a", "new", "h", T0 - timedelta(hours=1))
            uow.commit()
        with frozen.uow() as uow:
            assert queue.purge_idempotency(uow, T0 - timedelta(hours=24)) == 1
            uow.commit()
        with frozen.engine.connect() as conn:
            assert conn.execute(select(IdempotencyKeyRow.key)).scalars().all() == ["new"]


@pytest.mark.postgres
class TestSkipLocked:
    def test_a_locked_job_is_skipped_not_waited_for(self, frozen: Container, queue: JobQueue) -> None:
        enqueue(frozen, NewJob("first", run_at=T0 - timedelta(minutes=2)), NewJob("second"))
        first, second = job_ids(frozen)
        with frozen.engine.connect() as other:
            other.execute(text("SELECT id FROM jobs WHERE id = :id FOR UPDATE"), {"id": first})
            [claimed] = queue.claim("w1", 10, LEASE)  # would block here without SKIP LOCKED
            assert claimed.id == second
            other.rollback()
        [claimed] = queue.claim("w2", 10, LEASE)
        assert claimed.id == first
