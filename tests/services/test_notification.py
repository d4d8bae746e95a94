from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from betal import bootstrap
from betal.adapters.notify import NotifyChannels, build_channels
from betal.domain.errors import NotFound
from betal.domain.job import JobStatus
from betal.domain.notification import Channel, DeliveryStatus, OutboxMessage
from betal.services.notification import DELIVER_KIND, DeliveryDeferred, deliver, queue_message
from betal.services.organisation import CreatedOrganisation
from tests.adapters.notify.smtp_server import BUSY, REJECTED, Recorder, smtp_server
from tests.jobs.support import job_of_kind

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def email(
    message_id: str, recipient: str = "kunde@example.dk", organisation_id: str | None = None
) -> OutboxMessage:
    return OutboxMessage(
        id=message_id, organisation_id=organisation_id, channel=Channel.EMAIL, recipient=recipient,
        subject="Faktura", body_text="Hej", body_html=None, status=DeliveryStatus.QUEUED, created_at=T0,
    )  # fmt: skip


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, str]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def channels(container: bootstrap.Container, smtp: tuple[Recorder, str]) -> NotifyChannels:
    return build_channels(container.settings.model_copy(update={"smtp_url": smtp[1]}))


def queued(container: bootstrap.Container, message: OutboxMessage) -> str:
    with container.uow() as uow:
        queue_message(uow, message)
        uow.commit()
    return message.id


def stored(container: bootstrap.Container, message_id: str) -> OutboxMessage:
    with container.uow() as uow:
        found = uow.outbox.get(message_id)
    assert found is not None
    return found


class TestQueueMessage:
    def test_writes_the_message_and_its_job_in_the_callers_transaction(
        self, container: bootstrap.Container
    ) -> None:
        queued(container, email("out_q1"))
        job = job_of_kind(container, DELIVER_KIND)
        assert (job.payload, job.dedupe_key, job.status) == (
            {"message_id": "out_q1"},
            "deliver:out_q1",
            JobStatus.QUEUED,
        )
        assert stored(container, "out_q1").status is DeliveryStatus.QUEUED

    def test_a_rolled_back_change_queues_nothing(self, container: bootstrap.Container) -> None:
        with container.uow() as uow:
            queue_message(uow, email("out_q2"))
            uow.rollback()
        with container.uow() as uow:
            assert uow.outbox.get("out_q2") is None
        assert container.job_queue().counts(DELIVER_KIND) == {}


class TestDeliver:
    def test_sends_once_even_when_the_job_runs_twice(
        self, container: bootstrap.Container, channels: NotifyChannels, smtp: tuple[Recorder, str]
    ) -> None:
        message_id = queued(container, email("out_d1"))
        assert deliver(container.uow, channels, message_id) is DeliveryStatus.SENT
        assert deliver(container.uow, channels, message_id) is DeliveryStatus.SENT
        assert len(smtp[0].envelopes) == 1
        assert stored(container, message_id).sent_at is not None

    def test_the_organisation_name_is_the_sender_name(
        self,
        container: bootstrap.Container,
        channels: NotifyChannels,
        smtp: tuple[Recorder, str],
        org: CreatedOrganisation,
    ) -> None:
        message_id = queued(container, email("out_d2", organisation_id=org.organisation.id))
        deliver(container.uow, channels, message_id)
        [mail] = smtp[0].messages()
        assert mail["From"].addresses[0].display_name == "Hansen & Co ApS"

    def test_a_retry_answer_raises_until_the_last_attempt_records_failed(
        self, container: bootstrap.Container, channels: NotifyChannels
    ) -> None:
        message_id = queued(container, email("out_d3", BUSY))
        with pytest.raises(DeliveryDeferred, match="451"):
            deliver(container.uow, channels, message_id)
        assert stored(container, message_id).status is DeliveryStatus.QUEUED
        assert deliver(container.uow, channels, message_id, final_attempt=True) is DeliveryStatus.FAILED
        assert stored(container, message_id).status is DeliveryStatus.FAILED
        assert deliver(container.uow, channels, message_id) is DeliveryStatus.FAILED  # not tried again

    def test_a_permanent_failure_is_recorded_at_once(
        self, container: bootstrap.Container, channels: NotifyChannels, smtp: tuple[Recorder, str]
    ) -> None:
        message_id = queued(container, email("out_d4", REJECTED))
        assert deliver(container.uow, channels, message_id) is DeliveryStatus.FAILED
        found = stored(container, message_id)
        assert (found.status, found.sent_at) == (DeliveryStatus.FAILED, None)
        assert smtp[0].envelopes == []

    def test_without_smtp_the_email_stays_in_the_dev_mailbox_marked_sent(
        self, container: bootstrap.Container
    ) -> None:
        message_id = queued(container, email("out_d5"))
        assert deliver(container.uow, NotifyChannels(), message_id) is DeliveryStatus.SENT
        with container.uow() as uow:
            [listed] = uow.outbox.list_recent(10)
        assert (listed.id, listed.status) == (message_id, DeliveryStatus.SENT)
        assert listed.sent_at is not None

    def test_an_unknown_message_is_not_found(self, container: bootstrap.Container) -> None:
        with pytest.raises(NotFound):
            deliver(container.uow, NotifyChannels(), "out_missing")
