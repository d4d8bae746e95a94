"""The job worker: claim due jobs, run them under a lease, keep the lease alive, enqueue schedules.

``betal worker`` and ``betal serve`` start one with ``Worker(container, ...).run(stop)``; any number of
workers may share one PostgreSQL (claims use ``FOR UPDATE SKIP LOCKED``), while SQLite runs one
writer at a time. A worker killed mid-job stops renewing its lease; once the lease expires another
worker claims the job again, and fencing in ``JobQueue.complete`` keeps its effect to one commit.

Environment: ``BETAL_JOB_LEASE_SECONDS`` (default 60) is the default lease when none is passed.
A job running longer than a third of the lease has it renewed every ``lease / 3`` by a heartbeat
thread, so only a worker that stops (crash, SIGKILL, lost network) loses its jobs.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from betal.domain.job import Job
from betal.jobs import registry
from betal.jobs.runner import JobRunner

if TYPE_CHECKING:
    from betal.bootstrap import Container

log = logging.getLogger("betal.jobs")

LEASE_ENV = "BETAL_JOB_LEASE_SECONDS"
SCHEDULE_CHECK_SECONDS = 1.0


def default_lease() -> timedelta:
    return timedelta(seconds=float(os.environ.get(LEASE_ENV, "60")))


class Worker:
    def __init__(
        self,
        container: Container,
        *,
        name: str | None = None,
        concurrency: int = 1,
        poll_interval: float = 0.5,
        lease: timedelta | None = None,
        batch: int | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency is at least 1")
        self.container = container
        self.id = f"{socket.gethostname()}:{os.getpid()}:{name or uuid.uuid4().hex[:8]}"
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.lease = lease or default_lease()
        if self.lease <= timedelta(0):
            raise ValueError("the lease must be positive")
        self.batch = batch or concurrency
        self.queue = container.job_queue()
        self.runner = JobRunner(container, self.queue, self.id)
        self._in_flight: dict[str, tuple[Job, float]] = {}
        self._lock = threading.Lock()
        self._schedules_ensured = False
        self._next_schedule_check = 0.0

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set, then finish the jobs in hand."""
        log.info("worker started", extra={"worker_id": self.id, "concurrency": self.concurrency})
        pool = (
            ThreadPoolExecutor(self.concurrency, thread_name_prefix="job") if self.concurrency > 1 else None
        )
        pending: set[Future[str]] = set()
        with self._heartbeats():
            try:
                while not stop.is_set():
                    if not self._tick_safely(pool, pending):
                        stop.wait(self.poll_interval)
            finally:
                if pool is not None:
                    pool.shutdown(wait=True)
        log.info("worker stopped", extra={"worker_id": self.id})

    def run_once(self) -> int:
        """Run every job claimable now (one at a time); returns how many were run."""
        self._enqueue_schedules(force=True)
        seen: set[str] = set()
        ran = 0
        with self._heartbeats():
            while jobs := self.queue.claim(self.id, self.batch, self.lease):
                for job in jobs:
                    self.process(job)
                ran += len(jobs)
                if seen.intersection(job.id for job in jobs):
                    break  # a job came round again within this call: leave the rest for the next one
                seen.update(job.id for job in jobs)
        return ran

    def process(self, job: Job) -> str:
        """Run one job claimed by this worker, with its lease renewed while it runs."""
        with self._lock:
            self._in_flight[job.id] = (job, time.monotonic())
        try:
            return self.runner.run(job)
        finally:
            with self._lock:
                del self._in_flight[job.id]

    def _tick_safely(self, pool: ThreadPoolExecutor | None, pending: set[Future[str]]) -> bool:
        try:
            return self._tick(pool, pending)
        except Exception:  # the database may be away for a moment: log, wait, try again
            log.exception("worker loop failed", extra={"worker_id": self.id})
            return False

    def _tick(self, pool: ThreadPoolExecutor | None, pending: set[Future[str]]) -> bool:
        """Claim and start jobs; True when the loop should go on at once rather than sleep."""
        self._enqueue_schedules()
        pending.difference_update({f for f in pending if f.done()})
        free = self.concurrency - len(pending)
        if free <= 0:
            wait(pending, timeout=self.poll_interval, return_when=FIRST_COMPLETED)
            return True
        wanted = min(free, self.batch)
        jobs = self.queue.claim(self.id, wanted, self.lease)
        if pool is None:
            for job in jobs:
                self.process(job)
            return bool(jobs)
        for job in jobs:
            future = pool.submit(self.process, job)
            future.add_done_callback(_log_crash)
            pending.add(future)
        if len(jobs) < wanted and pending:
            wait(pending, timeout=self.poll_interval, return_when=FIRST_COMPLETED)
            return True
        return bool(jobs)

    def _enqueue_schedules(self, *, force: bool = False) -> None:
        if not self._schedules_ensured:
            for item in registry.schedules():
                self.queue.ensure_schedule(item.name, item.kind, item.every)
            self._schedules_ensured = True
        if force or time.monotonic() >= self._next_schedule_check:
            self._next_schedule_check = time.monotonic() + SCHEDULE_CHECK_SECONDS
            self.queue.enqueue_due_schedules(self.container.clock.now())

    @contextmanager
    def _heartbeats(self) -> Iterator[None]:
        done = threading.Event()
        thread = threading.Thread(target=self._beat, args=(done,), daemon=True, name="job-heartbeat")
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def _beat(self, done: threading.Event) -> None:
        every = self.lease.total_seconds() / 3
        while not done.wait(every):
            with self._lock:
                running = list(self._in_flight.values())
            for job, started in running:
                if time.monotonic() - started >= every:
                    self._renew(job)

    def _renew(self, job: Job) -> None:
        try:
            if not self.queue.heartbeat(job.id, self.id, job.attempts, self.lease):
                log.warning("job lease lost", extra={"job_id": job.id, "worker_id": self.id})
        except Exception:  # a missed beat is not fatal while the lease lasts; the next one may work
            log.exception("job heartbeat failed", extra={"job_id": job.id, "worker_id": self.id})


def _log_crash(future: Future[str]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("job runner crashed", exc_info=exc)
