"""``webhooks.deliver`` through the real worker: an event reaches its receiver, retries keep their
webhook-id, and a slow receiver does not hold up another endpoint's delivery."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.job import JobStatus, NewJob
from betal.domain.webhook import DELIVER_JOB, JOB_MAX_ATTEMPTS, DeliveryStatus
from betal.jobs.worker import Worker
from betal.services.organisation import CreatedOrganisation
from tests.jobs.support import enqueue, job_of_kind
from tests.services.webhook_support import add_endpoint, deliveries, delivery_jobs, publish
from tests.webhook_receiver import Answer, Receiver, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def frozen(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    built = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield built
    built.close()


def wait_for(condition: object, timeout: float) -> float:
    """Seconds until ``condition()`` held; fails the test after ``timeout``."""
    started = time.monotonic()
    while not condition():  # type: ignore[operator]
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.02)
    return time.monotonic() - started


class TestDeliverWebhook:
    def test_an_event_is_delivered_by_the_worker_and_retries_keep_the_webhook_id(
        self, frozen: Container, org: CreatedOrganisation, receiver: Receiver, clock: FrozenClock
    ) -> None:
        receiver.answer("/hook", Answer(500), Answer(200))
        endpoint = add_endpoint(frozen, org, receiver.url()).endpoint
        publish(frozen, org, "payment.succeeded")
        assert Worker(frozen, name="test").run_once() == 1
        [delivery] = deliveries(frozen, org, endpoint.id)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
        assert Worker(frozen, name="test").run_once() == 0  # the retry waits for its time
        assert delivery.next_attempt_at is not None
        clock.set(delivery.next_attempt_at)
        assert Worker(frozen, name="test").run_once() == 1
        [delivery] = deliveries(frozen, org, endpoint.id)
        assert delivery.status is DeliveryStatus.DELIVERED
        assert [r.headers["webhook-id"] for r in receiver.at("/hook")] == [delivery.id, delivery.id]
        assert [status for _, _, status in delivery_jobs(frozen)] == ["succeeded", "succeeded"]

    def test_a_payload_without_a_delivery_fails_at_once(
        self, frozen: Container, org: CreatedOrganisation
    ) -> None:
        enqueue(
            frozen,
            NewJob(DELIVER_JOB, {}, organisation_id=org.organisation.id, max_attempts=JOB_MAX_ATTEMPTS),
        )
        Worker(frozen, name="test").run_once()
        job = job_of_kind(frozen, DELIVER_JOB)
        assert job.status is JobStatus.FAILED
        assert job.last_error is not None
        assert "delivery_id" in job.last_error


class TestIsolation:
    def test_a_slow_receiver_does_not_hold_up_another_endpoint(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver
    ) -> None:
        receiver.answer("/slow", Answer(200, delay=6))
        receiver.answer("/fast", Answer(200))
        slow = add_endpoint(container, org, receiver.url("/slow"), events=("payment.failed",)).endpoint
        fast = add_endpoint(container, org, receiver.url("/fast"), events=("payment.succeeded",)).endpoint
        stop = threading.Event()
        worker = Worker(container, name="pool", concurrency=4, poll_interval=0.05)
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        thread.start()
        try:
            publish(container, org, "payment.failed")
            wait_for(lambda: receiver.at("/slow"), 10)  # the slow receiver now holds one job thread
            publish(container, org, "payment.succeeded")
            waited = wait_for(
                lambda: deliveries(container, org, fast.id)[0].status is DeliveryStatus.DELIVERED, 10
            )
            assert waited < 4, "the fast endpoint waited for the slow one"
            assert deliveries(container, org, slow.id)[0].status is DeliveryStatus.PENDING
            wait_for(lambda: deliveries(container, org, slow.id)[0].status is DeliveryStatus.DELIVERED, 15)
        finally:
            stop.set()
            thread.join(timeout=20)
        assert not thread.is_alive()
