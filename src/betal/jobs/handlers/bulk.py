"""Job ``payment_requests.bulk``: create the payment requests of a bulk file, reporting progress.

Queued by ``POST /v1/payment-requests/bulk`` (``services.bulk.enqueue_bulk``); the file format and the
transaction rules are in ``betal.services.bulk``. Progress ``(rows done, rows)`` is reported every
``services.bulk.BATCH`` rows, so ``GET /v1/jobs/{id}`` shows it while the job runs. The result is
``{total, created, failed, errors: [{line, field, message}, ...]}`` (the first 1000 errors).

Unlike most jobs the rows commit batch by batch in their own units of work (one bad row must never undo
the good ones, and a long import must not hold one transaction open); each created row records the
idempotency key ``<job id>:<line>``, so a retried job skips the rows it created before.
"""

from __future__ import annotations

from typing import Any

from betal.jobs.registry import JobContext, handler
from betal.ports import Actor, UnitOfWork
from betal.services import bulk


@handler(bulk.JOB_KIND)
def create_payment_requests(ctx: JobContext) -> dict[str, Any]:
    principal, rows = bulk.job_input(ctx.job)
    actor = Actor(principal.actor_type, principal.actor_id)

    def new_uow() -> UnitOfWork:
        return ctx.container.uow(actor)

    result = bulk.run_rows(
        new_uow, principal, rows, key_prefix=f"{bulk.JOB_KIND}:{ctx.job.id}", on_progress=ctx.progress
    )
    return result.as_dict()
