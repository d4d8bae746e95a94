"""Outgoing messages: every e-mail and SMS betal sends is written to the outbox first.

Without ``BETAL_SMTP_URL`` (and in sandbox mode for SMS) the outbox is the dev mailbox shown in the
portal; with it, a job delivers each message and records the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    organisation_id: str | None
    channel: Channel
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    status: DeliveryStatus
    created_at: datetime
    sent_at: datetime | None = None
    related_id: str | None = None  # the payment request, approval, ... it is about
