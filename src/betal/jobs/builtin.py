"""Built-in job kinds: ``system.probe`` (exercises the engine) and the hourly ``system.cleanup``.

``system.probe`` payload: ``sleep`` seconds (default 0) slept on each of the first ``sleep_attempts``
attempts (default: every attempt), and ``fail_times`` (default 0) attempts that raise a retryable
error. Its one effect is an audit entry ``system.probe`` on the job, which tests count.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from betal.jobs.registry import JobContext, PermanentError, handler, schedule

IDEMPOTENCY_KEY_TTL = timedelta(hours=24)


class ProbeFailure(RuntimeError):
    """The retryable failure ``system.probe`` raises while ``attempts <= fail_times``."""


def _number(payload: dict[str, Any], key: str, default: float) -> float:
    value = payload.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise PermanentError(f"system.probe: {key} must be a number >= 0")
    return float(value)


@handler("system.probe")
def probe(ctx: JobContext) -> dict[str, Any]:
    job = ctx.job
    sleep = _number(job.payload, "sleep", 0)
    sleep_attempts = _number(job.payload, "sleep_attempts", job.max_attempts)
    fail_times = _number(job.payload, "fail_times", 0)
    if sleep and job.attempts <= sleep_attempts:
        time.sleep(sleep)
    if job.attempts <= fail_times:
        raise ProbeFailure(f"system.probe failing on purpose (attempt {job.attempts} of {int(fail_times)})")
    ctx.uow.audit(job.organisation_id, "system.probe", "job", job.id, attempt=job.attempts)
    return {"attempt": job.attempts}


@handler("system.cleanup")
def cleanup(ctx: JobContext) -> dict[str, Any]:
    """Delete expired portal sessions and idempotency keys older than 24 hours."""
    now = ctx.uow.clock.now()
    sessions = ctx.uow.web_sessions.delete_expired(now)
    keys = ctx.container.job_queue().purge_idempotency(ctx.uow, now - IDEMPOTENCY_KEY_TTL)
    return {"web_sessions": sessions, "idempotency_keys": keys}


schedule("system.cleanup", "system.cleanup", timedelta(hours=1))
