"""Running one claimed job: the handler and the ``succeeded`` mark share one transaction.

The handler's unit of work has ``defer_commit`` set, so the services it calls only flush. The runner
then marks the job succeeded in that same transaction, fenced by (worker, attempt): if another worker
took the job over after our lease expired, the mark touches no row and everything is rolled back.
A failure rolls back the handler's work and queues the job again after ``backoff(attempts)``, or
fails it for good after ``max_attempts`` or on a permanent error.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING

from betal.domain.errors import InvalidInput, NotFound
from betal.domain.job import Job, backoff
from betal.jobs import registry
from betal.jobs.registry import JobContext, PermanentError
from betal.ports import Actor, JobQueue, UnitOfWork

if TYPE_CHECKING:
    from betal.bootstrap import Container

log = logging.getLogger("betal.jobs")

PERMANENT = (PermanentError, InvalidInput, NotFound)
MAX_ERROR_CHARS = 4000


class JobRunner:
    def __init__(self, container: Container, queue: JobQueue, worker_id: str) -> None:
        self.container = container
        self.queue = queue
        self.worker_id = worker_id

    def run(self, job: Job) -> str:
        """Run ``job`` (claimed by this worker); returns succeeded, retry, failed or lease_lost."""
        started = time.monotonic()
        fields = {"job_id": job.id, "kind": job.kind, "attempt": job.attempts, "worker_id": self.worker_id}
        log.info("job started", extra=fields)
        with self.container.uow(actor=Actor("system", f"job:{job.kind}")) as uow:
            uow.defer_commit = True
            try:
                outcome = self._execute(job, uow)
            except Exception as exc:  # the one place that catches everything (STYLE.md "Errors")
                uow.rollback()
                outcome = self._fail(job, exc)
                log.warning("job raised", exc_info=exc, extra=fields)
        ms = round((time.monotonic() - started) * 1000)
        log.info("job finished", extra={**fields, "outcome": outcome, "ms": ms})
        return outcome

    def _execute(self, job: Job, uow: UnitOfWork) -> str:
        handle = registry.handler_for(job.kind)
        if handle is None:
            raise PermanentError(f"no handler for job kind {job.kind!r}")

        def report(done: int, total: int | None) -> None:
            self.queue.set_progress(job.id, done, total, uow=uow)

        result = handle(JobContext(job, uow, self.container, report))
        if not self.queue.complete(uow, job.id, self.worker_id, job.attempts, result):
            uow.rollback()
            return "lease_lost"
        uow.commit_deferred()
        return "succeeded"

    def _fail(self, job: Job, exc: Exception) -> str:
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
        retry_at = self._retry_at(job, exc)
        if not self.queue.fail(job.id, self.worker_id, job.attempts, error, retry_at):
            return "lease_lost"
        return "failed" if retry_at is None else "retry"

    def _retry_at(self, job: Job, exc: Exception) -> datetime | None:
        if isinstance(exc, PERMANENT) or job.attempts >= job.max_attempts:
            return None
        return self.container.clock.now() + backoff(job.attempts)
