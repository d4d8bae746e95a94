"""Polling providers for payments that are still open: ``payments.poll_providers`` and ``payments.refresh``.

Providers without callbacks (Berlin Group PIS: standards §9 "poll ``GET …/status``") only tell us where a
payment stands when we ask. The return page asks once; this job asks again every 30 seconds, so a standard
transfer that settles a day later makes its request paid although the payer never comes back.

- ``payments.poll_providers`` (scheduled every 30 s): each initiated or pending payment with a provider
  reference, created at least ``min_age_seconds`` ago (payload; default 5, so a payer still at the bank
  is not raced), is refreshed through ``services.checkout.refresh_payment``. A provider that cannot poll
  (``NotSupported``, or no ``poll`` capability) is skipped; a provider error leaves that payment for the
  next run, and the others go on.
- ``payments.refresh`` (one-off, payload ``{organisation_id, payment_id}``): one payment now. Provider
  errors are raised so the job engine retries them with backoff; a rejection is permanent.

``refresh_payment`` spans transactions by design (the provider is called between them), so both handlers
use fresh units of work from the container and leave the job's own unit untouched until the runner marks
the job done: on SQLite an open write transaction there would block the refreshes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from betal.domain.payment import Payment
from betal.domain.provider import (
    Capability,
    NotSupported,
    ProviderRateLimited,
    ProviderRejected,
    ProviderUnavailable,
)
from betal.jobs.registry import JobContext, PermanentError, handler, schedule
from betal.ports import Actor, Providers, UnitOfWork
from betal.services.checkout import refresh_payment

POLL_KIND = "payments.poll_providers"
REFRESH_KIND = "payments.refresh"
POLL_EVERY = timedelta(seconds=30)
DEFAULT_MIN_AGE_SECONDS = 5
BATCH = 200

NewUow = Callable[[], UnitOfWork]


def _new_uow(ctx: JobContext) -> NewUow:
    actor = Actor("system", f"job:{ctx.job.kind}")
    return lambda: ctx.container.uow(actor)


def _min_age(payload: dict[str, Any]) -> timedelta:
    value = payload.get("min_age_seconds", DEFAULT_MIN_AGE_SECONDS)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise PermanentError(f"{POLL_KIND}: min_age_seconds must be a number >= 0")
    return timedelta(seconds=value)


def _poll_one(new_uow: NewUow, providers: Providers, payment: Payment) -> str:
    """Refresh one payment; the outcome names what happened (for the job's result)."""
    try:
        if Capability.POLL not in providers.for_method(payment.method).capabilities:
            return "skipped"
        refreshed = refresh_payment(
            new_uow, providers, organisation_id=payment.organisation_id, payment_id=payment.id
        )
    except NotSupported:
        return "skipped"
    except (ProviderUnavailable, ProviderRateLimited):
        return "retry_later"  # the next run asks again
    except ProviderRejected:
        return "rejected"
    return "unchanged" if refreshed.status is payment.status else str(refreshed.status)


@handler(POLL_KIND)
def poll_providers(ctx: JobContext) -> dict[str, Any]:
    new_uow = _new_uow(ctx)
    cutoff = ctx.container.clock.now() - _min_age(ctx.job.payload)
    with new_uow() as uow:
        candidates = uow.payments.list_open(BATCH)
    outcomes: Counter[str] = Counter()
    for payment in candidates:
        if payment.provider_reference is None or payment.created_at > cutoff:
            outcomes["too_new"] += 1
            continue
        outcomes[_poll_one(new_uow, ctx.container.providers, payment)] += 1
    return dict(outcomes)


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise PermanentError(f"{REFRESH_KIND}: the payload needs {key}")
    return value


@handler(REFRESH_KIND)
def refresh(ctx: JobContext) -> dict[str, Any]:
    organisation_id = _text(ctx.job.payload, "organisation_id")
    payment_id = _text(ctx.job.payload, "payment_id")
    try:
        payment = refresh_payment(
            _new_uow(ctx), ctx.container.providers, organisation_id=organisation_id, payment_id=payment_id
        )
    except NotSupported:
        return {"payment_id": payment_id, "skipped": "not_supported"}
    except ProviderRejected as exc:
        raise PermanentError(f"the provider rejected the status request: {exc.detail}") from exc
    return {"payment_id": payment_id, "status": payment.status.value}


schedule(POLL_KIND, POLL_KIND, POLL_EVERY)
