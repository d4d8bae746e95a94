"""Job ``notifications.deliver``: deliver one outbox message by e-mail or SMS.

Queued by ``services.notification.queue_message`` in the transaction that wrote the message (payload
``{"message_id"}``, dedupe key ``deliver:<message id>``). The channels come from the container
(``Container.channels()``: SMTP when ``BETAL_SMTP_URL`` is set, the SMS gateway, else the dev mailbox);
docs/notifications.md "Channels". ``deliver`` reads and records in fresh units of work around the send,
leaving the job's own unit untouched (as ``provider_polling`` does), so a send is never inside a
transaction. A retry answer raises and the engine retries with backoff; the last attempt records
``failed``, and a message that failed for good is queued on the customer's next channel (``fallback``).
"""

from __future__ import annotations

from typing import Any

from betal.domain.notification import OutboxMessage
from betal.jobs.registry import JobContext, PermanentError, handler
from betal.ports import Actor, UnitOfWork
from betal.services.notification import DELIVER_KIND, deliver
from betal.services.notify import fallback


@handler(DELIVER_KIND)
def deliver_message(ctx: JobContext) -> dict[str, Any]:
    message_id = ctx.job.payload.get("message_id")
    if not isinstance(message_id, str):
        raise PermanentError("payload needs a message_id")
    actor = Actor("system", f"job:{DELIVER_KIND}")

    def new_uow() -> UnitOfWork:
        return ctx.container.uow(actor)

    final = ctx.job.attempts >= ctx.job.max_attempts
    renderer = ctx.container.renderer()

    def next_channel(uow: UnitOfWork, failed: OutboxMessage) -> object:
        return fallback(uow, renderer, failed)

    channels = ctx.container.channels()
    status = deliver(new_uow, channels, message_id, final_attempt=final, on_failure=next_channel)
    return {"message_id": message_id, "status": status.value}
