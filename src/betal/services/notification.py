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
- A channel nothing delivers (e-mail without ``BETAL_SMTP_URL``) keeps the message in the dev mailbox and
  marks it ``sent`` with ``sent_at``: it reached the only mailbox there is, and the dev mailbox shows it.
- A message about a request that was paid or cancelled since it was queued is recorded ``dropped``, not
  sent; a permanent failure is recorded with what ``on_failure`` queues (the next channel).
"""

from __future__ import annotations

from collections.abc import Callable

from betal.domain.delivery import DEV_MAILBOX, DeliveryResult, settle
from betal.domain.errors import NotFound
from betal.domain.job import NewJob
from betal.domain.notification import CUSTOMER_TEMPLATES, DeliveryStatus, OutboxMessage
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


def _load(new_uow: Callable[[], UnitOfWork], message_id: str) -> tuple[OutboxMessage, str | None, bool]:
    """The message, the organisation's sender name, and whether what it is about still stands."""
    with new_uow() as uow:
        message = uow.outbox.get(message_id)
        if message is None:
            raise NotFound("no such outbox message", code="outbox_message.not_found")
        organisation = None
        if message.organisation_id is not None:
            organisation = uow.organisations.get(message.organisation_id)
        current = True
        if message.template in CUSTOMER_TEMPLATES and message.organisation_id and message.related_id:
            request = uow.payment_requests.get(message.organisation_id, message.related_id)
            current = request is not None and request.is_payable
        return message, None if organisation is None else organisation.display_sender, current


OnFailure = Callable[[UnitOfWork, OutboxMessage], object]


def deliver(
    new_uow: Callable[[], UnitOfWork],
    channels: Channels,
    message_id: str,
    *,
    final_attempt: bool = False,
    on_failure: OnFailure | None = None,
) -> DeliveryStatus:
    """Send one queued message through its channel, outside any transaction, and record the outcome.

    Returns the message's status; an already sent or failed message is not sent again. A message about a
    request that was paid or cancelled since it was queued is ``dropped``, not sent. Raises
    ``DeliveryDeferred`` when the channel asks for a retry and this is not ``final_attempt``. A failure is
    recorded together with what ``on_failure`` does (the fallback to the customer's next channel).
    """
    message, sender_name, current = _load(new_uow, message_id)
    if message.status is not DeliveryStatus.QUEUED:
        return message.status
    if not current:
        result = DeliveryResult.permanent_failure("the request was settled before the send time")
        status = DeliveryStatus.DROPPED
    else:
        channel = channels.get(message.channel)
        result = (
            DeliveryResult.sent(DEV_MAILBOX)
            if channel is None
            else channel.send(message, sender_name=sender_name)
        )
        settled = settle(result, final_attempt=final_attempt)
        if settled is None:
            raise DeliveryDeferred(result.detail)
        status = settled
    with new_uow() as uow:
        at = uow.clock.now() if status is DeliveryStatus.SENT else None
        uow.outbox.set_status(message_id, status.value, at, result.detail or None)
        uow.audit(message.organisation_id, f"notification.{status.value}", "outbox_message", message_id,
                  channel=message.channel.value, detail=result.detail[:300])  # fmt: skip
        if status is DeliveryStatus.FAILED and on_failure is not None:
            on_failure(uow, message)
        uow.commit()
    return status
