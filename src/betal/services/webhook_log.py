"""The delivery log of a webhook endpoint, and manual redelivery (of one delivery, or of a time range).

Spec: the webhooks issue, item 5: each attempt with its status code, latency and a response excerpt;
redelivery of one event, or of every failed one in a time range. The portal's pages call these too.

- A redelivery keeps the delivery's id, so the receiver sees the same ``webhook-id`` and can drop a
  duplicate (Standard Webhooks: the id is the idempotency key). It starts the retry schedule again and
  adds its attempts to the same log.
- A delivery still pending cannot be redelivered (it is on its way); nor can one of a disabled endpoint
  (enable it first).
- ``redeliver_range`` takes the failed and cancelled deliveries created in ``[start, end)``, oldest
  first, at most ``MAX_REDELIVER`` per call; ``more`` says when a next call finds others.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from betal.domain.errors import Conflict, InvalidInput, NotFound
from betal.domain.ids import has_prefix
from betal.domain.tenancy import Permission, Principal
from betal.domain.webhook import (
    DeliveryAttempt,
    DeliveryStatus,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
    deliver_job,
)
from betal.ports import UnitOfWork
from betal.services.webhook import get_endpoint

MAX_REDELIVER = 1000


@dataclass(frozen=True)
class LoggedDelivery:
    delivery: WebhookDelivery
    attempts: tuple[DeliveryAttempt, ...]


@dataclass(frozen=True)
class Redelivered:
    delivery_ids: tuple[str, ...]
    more: bool  # more deliveries in the range wait for another call


def list_deliveries(
    uow: UnitOfWork,
    principal: Principal,
    endpoint_id: str,
    *,
    status: DeliveryStatus | None,
    after_id: str | None,
    limit: int,
) -> list[LoggedDelivery]:
    """The endpoint's deliveries, newest first, each with its attempts oldest first."""
    endpoint = get_endpoint(uow, principal, endpoint_id)
    deliveries = uow.webhook_deliveries.list_page(
        principal.organisation_id,
        endpoint.id,
        status=None if status is None else status.value,
        after_id=after_id,
        limit=limit,
    )
    attempts: dict[str, list[DeliveryAttempt]] = defaultdict(list)
    for attempt in uow.webhook_deliveries.attempts_for([d.id for d in deliveries]):
        attempts[attempt.delivery_id].append(attempt)
    return [LoggedDelivery(d, tuple(attempts[d.id])) for d in deliveries]


def _restart(uow: UnitOfWork, delivery: WebhookDelivery) -> WebhookDelivery:
    now = uow.clock.now()
    again = replace(
        delivery,
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        delivered_at=None,
        schedule_start=delivery.attempts,
    )
    uow.webhook_deliveries.save(again)
    uow.enqueue(deliver_job(delivery.organisation_id, delivery.id))
    return again


def _active(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    if endpoint.status is not EndpointStatus.ACTIVE:
        raise Conflict("the endpoint is disabled: enable it first", code="webhook_endpoint.disabled")
    return endpoint


def get_delivery(
    uow: UnitOfWork, principal: Principal, delivery_id: str, *, for_update: bool = False
) -> WebhookDelivery:
    principal.require(Permission.READ)
    delivery = None
    if has_prefix(delivery_id, "del"):
        delivery = uow.webhook_deliveries.get(principal.organisation_id, delivery_id, for_update=for_update)
    if delivery is None:
        raise NotFound(f"no webhook delivery {delivery_id}", code="webhook_delivery.not_found")
    return delivery


def redeliver(uow: UnitOfWork, principal: Principal, delivery_id: str) -> LoggedDelivery:
    """Send one delivery again now, with the same ``webhook-id``; the delivery with its attempts so far."""
    principal.require(Permission.MANAGE_WEBHOOKS)
    delivery = get_delivery(uow, principal, delivery_id, for_update=True)
    try:
        endpoint = _active(get_endpoint(uow, principal, delivery.endpoint_id))
    except NotFound:
        raise Conflict("the endpoint was deleted", code="webhook_endpoint.deleted") from None
    if delivery.status is DeliveryStatus.PENDING:
        raise Conflict("the delivery is still being attempted", code="webhook_delivery.pending")
    again = _restart(uow, delivery)
    uow.audit(endpoint.organisation_id, "webhook_delivery.redelivered", "webhook_delivery", delivery.id,
              endpoint_id=endpoint.id, previous_status=delivery.status.value)  # fmt: skip
    attempts = tuple(uow.webhook_deliveries.attempts_for([delivery.id]))
    uow.commit()
    return LoggedDelivery(again, attempts)


def redeliver_range(
    uow: UnitOfWork, principal: Principal, endpoint_id: str, start: datetime, end: datetime
) -> Redelivered:
    """Send again every failed or cancelled delivery of the endpoint created in ``[start, end)``."""
    principal.require(Permission.MANAGE_WEBHOOKS)
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput(
            "must be a timestamp with a time zone", field="from" if start.tzinfo is None else "to"
        )
    if end <= start:
        raise InvalidInput("must be after from", field="to")
    endpoint = _active(get_endpoint(uow, principal, endpoint_id, for_update=True))
    found = uow.webhook_deliveries.undelivered_between(
        principal.organisation_id, endpoint.id, start, end, MAX_REDELIVER + 1
    )
    chosen = found[:MAX_REDELIVER]
    for delivery in chosen:
        _restart(uow, delivery)
    uow.audit(endpoint.organisation_id, "webhook_endpoint.redelivered", "webhook_endpoint", endpoint.id,
              start=start.isoformat(), end=end.isoformat(), count=len(chosen))  # fmt: skip
    uow.commit()
    return Redelivered(tuple(d.id for d in chosen), more=len(found) > MAX_REDELIVER)
