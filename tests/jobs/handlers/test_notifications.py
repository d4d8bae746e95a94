from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.config import Settings
from betal.domain.job import JobStatus, NewJob
from betal.domain.notification import Channel, DeliveryStatus
from betal.domain.tenancy import Principal, Role
from betal.jobs.worker import Worker
from betal.services.customer import NewCustomer, create_customer
from betal.services.inbox import request_code
from betal.services.notification import DELIVER_KIND, MAX_ATTEMPTS
from betal.services.organisation import create_organisation
from tests.adapters.notify.smtp_server import BUSY, Recorder, smtp_server
from tests.conftest import LiveServer
from tests.jobs.support import T0, enqueue, job_of_kind


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, str]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def mailing(settings: Settings, smtp: tuple[Recorder, str]) -> Iterator[bootstrap.Container]:
    """A container whose settings send e-mail to the aiosmtpd server; its clock moves when told."""
    configured = settings.model_copy(update={"smtp_url": smtp[1]})
    c = bootstrap.build(configured, clock=FrozenClock(T0), hasher=Argon2PasswordHasher(fast=True))
    yield c
    c.close()


def add_customer(
    container: bootstrap.Container, *, email: str | None = None, phone: str | None = None
) -> None:
    with container.uow() as uow:
        created = create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")
    principal = Principal(created.organisation.id, Role.OWNER, "user", "u")
    with container.uow() as uow:
        create_customer(
            uow, container.cipher, principal, NewCustomer(name="Søren Kierkegaard", email=email, phone=phone)
        )


def ask_for_code(container: bootstrap.Container, destination: str) -> None:
    with container.uow() as uow:
        request_code(uow, container.cipher, container.renderer(), destination)


class TestDeliverMessage:
    def test_a_login_code_reaches_the_smtp_server_through_the_worker(
        self, mailing: bootstrap.Container, smtp: tuple[Recorder, str]
    ) -> None:
        add_customer(mailing, email="soren@example.dk")
        ask_for_code(mailing, "soren@example.dk")
        assert Worker(mailing, name="test").run_once() >= 1
        [mail] = smtp[0].messages()
        assert mail["To"] == "soren@example.dk"
        text, _html = mail.iter_parts()
        assert re.search(r"koden? .*\b\d{6}\b", text.get_content())
        job = job_of_kind(mailing, DELIVER_KIND)
        assert job.status is JobStatus.SUCCEEDED
        assert job.result is not None
        assert job.result["status"] == "sent"
        Worker(mailing, name="test").run_once()  # nothing runs twice
        assert len(smtp[0].envelopes) == 1

    def test_a_busy_server_is_retried_with_backoff_and_failed_on_the_last_attempt(
        self, mailing: bootstrap.Container
    ) -> None:
        add_customer(mailing, email=BUSY)
        ask_for_code(mailing, BUSY)
        worker = Worker(mailing, name="test")
        worker.run_once()
        job = job_of_kind(mailing, DELIVER_KIND)
        assert (job.status, job.attempts) == (JobStatus.QUEUED, 1)
        assert job.last_error is not None
        assert "451" in job.last_error
        clock = mailing.clock
        assert isinstance(clock, FrozenClock)
        for _ in range(MAX_ATTEMPTS - 1):
            clock.advance(timedelta(hours=2))
            worker.run_once()
        job = job_of_kind(mailing, DELIVER_KIND)
        assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, MAX_ATTEMPTS)
        with mailing.uow() as uow:
            [message] = uow.outbox.list_for_recipient(BUSY, 5)
        assert message.status is DeliveryStatus.FAILED

    def test_a_payload_without_message_id_fails_at_once(self, mailing: bootstrap.Container) -> None:
        enqueue(mailing, NewJob(DELIVER_KIND, {}))
        Worker(mailing, name="test").run_once()
        assert job_of_kind(mailing, DELIVER_KIND).status is JobStatus.FAILED

    def test_an_sms_code_reaches_the_sandbox_gateway(self, live_server: LiveServer) -> None:
        add_customer(live_server.container, phone="20304050")
        ask_for_code(live_server.container, "20304050")
        live_server.run_jobs()
        [sms] = httpx.get(f"{live_server.url}/sandbox/sms/messages").json()["messages"]
        assert sms["recipients"] == [{"msisdn": 4520304050}]
        assert re.search(r"\b\d{6}\b", sms["message"])
        with live_server.container.uow() as uow:
            [message] = uow.outbox.list_for_recipient("+4520304050", 5)
        assert (message.channel, message.status) == (Channel.SMS, DeliveryStatus.SENT)

    def test_without_smtp_an_email_code_stays_in_the_dev_mailbox(self, live_server: LiveServer) -> None:
        add_customer(live_server.container, email="soren@example.dk")
        ask_for_code(live_server.container, "soren@example.dk")
        live_server.run_jobs()
        with live_server.container.uow() as uow:
            [message] = uow.outbox.list_for_recipient("soren@example.dk", 5)
        assert message.status is DeliveryStatus.SENT
        assert httpx.get(f"{live_server.url}/sandbox/sms/messages").json()["messages"] == []
