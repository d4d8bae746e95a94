"""Webhook tables: endpoints (with their signing secrets, encrypted), deliveries and attempts.

Spec: ``domain.webhook``; API.md "Events and webhooks". Secrets are ciphertexts of the installation's
``Cipher`` (AES-256-GCM), like CPR numbers and the VAPID private key. A delivery is one event for one
endpoint; its id is the ``webhook-id`` header. Every table carries ``organisation_id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from betal.adapters.db.orm import JSON_DOCUMENT, Base


class WebhookEndpointRow(Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index(None, "organisation_id", "status"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[Any]] = mapped_column(JSON_DOCUMENT)
    description: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(10))
    ordered: Mapped[bool] = mapped_column(Boolean, default=False)
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_expires_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDeliveryRow(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index(None, "endpoint_id", "id"),
        Index(None, "endpoint_id", "status", "event_sequence"),
        Index(None, "organisation_id", "id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"))
    event_type: Mapped[str] = mapped_column(String(80))
    event_sequence: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    schedule_start: Mapped[int] = mapped_column(Integer, default=0)


class WebhookAttemptRow(Base):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index(None, "delivery_id", "number"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id"))
    endpoint_id: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(10))
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(500))
