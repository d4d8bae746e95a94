"""The worker: claiming, leases, schedules, the run loop, and real worker processes killed mid-job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from betal.adapters.clock import FrozenClock
from betal.adapters.db.orm import JobRow
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.job import Job, JobStatus, NewJob
from betal.jobs.worker import LEASE_ENV, Worker, default_lease

from .support import LEASE, effects, enqueue, job_of_kind


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def status_of(container: Container, job_id: str) -> JobStatus | None:
    job = container.job_queue().get(job_id)
    return None if job is None else job.status


@contextmanager
def worker_thread(worker: Worker) -> Iterator[threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=20)
        assert not thread.is_alive(), "the worker did not stop"


class TestWorkerSettings:
    def test_id_names_host_process_and_worker(self, container: Container) -> None:
        assert Worker(container, name="serve").id.endswith(f":{os.getpid()}:serve")
        assert len(Worker(container).id.rsplit(":", 1)[1]) == 8

    def test_lease_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(LEASE_ENV, "2.5")
        assert default_lease() == timedelta(seconds=2.5)
        monkeypatch.delenv(LEASE_ENV)
        assert default_lease() == timedelta(seconds=60)

    def test_refuses_nonsense(self, container: Container) -> None:
        with pytest.raises(ValueError, match="concurrency"):
            Worker(container, concurrency=0)
        with pytest.raises(ValueError, match="lease"):
            Worker(container, lease=timedelta(seconds=-1))


class TestRunOnce:
    def test_runs_every_due_job_once(self, frozen: Container) -> None:
        enqueue(
            frozen,
            *(NewJob("system.probe") for _ in range(5)),
            NewJob("system.probe", run_at=frozen.clock.now() + LEASE),
        )
        assert Worker(frozen, lease=LEASE, batch=2).run_once() == 5
        assert sorted(effects(frozen).values()) == [1] * 5
        assert frozen.job_queue().counts("system.probe") == {"succeeded": 5, "queued": 1}

    def test_a_dead_workers_job_runs_after_its_lease(self, frozen: Container, clock: FrozenClock) -> None:
        enqueue(frozen, NewJob("system.probe"))
        [job] = frozen.job_queue().claim("dead-worker", 1, LEASE)  # ... and it never finishes
        worker = Worker(frozen, lease=LEASE)
        worker.run_once()
        assert frozen.job_queue().counts("system.probe") == {"running": 1}  # still the dead worker's
        clock.advance(LEASE + timedelta(seconds=1))
        worker.run_once()
        stored = job_of_kind(frozen, "system.probe")
        assert (stored.status, stored.attempts, stored.locked_by) == (JobStatus.SUCCEEDED, 2, worker.id)
        assert effects(frozen) == {job.id: 1}

    def test_periodic_schedules_are_enqueued_and_run(self, frozen: Container, clock: FrozenClock) -> None:
        worker = Worker(frozen, lease=LEASE)
        queue = frozen.job_queue()
        worker.run_once()
        assert queue.counts("system.cleanup") == {}
        clock.advance(timedelta(hours=1))
        worker.run_once()
        assert queue.counts("system.cleanup") == {"succeeded": 1}
        clock.advance(timedelta(days=3))  # the worker was down for three days: one run, not 72
        worker.run_once()
        assert queue.counts("system.cleanup") == {"succeeded": 2}


class TestRun:
    @pytest.mark.parametrize("concurrency", [1, 3])
    def test_runs_jobs_until_stopped(self, container: Container, concurrency: int) -> None:
        enqueue(container, *(NewJob("system.probe", {"sleep": 0.05}) for _ in range(12)))
        queue = container.job_queue()
        with worker_thread(Worker(container, concurrency=concurrency, poll_interval=0.05)):
            wait_until(lambda: queue.counts("system.probe") == {"succeeded": 12}, 30, "12 jobs")
        assert sorted(effects(container).values()) == [1] * 12

    def test_stop_lets_the_job_in_hand_finish(self, container: Container) -> None:
        enqueue(container, NewJob("system.probe", {"sleep": 0.5}))
        job = job_of_kind(container, "system.probe")
        with worker_thread(Worker(container, poll_interval=0.05)):
            wait_until(lambda: status_of(container, job.id) is JobStatus.RUNNING, 10, "the job to start")
        assert status_of(container, job.id) is JobStatus.SUCCEEDED
        assert effects(container) == {job.id: 1}

    def test_heartbeats_keep_a_long_job_from_being_taken(self, container: Container) -> None:
        enqueue(container, NewJob("system.probe", {"sleep": 1.5}))
        job = job_of_kind(container, "system.probe")
        queue = container.job_queue()
        with worker_thread(Worker(container, lease=timedelta(seconds=0.45), poll_interval=0.05)):
            wait_until(lambda: status_of(container, job.id) is JobStatus.RUNNING, 10, "the job to start")
            taken = []
            while status_of(container, job.id) is JobStatus.RUNNING:
                taken += queue.claim("thief", 1, timedelta(seconds=10))  # a lease of 0.45 s would lapse
                time.sleep(0.05)
        assert taken == []
        stored = job_of_kind(container, "system.probe")
        assert (stored.status, stored.attempts) == (JobStatus.SUCCEEDED, 1)

    def test_keeps_going_when_the_database_is_away(self, container: Container) -> None:
        enqueue(container, NewJob("system.probe"))
        queue = container.job_queue()
        worker = Worker(container, poll_interval=0.05)
        broken = {"claims": 0}
        real_claim = worker.queue.claim

        def flaky_claim(worker_id: str, limit: int, lease: timedelta) -> list[Job]:
            broken["claims"] += 1
            if broken["claims"] <= 2:
                raise ConnectionError("database restarting")
            return real_claim(worker_id, limit, lease)

        worker.queue.claim = flaky_claim  # type: ignore[method-assign]
        with worker_thread(worker):
            wait_until(lambda: queue.counts("system.probe") == {"succeeded": 1}, 10, "the job")
        assert broken["claims"] > 2


# --- real worker processes -------------------------------------------------------------------------


@contextmanager
def worker_processes(
    settings: Settings, log_dir: Path, count: int, *args: str, lease_seconds: float = 2
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``betal worker`` processes on the test database; stopped with SIGTERM (SIGKILL if stuck)."""
    env = {
        **os.environ,
        "BETAL_DATABASE_URL": settings.database_url,
        "BETAL_SECRET_KEY": settings.secret_key,
        LEASE_ENV: str(lease_seconds),
    }
    procs = []
    for n in range(count):
        log = (log_dir / f"worker-{n}.log").open("wb")
        command = [sys.executable, "-m", "betal.cli.main", "worker", *args]
        procs.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
        log.close()
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def worker_logs(log_dir: Path, tail: int | None = 3000) -> str:
    texts = (p.read_text(errors="replace") for p in sorted(log_dir.glob("worker-*.log")))
    return "\n".join(text if tail is None else text[-tail:] for text in texts)


