"""Schemas for webhook endpoints, their deliveries and attempts (``/v1/webhook-endpoints``).

API.md "Events and webhooks": ``POST /v1/webhook-endpoints`` ``{url, events}`` answers the endpoint with
its signing ``secret``, shown once (and again only by ``rotate-secret``, for the new secret). Event types
are checked by ``domain.webhook.validate_events`` (an unknown one is a 422 naming it); URLs by
``domain.webhook_url.check_url``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, Field, StrictBool

from betal.api.schemas.base import RequestModel, ResponseModel
from betal.domain.webhook import DeliveryAttempt, WebhookEndpoint
from betal.services.webhook import EndpointWithSecret
from betal.services.webhook_log import LoggedDelivery

EventTypes = list[str]
EVENTS_DOC = "event types to receive, e.g. payment.succeeded; empty: every type"


class WebhookEndpointCreate(RequestModel):
    url: str = Field(min_length=1, max_length=2048, description="https URL (http is allowed in sandbox mode)")
    events: EventTypes = Field(default_factory=list, max_length=100, description=EVENTS_DOC)
    description: str = Field(default="", max_length=500)
    ordered: StrictBool = Field(
        default=False, description="deliver in event order: a later event waits for an earlier pending one"
    )


class WebhookEndpointUpdate(RequestModel):
    url: str | None = Field(default=None, min_length=1, max_length=2048)
    events: EventTypes | None = Field(default=None, max_length=100, description=EVENTS_DOC)
    description: str | None = Field(default=None, max_length=500)
    status: Literal["active", "disabled"] | None = Field(
        default=None, description="disabled: nothing is delivered; active again: deliveries resume"
    )
    ordered: StrictBool | None = None


class WebhookEndpointRead(ResponseModel):
    id: str = Field(description="whe_…")
    url: str
    events: list[str] = Field(description=EVENTS_DOC)
    description: str
    status: str = Field(description="active or disabled")
    ordered: bool
    disabled_reason: str | None = Field(
        description="gone (the receiver answered 410), failing (3 days of failures) or disabled by a user"
    )
    failing_since: dt.datetime | None = Field(description="the first failure since the last success")
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookEndpointRead:
        return cls(
            id=endpoint.id, url=endpoint.url, events=list(endpoint.events), description=endpoint.description,
            status=endpoint.status.value, ordered=endpoint.ordered, disabled_reason=endpoint.disabled_reason,
            failing_since=endpoint.failing_since, created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )  # fmt: skip


class WebhookEndpointWithSecret(WebhookEndpointRead):
    secret: str = Field(description="whsec_…: the signing secret, shown only now")
    previous_secret_expires_at: dt.datetime | None = Field(
        default=None, description="after a rotation: until when the previous secret also signs"
    )

    @classmethod
    def created(cls, made: EndpointWithSecret) -> WebhookEndpointWithSecret:
        fields = WebhookEndpointRead.of(made.endpoint).model_dump()
        return cls(**fields, secret=made.secret, previous_secret_expires_at=made.previous_secret_expires_at)


class DeliveryAttemptRead(ResponseModel):
    id: str = Field(description="watt_…")
    number: int
    attempted_at: dt.datetime
    outcome: str = Field(description="delivered, gone, throttled or failed")
    status_code: int | None = Field(description="the receiver's HTTP status; null when there was no answer")
    latency_ms: int
    response_excerpt: str | None = Field(description="the first 500 characters of the response body")
    error: str | None = Field(description="why there was no answer, a refused address, a redirect")

    @classmethod
    def of(cls, attempt: DeliveryAttempt) -> DeliveryAttemptRead:
        return cls(
            id=attempt.id, number=attempt.number, attempted_at=attempt.attempted_at,
            outcome=attempt.outcome.value, status_code=attempt.status_code, latency_ms=attempt.latency_ms,
            response_excerpt=attempt.response_excerpt, error=attempt.error,
        )  # fmt: skip


class WebhookDeliveryRead(ResponseModel):
    id: str = Field(description="del_…: the webhook-id header, the same on every attempt and redelivery")
    endpoint_id: str
    event_id: str
    event_type: str
    event_sequence: int
    status: str = Field(description="pending, delivered, failed or cancelled")
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    attempts: list[DeliveryAttemptRead] = Field(description="oldest first")

    @classmethod
    def of(cls, logged: LoggedDelivery) -> WebhookDeliveryRead:
        d = logged.delivery
        return cls(
            id=d.id, endpoint_id=d.endpoint_id, event_id=d.event_id, event_type=d.event_type,
            event_sequence=d.event_sequence, status=d.status.value, next_attempt_at=d.next_attempt_at,
            created_at=d.created_at, delivered_at=d.delivered_at,
            attempts=[DeliveryAttemptRead.of(a) for a in logged.attempts],
        )  # fmt: skip


class RedeliverRange(RequestModel):
    start: AwareDatetime = Field(alias="from", description="deliveries created at or after this time")
    end: AwareDatetime = Field(alias="to", description="… and before this time")


class Redelivery(ResponseModel):
    redelivered: int
    delivery_ids: list[str]
    more: bool = Field(description="more failed deliveries in the range: call again")
