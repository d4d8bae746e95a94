"""Delivering outbox messages as durable jobs: queue with the change, send after commit, record the outcome.

Spec: DESIGN.md "Layers" (state changes and the jobs they cause commit in one transaction; nothing is sent
inside a request transaction), "Components and how they start" (``BETAL_SMTP_URL`` unset = the dev
mailbox); docs/notifications.md "Channels". The issue's rule: a crash or retry of the worker never sends
the same message twice, so:

- ``queue_message`` writes the message and its ``notifications.deliver`` job (dedupe key
  ``deliver:<message id>``: one delivery job per message and channel, a message having one channel) in the
  caller's transaction; a rollback leaves neither.
- ``deliver`` sends only a ``queued`` message and records ``sent`` or ``failed`` at once in its own
  transaction, so a job that runs again finds it done and sends nothing. A ``retry`` answer raises
  ``DeliveryDeferred`` (the job engine retries with backoff); on the job's last attempt it is recorded
  ``failed``. The window between the gateway's acceptance and that record is covered by the channel's
  own key: the e-mail Message-ID and the SMS ``userref`` are the outbox id.
- A channel nothing delivers (no ``BETAL_SMTP_URL``; push) keeps the message in the dev mailbox and marks
  it ``sent`` with ``sent_at``: it reached the only mailbox there is, and the dev mailbox shows it.
"""

from __future__ import annotations

from collections.abc import Callable

from betal.domain.delivery import DEV_MAILBOX, DeliveryResult, settle
from betal.domain.errors import NotFound
from betal.domain.job import NewJob
from betal.domain.notification import DeliveryStatus, OutboxMessage
from betal.ports import Channels, UnitOfWork

DELIVER_KIND = "notifications.deliver"
MAX_ATTEMPTS = 10  # with the engine's backoff (2 s doubling, capped at 1 h): about 17 minutes


class DeliveryDeferred(Exception):
    """The channel asked to try again later; the job engine retries with backoff."""


def queue_message(uow: UnitOfWork, message: OutboxMessage) -> None:
    """Write ``message`` to the outbox and enqueue its delivery, in the caller's transaction."""
    uow.outbox.add(message)
    uow.enqueue(
        NewJob(
            DELIVER_KIND,
            {"message_id": message.id},
            organisation_id=message.organisation_id,
            dedupe_key=f"deliver:{message.id}",
            max_attempts=MAX_ATTEMPTS,
        )
    )


def _load(new_uow: Callable[[], UnitOfWork], message_id: str) -> tuple[OutboxMessage, str | None]:
    with new_uow() as uow:
        message = uow.outbox.get(message_id)
        if message is None:
            raise NotFound("no such outbox message", code="outbox_message.not_found")
        organisation = None
        if message.organisation_id is not None:
            organisation = uow.organisations.get(message.organisation_id)
        return message, None if organisation is None else organisation.name


def deliver(
    new_uow: Callable[[], UnitOfWork], channels: Channels, message_id: str, *, final_attempt: bool = False
) -> DeliveryStatus:
    """Send one queued message through its channel, outside any transaction, and record the outcome.

    Returns the message's status; an already sent or failed message is not sent again. Raises
    ``DeliveryDeferred`` when the channel asks for a retry and this is not ``final_attempt``.
    """
    message, sender_name = _load(new_uow, message_id)
    if message.status is not DeliveryStatus.QUEUED:
        return message.status
    channel = channels.get(message.channel)
    if channel is None:
        result = DeliveryResult.sent(DEV_MAILBOX)
    else:
        result = channel.send(message, sender_name=sender_name)
    status = settle(result, final_attempt=final_attempt)
    if status is None:
        raise DeliveryDeferred(result.detail)
    with new_uow() as uow:
        at = uow.clock.now() if status is DeliveryStatus.SENT else None
        uow.outbox.set_status(message_id, status.value, at)
        uow.audit(message.organisation_id, f"notification.{status.value}", "outbox_message", message_id,
                  channel=message.channel.value, detail=result.detail[:300])  # fmt: skip
        uow.commit()
    return status
