"""Storage for webhooks: endpoints with their encrypted secrets, deliveries, attempts, and the fan-out.

``fan_out`` runs inside the unit of work's commit, right after the events are written: one delivery per
event and active endpoint of its organisation whose filter takes the event's type, and one
``webhooks.deliver`` job per delivery (dedupe key ``webhook:<delivery id>``), all in the same transaction
as the change that raised the events (DESIGN.md "Layers": transactional outbox).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from betal.adapters.db.mapping import to_domain
from betal.adapters.db.orm import EventRow
from betal.adapters.db.orm_webhooks import WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow
from betal.domain.events import Event
from betal.domain.ids import new_id
from betal.domain.job import NewJob
from betal.domain.webhook import (
    DeliveryAttempt,
    DeliveryStatus,
    EndpointStatus,
    StoredSecrets,
    WebhookDelivery,
    WebhookEndpoint,
    deliver_job,
)

_PENDING = DeliveryStatus.PENDING.value
_UNDELIVERED = (DeliveryStatus.FAILED.value, DeliveryStatus.CANCELLED.value)


def _endpoint(row: WebhookEndpointRow) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row.id, organisation_id=row.organisation_id, url=row.url, events=tuple(row.events),
        description=row.description, status=EndpointStatus(row.status), ordered=row.ordered,
        created_at=row.created_at, updated_at=row.updated_at, disabled_reason=row.disabled_reason,
        failing_since=row.failing_since,
    )  # fmt: skip


def _endpoint_columns(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "organisation_id": endpoint.organisation_id, "url": endpoint.url, "events": list(endpoint.events),
        "description": endpoint.description, "status": endpoint.status.value, "ordered": endpoint.ordered,
        "created_at": endpoint.created_at, "updated_at": endpoint.updated_at,
        "disabled_reason": endpoint.disabled_reason, "failing_since": endpoint.failing_since,
    }  # fmt: skip


def _secret_columns(secrets: StoredSecrets) -> dict[str, Any]:
    return {
        "secret": secrets.secret,
        "previous_secret": secrets.previous_secret,
        "previous_expires_at": secrets.previous_expires_at,
    }


class SqlAlchemyWebhookEndpointRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, endpoint: WebhookEndpoint, secrets: StoredSecrets) -> None:
        values = {"id": endpoint.id, **_endpoint_columns(endpoint), **_secret_columns(secrets)}
        self.session.add(WebhookEndpointRow(**values))
        self.session.flush()

    def get(
        self, organisation_id: str, endpoint_id: str, *, for_update: bool = False
    ) -> WebhookEndpoint | None:
        query = select(WebhookEndpointRow).where(
            WebhookEndpointRow.id == endpoint_id,
            WebhookEndpointRow.organisation_id == organisation_id,
            WebhookEndpointRow.status != EndpointStatus.DELETED.value,
        )
        if for_update:  # FOR NO KEY UPDATE: new deliveries (a foreign key share lock) are not held up
            query = query.with_for_update(key_share=True)
        row = self.session.scalars(query.execution_options(populate_existing=True)).first()
        return None if row is None else _endpoint(row)

    def save(self, endpoint: WebhookEndpoint) -> None:
        stmt = update(WebhookEndpointRow).where(WebhookEndpointRow.id == endpoint.id)
        self.session.execute(stmt.values(**_endpoint_columns(endpoint)))

    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[WebhookEndpoint]:
        query = select(WebhookEndpointRow).where(
            WebhookEndpointRow.organisation_id == organisation_id,
            WebhookEndpointRow.status != EndpointStatus.DELETED.value,
        )
        if after_id is not None:
            query = query.where(WebhookEndpointRow.id > after_id)
        rows = self.session.scalars(query.order_by(WebhookEndpointRow.id).limit(limit))
        return [_endpoint(r) for r in rows]

    def secrets(self, endpoint_id: str) -> StoredSecrets:
        row = self.session.get(WebhookEndpointRow, endpoint_id, populate_existing=True)
        if row is None:
            raise LookupError(f"no webhook endpoint {endpoint_id}")
        return StoredSecrets(row.secret, row.previous_secret, row.previous_expires_at)

    def set_secrets(self, endpoint_id: str, secrets: StoredSecrets) -> None:
        stmt = update(WebhookEndpointRow).where(WebhookEndpointRow.id == endpoint_id)
        self.session.execute(stmt.values(**_secret_columns(secrets)))


class SqlAlchemyWebhookDeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(
        self, organisation_id: str, delivery_id: str, *, for_update: bool = False
    ) -> WebhookDelivery | None:
        query = select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.id == delivery_id, WebhookDeliveryRow.organisation_id == organisation_id
        )
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query.execution_options(populate_existing=True)).first()
        return None if row is None else to_domain(WebhookDelivery, row)

    def save(self, delivery: WebhookDelivery) -> None:
        stmt = update(WebhookDeliveryRow).where(WebhookDeliveryRow.id == delivery.id)
        self.session.execute(
            stmt.values(
                status=delivery.status.value,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                delivered_at=delivery.delivered_at,
                schedule_start=delivery.schedule_start,
            )
        )

    def list_page(
        self, organisation_id: str, endpoint_id: str, *, status: str | None, after_id: str | None, limit: int
    ) -> list[WebhookDelivery]:
        query = select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.organisation_id == organisation_id,
            WebhookDeliveryRow.endpoint_id == endpoint_id,
        )
        if status is not None:
            query = query.where(WebhookDeliveryRow.status == status)
        if after_id is not None:
            query = query.where(WebhookDeliveryRow.id < after_id)
        rows = self.session.scalars(query.order_by(WebhookDeliveryRow.id.desc()).limit(limit))
        return [to_domain(WebhookDelivery, r) for r in rows]

    def earliest_pending_before(self, endpoint_id: str, sequence: int) -> WebhookDelivery | None:
        query = (
            select(WebhookDeliveryRow)
            .where(
                WebhookDeliveryRow.endpoint_id == endpoint_id,
                WebhookDeliveryRow.status == _PENDING,
                WebhookDeliveryRow.event_sequence < sequence,
            )
            .order_by(WebhookDeliveryRow.event_sequence)
            .limit(1)
        )
        row = self.session.scalars(query.execution_options(populate_existing=True)).first()
        return None if row is None else to_domain(WebhookDelivery, row)

    def cancel_pending(self, endpoint_id: str) -> int:
        stmt = (
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.endpoint_id == endpoint_id, WebhookDeliveryRow.status == _PENDING)
            .values(status=DeliveryStatus.CANCELLED.value, next_attempt_at=None)
        )
        return int(getattr(self.session.execute(stmt), "rowcount", 0))

    def undelivered_between(
        self, organisation_id: str, endpoint_id: str, start: datetime, end: datetime, limit: int
    ) -> list[WebhookDelivery]:
        query = (
            select(WebhookDeliveryRow)
            .where(
                WebhookDeliveryRow.organisation_id == organisation_id,
                WebhookDeliveryRow.endpoint_id == endpoint_id,
                WebhookDeliveryRow.status.in_(_UNDELIVERED),
                WebhookDeliveryRow.created_at >= start,
                WebhookDeliveryRow.created_at < end,
            )
            .order_by(WebhookDeliveryRow.id)
            .limit(limit)
            .with_for_update()
        )
        rows = self.session.scalars(query.execution_options(populate_existing=True))
        return [to_domain(WebhookDelivery, r) for r in rows]

    def event(self, organisation_id: str, event_id: str) -> Event | None:
        row = self.session.get(EventRow, event_id)
        return None if row is None or row.organisation_id != organisation_id else to_domain(Event, row)

    def add_attempt(self, attempt: DeliveryAttempt) -> None:
        values = {**vars(attempt), "outcome": attempt.outcome.value}
        self.session.execute(insert(WebhookAttemptRow).values(**values))

    def attempts_for(self, delivery_ids: Sequence[str]) -> list[DeliveryAttempt]:
        if not delivery_ids:
            return []
        query = (
            select(WebhookAttemptRow)
            .where(WebhookAttemptRow.delivery_id.in_(list(delivery_ids)))
            .order_by(WebhookAttemptRow.delivery_id, WebhookAttemptRow.number)
        )
        return [to_domain(DeliveryAttempt, r) for r in self.session.scalars(query)]


def fan_out(session: Session, events: Sequence[Mapping[str, Any]], now: datetime) -> list[NewJob]:
    """Insert the deliveries of freshly written event rows; the jobs to enqueue with them."""
    organisations = sorted({str(e["organisation_id"]) for e in events})
    query = (
        select(WebhookEndpointRow)
        .where(
            WebhookEndpointRow.organisation_id.in_(organisations),
            WebhookEndpointRow.status == EndpointStatus.ACTIVE.value,
        )
        .order_by(WebhookEndpointRow.id)
    )
    endpoints: dict[str, list[WebhookEndpoint]] = defaultdict(list)
    for row in session.scalars(query):
        endpoints[row.organisation_id].append(_endpoint(row))
    pairs = [
        (event, endpoint)
        for event in events
        for endpoint in endpoints[str(event["organisation_id"])]
        if endpoint.accepts(str(event["type"]))
    ]
    ids = sorted(new_id("del") for _ in pairs)  # in event order, so the log pages by id
    rows = [
        {
            "id": delivery_id, "organisation_id": endpoint.organisation_id, "endpoint_id": endpoint.id,
            "event_id": event["id"], "event_type": event["type"], "event_sequence": event["sequence"],
            "status": _PENDING, "attempts": 0, "schedule_start": 0, "next_attempt_at": now, "created_at": now,
        }
        for delivery_id, (event, endpoint) in zip(ids, pairs, strict=True)
    ]  # fmt: skip
    if rows:
        session.execute(insert(WebhookDeliveryRow), rows)
    return [deliver_job(row["organisation_id"], row["id"], first=True) for row in rows]
