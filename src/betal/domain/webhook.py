"""Webhook endpoints, deliveries and attempts: what a receiver subscribes to and how delivery goes on.

Spec: API.md "Events and webhooks"; the Standard Webhooks specification as summarised in the standards
notes §10 (standard-webhooks/standard-webhooks:spec/standard-webhooks.md): success is any 2xx and a 3xx is
a failure; ``410 Gone`` disables the endpoint; 429, 502 and 504 throttle and ``Retry-After`` is honoured;
retries follow the schedule immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (with
±20 % jitter here, so receivers that failed together do not all come back at once). Secrets are
``whsec_`` + base64 of 32 random bytes (the spec allows 24 to 64).

- An endpoint's ``events`` filter is a tuple of event types; the empty tuple subscribes to every type.
- A delivery is one event for one endpoint; its id is the ``webhook-id`` header on every attempt and on
  a manual redelivery, so receivers deduplicate by it.
- An endpoint that keeps failing for ``DISABLE_AFTER`` (3 days since the first failure after a success)
  is disabled; so is one that answers 410.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

from betal.domain.errors import FieldProblem, InvalidInput
from betal.domain.events import EVENT_TYPES, Event
from betal.domain.job import NewJob

DELIVER_JOB = "webhooks.deliver"
JOB_MAX_ATTEMPTS = 5  # the job engine's retries cover a crash of the job itself, not a failed attempt
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
RETRY_SCHEDULE = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
JITTER = 0.2
MAX_RETRY_AFTER = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=3)
ROTATION_OVERLAP = timedelta(hours=24)
MAX_DESCRIPTION = 500
MAX_EXCERPT = 500
THROTTLING = frozenset({429, 502, 504})


class EndpointStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    DELETED = "deleted"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # every scheduled attempt failed
    CANCELLED = "cancelled"  # the endpoint was disabled or deleted first


class Outcome(StrEnum):
    """What one attempt's answer means (Standard Webhooks "Delivery")."""

    DELIVERED = "delivered"
    GONE = "gone"
    THROTTLED = "throttled"
    FAILED = "failed"


class DisableReason(StrEnum):
    GONE = "gone"  # the receiver answered 410
    FAILING = "failing"  # failing for DISABLE_AFTER


@dataclass(frozen=True)
class WebhookEndpoint:
    id: str
    organisation_id: str
    url: str
    events: tuple[str, ...]  # empty: every type
    description: str
    status: EndpointStatus
    ordered: bool  # deliver by event sequence: a later event waits for an earlier pending one
    created_at: datetime
    updated_at: datetime
    disabled_reason: str | None = None
    failing_since: datetime | None = None

    def accepts(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


@dataclass(frozen=True)
class StoredSecrets:
    """An endpoint's signing secrets as stored: ciphertexts of the ``Cipher``, never the secrets."""

    secret: str
    previous_secret: str | None = None
    previous_expires_at: datetime | None = None  # the old secret signs alongside the new one until then


@dataclass(frozen=True)
class WebhookDelivery:
    id: str  # the webhook-id header: the same on every attempt and redelivery
    organisation_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    event_sequence: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None = None
    schedule_start: int = 0  # attempts made before the current schedule began (a redelivery restarts it)

    @property
    def scheduled_attempts(self) -> int:
        """Attempts made on the current schedule (the retry delays count from these)."""
        return self.attempts - self.schedule_start


@dataclass(frozen=True)
class DeliveryAttempt:
    id: str
    organisation_id: str
    delivery_id: str
    endpoint_id: str
    number: int
    attempted_at: datetime
    outcome: Outcome
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def deliver_job(
    organisation_id: str, delivery_id: str, *, first: bool = False, run_at: datetime | None = None
) -> NewJob:
    """The ``webhooks.deliver`` job of one delivery; the first one (dedupe key ``webhook:<id>``) is
    enqueued with the event, each later one by the attempt or redelivery before it."""
    return NewJob(
        DELIVER_JOB,
        {"delivery_id": delivery_id},
        organisation_id=organisation_id,
        run_at=run_at,
        dedupe_key=f"webhook:{delivery_id}" if first else None,
        max_attempts=JOB_MAX_ATTEMPTS,
    )


def validate_events(events: Sequence[str]) -> tuple[str, ...]:
    """The filter as a sorted tuple without repeats; an unknown type is ``InvalidInput`` naming it."""
    unknown = sorted({name for name in events if name not in EVENT_TYPES})
    if unknown:
        problems = [FieldProblem("events", f"{name!r} is not an event type") for name in unknown]
        raise InvalidInput(
            f"unknown event type: {', '.join(unknown)}", errors=problems, code="webhook_endpoint.invalid"
        )
    return tuple(sorted(set(events)))


def validate_description(description: str) -> str:
    clean = " ".join(description.split())
    if len(clean) > MAX_DESCRIPTION:
        raise InvalidInput(f"must be at most {MAX_DESCRIPTION} characters", field="description")
    return clean


def outcome_of(status_code: int | None) -> Outcome:
    """2xx delivered; 410 gone; 429, 502 and 504 throttled; anything else (3xx too, no answer) failed."""
    if status_code is None:
        return Outcome.FAILED
    if 200 <= status_code < 300:
        return Outcome.DELIVERED
    if status_code == 410:
        return Outcome.GONE
    if status_code in THROTTLING:
        return Outcome.THROTTLED
    return Outcome.FAILED


def retry_delay(attempts_made: int, random: Callable[[], float]) -> timedelta | None:
    """The wait before attempt ``attempts_made + 1`` (±20 % jitter), or None when the schedule is over.

    ``random`` returns a float in [0, 1), e.g. ``random.Random().random``.
    """
    if attempts_made < 1:
        raise ValueError("the first attempt is not a retry")
    if attempts_made >= len(RETRY_SCHEDULE):
        return None
    base = RETRY_SCHEDULE[attempts_made]
    return base * (1 + JITTER * (2 * random() - 1))


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date; capped at 24 h; None if absent."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        wait = timedelta(seconds=int(text[:9]))
    else:
        try:
            wait = parsedate_to_datetime(text) - now
        except (TypeError, ValueError):
            return None
    return max(timedelta(0), min(wait, MAX_RETRY_AFTER))


def after_success(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return endpoint if endpoint.failing_since is None else replace(endpoint, failing_since=None)


def after_failure(endpoint: WebhookEndpoint, now: datetime) -> tuple[WebhookEndpoint, bool]:
    """Mark the endpoint failing since now (if it was not); True when it has failed for 3 days."""
    if endpoint.failing_since is None:
        return replace(endpoint, failing_since=now), False
    return endpoint, now - endpoint.failing_since >= DISABLE_AFTER


def disabled(endpoint: WebhookEndpoint, reason: str, now: datetime) -> WebhookEndpoint:
    return replace(endpoint, status=EndpointStatus.DISABLED, disabled_reason=reason, updated_at=now)


def excerpt(body: bytes) -> str | None:
    """At most ``MAX_EXCERPT`` characters of a response body, undecodable bytes replaced."""
    if not body:
        return None
    return body.decode("utf-8", errors="replace")[:MAX_EXCERPT]


def event_payload(event: Event) -> bytes:
    """The body of every delivery of ``event``: ``{"id", "type", "created_at", "sequence",
    "organisation_id", "data"}`` as compact UTF-8 JSON (the same bytes on every attempt)."""
    created = event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    document = {
        "id": event.id,
        "type": event.type,
        "created_at": created,
        "sequence": event.sequence,
        "organisation_id": event.organisation_id,
        "data": event.data,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
