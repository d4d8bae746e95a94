"""Recurring collections and Betalingsservice: ``recurring.issue_due`` and ``betalingsservice.fetch``.

- ``recurring.issue_due`` (every hour): issue the payment requests whose issue date has come by today's
  Copenhagen business date, and submit the Betalingsservice collections of customers with an active
  mandate (``services.recurring.issue_due``; idempotent per collection and due date). Payload
  ``{"today": "YYYY-MM-DD"}`` overrides the date (tests, catching up).
- ``betalingsservice.fetch`` (every 10 minutes): read the mandate and payment information deliveries
  Betalingsservice produced (danish-payments.md §3.1, 0602 / 0603) and apply each once: mandates move,
  collections settle (``succeeded`` when the debtor paid, ``failed`` when rejected). An exchange that
  cannot be reached now is read again on the next run; deliveries are applied once by their id.

Both call services that span transactions (a provider is called between them), so they use fresh
units of work from the container and leave the job's own unit untouched until the runner marks the
job done (on SQLite an open write transaction there would block them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from betal.config import ConfigError
from betal.domain.calendar import business_date
from betal.domain.provider import ProviderRateLimited, ProviderUnavailable
from betal.jobs.registry import JobContext, PermanentError, handler, schedule
from betal.ports import Actor, UnitOfWork
from betal.services import enrollment, recurring

ISSUE_KIND = "recurring.issue_due"
FETCH_KIND = "betalingsservice.fetch"


def _units(ctx: JobContext) -> Callable[[], UnitOfWork]:
    actor = Actor("system", f"job:{ctx.job.kind}")

    def new_uow() -> UnitOfWork:
        return ctx.container.uow(actor)

    return new_uow


def _today(ctx: JobContext) -> date:
    value = ctx.job.payload.get("today")
    if value is None:
        return business_date(ctx.container.clock.now())
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PermanentError(f"{ISSUE_KIND}: today must be a date YYYY-MM-DD, not {value!r}") from None


@handler(ISSUE_KIND)
def issue_due(ctx: JobContext) -> dict[str, Any]:
    report = recurring.issue_due(_units(ctx), ctx.container.providers, _today(ctx))
    return asdict(report) | {"blocked": list(report.blocked)}


@handler(FETCH_KIND)
def fetch(ctx: JobContext) -> dict[str, Any]:
    try:
        source: enrollment.InformationSource = ctx.container.providers.by_key(enrollment.PROVIDER)
        return asdict(enrollment.apply_information(_units(ctx), source))
    except ConfigError as exc:  # live mode without a Betalingsservice exchange configured
        return {"skipped": str(exc)}
    except (ProviderUnavailable, ProviderRateLimited) as exc:  # the next run, 10 minutes on, reads again
        return {"deferred": exc.detail}


schedule(ISSUE_KIND, ISSUE_KIND, timedelta(hours=1))
schedule(FETCH_KIND, FETCH_KIND, timedelta(minutes=10))
