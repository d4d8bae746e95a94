"""The job queue on the ``jobs`` table: claim under a lease, fenced completion, periodic schedules.

Claiming takes ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of workers share the
table without waiting on each other (https://www.postgresql.org/docs/current/sql-select.html,
"The Locking Clause"). SQLite has no row locks: the engine begins every transaction with ``BEGIN
IMMEDIATE``, so claims run one writer at a time and SQLAlchemy leaves the FOR UPDATE clause out.

Fencing: a claim bumps ``attempts`` and sets ``locked_by``; completion and failure only apply while
``(status, locked_by, attempts)`` is still ``('running', worker, attempt)``. A worker whose lease
expired and was taken over finds 0 rows and rolls its effects back, so each job's effect commits once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from betal.adapters.db.mapping import to_domain
from betal.adapters.db.orm import IdempotencyKeyRow, JobRow, JobScheduleRow
from betal.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from betal.adapters.db.upsert import insert_for
from betal.domain.ids import new_id
from betal.domain.job import Job, JobStatus
from betal.ports import Clock, UnitOfWork

RUNNING = JobStatus.RUNNING.value


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _session_of(uow: UnitOfWork) -> Session:
    if not isinstance(uow, SqlAlchemyUnitOfWork):
        raise TypeError(f"SqlAlchemyJobQueue needs a SqlAlchemyUnitOfWork, not {type(uow).__name__}")
    return uow.session


def _owned(job_id: str, worker_id: str, attempts: int) -> ColumnElement[bool]:
    return and_(
        JobRow.id == job_id,
        JobRow.status == RUNNING,
        JobRow.locked_by == worker_id,
        JobRow.attempts == attempts,
    )


class SqlAlchemyJobQueue:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._session_factory = session_factory
        self._clock = clock

    def claim(self, worker_id: str, limit: int, lease: timedelta) -> list[Job]:
        with self._session_factory() as session, session.begin():
            now = self._clock.now()
            due = or_(
                and_(JobRow.status == JobStatus.QUEUED.value, JobRow.run_at <= now),
                and_(JobRow.status == RUNNING, JobRow.lease_until < now),
            )
            query = select(JobRow).where(due).order_by(JobRow.run_at).limit(limit)
            rows = session.scalars(query.with_for_update(skip_locked=True)).all()
            claimed = []
            for row in rows:
                row.updated_at = now
                if row.status == RUNNING and row.attempts >= row.max_attempts:
                    row.status = JobStatus.FAILED.value
                    row.lease_until = None
                    row.last_error = (
                        f"lease of {row.locked_by} expired on attempt {row.attempts} of {row.max_attempts}"
                    )
                    continue
                row.status = RUNNING
                row.locked_by = worker_id
                row.lease_until = now + lease
                row.attempts += 1
                claimed.append(row)
            session.flush()
            return [to_domain(Job, row) for row in claimed]

    def heartbeat(self, job_id: str, worker_id: str, attempts: int, lease: timedelta) -> bool:
        with self._session_factory() as session, session.begin():
            now = self._clock.now()
            stmt = update(JobRow).where(_owned(job_id, worker_id, attempts)).values(lease_until=now + lease)
            return _rowcount(session.execute(stmt)) == 1

    def complete(
        self, uow: UnitOfWork, job_id: str, worker_id: str, attempts: int, result: dict[str, Any] | None
    ) -> bool:
        stmt = (
            update(JobRow)
            .where(_owned(job_id, worker_id, attempts))
            .values(
                status=JobStatus.SUCCEEDED.value,
                result=result,
                lease_until=None,
                updated_at=self._clock.now(),
            )
        )
        return _rowcount(_session_of(uow).execute(stmt)) == 1

    def fail(self, job_id: str, worker_id: str, attempts: int, error: str, retry_at: datetime | None) -> bool:
        values: dict[str, Any] = {"last_error": error, "lease_until": None, "updated_at": self._clock.now()}
        if retry_at is None:
            values["status"] = JobStatus.FAILED.value
        else:
            values.update(status=JobStatus.QUEUED.value, run_at=retry_at, locked_by=None)
        with self._session_factory() as session, session.begin():
            stmt = update(JobRow).where(_owned(job_id, worker_id, attempts)).values(**values)
            return _rowcount(session.execute(stmt)) == 1

    def set_progress(
        self, job_id: str, done: int, total: int | None, *, uow: UnitOfWork | None = None
    ) -> None:
        stmt = update(JobRow).where(JobRow.id == job_id).values(progress_done=done, progress_total=total)
        if uow is not None:
            session = _session_of(uow)
            if session.get_bind().dialect.name == "sqlite" and session.in_transaction():
                # SQLite has one writer and the handler's transaction holds it: a second connection would
                # wait on ourselves, so the progress lands with the handler's commit instead.
                session.execute(stmt)
                return
        with self._session_factory() as own, own.begin():
            own.execute(stmt)

    def ensure_schedule(self, name: str, kind: str, interval: timedelta) -> None:
        seconds = int(interval.total_seconds())
        if seconds < 1:
            raise ValueError("a schedule's interval is at least one second")
        with self._session_factory() as session, session.begin():
            values = {"name": name, "kind": kind, "interval_seconds": seconds}
            stmt = insert_for(session)(JobScheduleRow).values(
                **values, next_run_at=self._clock.now() + interval
            )
            session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["name"], set_={"kind": kind, "interval_seconds": seconds}
                )
            )

    def enqueue_due_schedules(self, now: datetime) -> int:
        with self._session_factory() as session, session.begin():
            query = (
                select(JobScheduleRow).where(JobScheduleRow.next_run_at <= now).order_by(JobScheduleRow.name)
            )
            enqueued = 0
            for row in session.scalars(query.with_for_update(skip_locked=True)).all():
                slot = row.next_run_at
                enqueued += self._insert_job(
                    session, row.kind, f"schedule:{row.name}:{slot:%Y%m%dT%H%M%SZ}", now
                )
                interval = timedelta(seconds=row.interval_seconds)
                missed = (now - slot) // interval  # slots missed while no worker ran: one run covers them
                row.next_run_at = slot + (missed + 1) * interval
            return enqueued

    def purge_idempotency(self, uow: UnitOfWork, before: datetime) -> int:
        stmt = delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < before)
        return _rowcount(_session_of(uow).execute(stmt))

    def get(self, job_id: str) -> Job | None:
        with self._session_factory() as session:
            row = session.get(JobRow, job_id)
            return None if row is None else to_domain(Job, row)

    def counts(self, kind: str | None = None) -> dict[str, int]:
        query = select(JobRow.status, func.count()).group_by(JobRow.status)
        if kind is not None:
            query = query.where(JobRow.kind == kind)
        with self._session_factory() as session:
            return {status: int(n) for status, n in session.execute(query)}

    @staticmethod
    def _insert_job(session: Session, kind: str, dedupe_key: str, now: datetime) -> int:
        stmt = (
            insert_for(session)(JobRow)
            .values(
                id=new_id("job"),
                kind=kind,
                payload={},
                status=JobStatus.QUEUED.value,
                run_at=now,
                attempts=0,
                max_attempts=10,
                dedupe_key=dedupe_key,
                progress_done=0,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(JobRow.id)
        )
        return 0 if session.execute(stmt).scalar_one_or_none() is None else 1
