"""Helpers for the job engine tests: enqueueing, reading jobs back and counting their effects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from betal.adapters.db.orm import AuditRow, JobRow
from betal.bootstrap import Container
from betal.domain.job import Job, NewJob

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def enqueue(container: Container, *jobs: NewJob) -> None:
    with container.uow() as uow:
        for job in jobs:
            uow.enqueue(job)
        uow.commit()


def job_of_kind(container: Container, kind: str) -> Job:
    """The one job of ``kind`` (fails the test if there are more or none)."""
    with container.engine.connect() as conn:
        [job_id] = conn.execute(select(JobRow.id).where(JobRow.kind == kind)).scalars().all()
    job = container.job_queue().get(job_id)
    assert job is not None
    return job


def effects(container: Container, action: str = "system.probe") -> dict[str, int]:
    """Audit rows with ``action`` per target id: the observable effect of a probe job."""
    query = (
        select(AuditRow.target_id, func.count()).where(AuditRow.action == action).group_by(AuditRow.target_id)
    )
    with container.engine.connect() as conn:
        return {target: int(n) for target, n in conn.execute(query)}
