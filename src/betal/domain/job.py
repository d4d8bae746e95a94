"""Durable jobs: the unit of background work, and the retry rule.

A job is enqueued in the same transaction as the change that asks for it (transactional outbox),
claimed by one worker under a lease, retried with exponential backoff, and ends ``succeeded`` or
``failed`` after ``max_attempts``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from betal.domain.ids import new_id


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class NewJob:
    """A request to run ``kind`` with ``payload``; written when the unit of work commits."""

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    organisation_id: str | None = None
    run_at: datetime | None = None
    dedupe_key: str | None = None
    max_attempts: int = 10
    id: str = field(default_factory=lambda: new_id("job"))  # known before commit, e.g. to answer 202


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    payload: dict[str, Any]
    organisation_id: str | None
    status: JobStatus
    run_at: datetime
    attempts: int
    max_attempts: int
    lease_until: datetime | None
    locked_by: str | None
    dedupe_key: str | None
    last_error: str | None
    progress_done: int
    progress_total: int | None
    result: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


def backoff(
    attempt: int, *, base_seconds: float = 2.0, cap_seconds: float = 3600.0, jitter: float = 0.1
) -> timedelta:
    """Delay before retry number ``attempt`` (1-based): base * 2^(attempt-1), capped, ±jitter."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    delay = min(cap_seconds, base_seconds * 2 ** (attempt - 1))
    spread = delay * jitter
    return timedelta(seconds=delay + random.uniform(-spread, spread))