@pytest.mark.slow
class TestKilledWorker:
    def test_job_of_a_sigkilled_worker_completes_once_after_the_lease(
        self, container: Container, settings: Settings, tmp_path: Path
    ) -> None:
        enqueue(container, NewJob("system.probe", {"sleep": 30, "sleep_attempts": 1}))
        job = job_of_kind(container, "system.probe")
        with worker_processes(settings, tmp_path, 1) as [first]:
            wait_until(lambda: status_of(container, job.id) is JobStatus.RUNNING, 30, "the first worker")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        killed = job_of_kind(container, "system.probe")
        assert (killed.status, killed.attempts, effects(container)) == (JobStatus.RUNNING, 1, {})
        assert killed.locked_by is not None
        assert f":{first.pid}:" in killed.locked_by
        with worker_processes(settings, tmp_path, 1) as [second]:
            done = lambda: status_of(container, job.id) is JobStatus.SUCCEEDED  # noqa: E731
            try:
                wait_until(done, 30, "the second worker to finish the job")
            except AssertionError as exc:
                raise AssertionError(worker_logs(tmp_path)) from exc
        stored = job_of_kind(container, "system.probe")
        assert (stored.attempts, stored.result) == (2, {"attempt": 2})
        assert stored.locked_by is not None
        assert f":{second.pid}:" in stored.locked_by
        assert effects(container) == {job.id: 1}


@pytest.mark.slow
@pytest.mark.postgres
class TestFourWorkers:
    JOBS = 600  # enough for four workers to contend for the same rows

    def test_each_jobs_effect_happens_exactly_once(
        self, container: Container, settings: Settings, tmp_path: Path
    ) -> None:
        for _ in range(4):
            enqueue(container, *(NewJob("system.probe") for _ in range(self.JOBS // 4)))
        queue = container.job_queue()
        started = time.monotonic()
        with worker_processes(settings, tmp_path, 4, "--concurrency", "2", lease_seconds=60):
            try:
                wait_until(lambda: queue.counts("system.probe") == {"succeeded": self.JOBS}, 120, "all jobs")
            except AssertionError as exc:
                raise AssertionError(f"{queue.counts()}\n{worker_logs(tmp_path)}") from exc
        elapsed = time.monotonic() - started
        with container.engine.connect() as conn:
            ids = set(conn.execute(select(JobRow.id).where(JobRow.kind == "system.probe")).scalars())
            workers = conn.execute(select(func.count(func.distinct(JobRow.locked_by)))).scalar_one()
        done = effects(container)
        assert len(ids) == self.JOBS
        assert set(done) == ids
        assert set(done.values()) == {1}
        assert workers == 4, f"only {workers} workers took jobs in {elapsed:.1f} s"
        runs = [
            json.loads(line)
            for line in worker_logs(tmp_path, tail=None).splitlines()
            if '"job finished"' in line
        ]
        assert len(runs) == self.JOBS  # no job was even started twice (SKIP LOCKED), let alone committed
        assert {run["outcome"] for run in runs} == {"succeeded"}
