"""Job ``webhooks.deliver``: one attempt of one webhook delivery (``services.webhook_delivery.deliver``).

Enqueued by the unit of work with each event (one per delivery, dedupe key ``webhook:<delivery id>``),
and again by each failed attempt at the time the retry schedule says (docs/webhooks.md "Delivery and
retries"). Payload ``{"delivery_id"}``. Every delivery is a job of its own and the worker runs jobs in a
thread pool (``betal worker --concurrency N``), so a slow receiver holds one thread for at most the
timeout and never the other endpoints' deliveries. The reads and the HTTP call happen outside the job's
unit of work; the attempt is recorded in it and commits with the job's completion.
"""

from __future__ import annotations

from typing import Any

from betal.domain.webhook import DELIVER_JOB
from betal.jobs.registry import JobContext, PermanentError, handler
from betal.ports import Actor, UnitOfWork
from betal.services.webhook_delivery import Outbound, deliver


@handler(DELIVER_JOB)
def deliver_webhook(ctx: JobContext) -> dict[str, Any]:
    delivery_id = ctx.job.payload.get("delivery_id")
    organisation_id = ctx.job.organisation_id
    if not isinstance(delivery_id, str) or organisation_id is None:
        raise PermanentError("a webhooks.deliver job needs a delivery_id and an organisation")
    container = ctx.container
    actor = Actor("system", f"job:{DELIVER_JOB}")

    def new_uow() -> UnitOfWork:
        return container.uow(actor)

    out = Outbound(
        transport=container.webhook_transport(),
        signer=container.webhook_signer(),
        cipher=container.cipher,
        live=not container.settings.is_sandbox,
        renderer=container.renderer(),
        base_url=container.settings.base_url,
    )
    outcome = deliver(new_uow, ctx.uow, out, organisation_id, delivery_id)
    return {"delivery_id": delivery_id, "outcome": outcome}
