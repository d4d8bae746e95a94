"""Reminders and customer notifications: ``reminders.run`` and ``notifications.request_created``.

- ``reminders.run`` (every 5 minutes): mark requests overdue, send the reminders whose time has come and
  add the charges of late payment (``services.reminder.run_due``; each request in its own transaction).
  A run that finds nothing due is cheap: it reads the requests whose ``next_reminder_at`` has passed.
- ``notifications.request_created`` (queued with each new request, dedupe key per request): tell the
  customer about the request on their preferred channel (``services.notify.notify_request_created``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from betal.jobs.registry import JobContext, PermanentError, handler, schedule
from betal.ports import Actor, UnitOfWork
from betal.services.notify import Links, notify_request_created
from betal.services.payment_request import NOTIFY_KIND
from betal.services.reminder import Engine, run_due

RUN_KIND = "reminders.run"
CREATED_KIND = NOTIFY_KIND


def engine(ctx: JobContext) -> Engine:
    container = ctx.container
    links = Links(container.signer, container.settings.base_url)
    return Engine(container.renderer(), links, container.reference_rates())


@handler(RUN_KIND)
def run(ctx: JobContext) -> dict[str, Any]:
    actor = Actor("system", f"job:{RUN_KIND}")

    def new_uow() -> UnitOfWork:
        return ctx.container.uow(actor)

    return asdict(run_due(new_uow, engine(ctx)))


@handler(CREATED_KIND)
def request_created(ctx: JobContext) -> dict[str, Any]:
    organisation_id = ctx.job.payload.get("organisation_id")
    request_id = ctx.job.payload.get("payment_request_id")
    if not isinstance(organisation_id, str) or not isinstance(request_id, str):
        raise PermanentError("payload needs organisation_id and payment_request_id")
    queued = notify_request_created(
        ctx.uow, ctx.container.renderer(), engine(ctx).links, organisation_id, request_id
    )
    return {"queued": queued}


schedule(RUN_KIND, RUN_KIND, timedelta(minutes=5))
