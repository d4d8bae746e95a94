"""Outgoing messages: every e-mail and SMS betal sends is written to the outbox first.

Without ``BETAL_SMTP_URL`` (and in sandbox mode for SMS) the outbox is the dev mailbox shown in the
portal; with it, a job delivers each message and records the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"  # not sent: the request was paid or cancelled before the send time


class Template(StrEnum):
    """What a message says; each has a Danish (default) and an English text per channel."""

    REQUEST_CREATED = "payment_request.created"
    REMINDER_BEFORE_DUE = "reminder.before_due"
    REMINDER_ON_DUE = "reminder.on_due"
    REMINDER_OVERDUE = "reminder.overdue"
    APPROVAL_REQUESTED = "approval.requested"
    APPROVAL_REMINDER = "approval.reminder"
    APPROVAL_REJECTED = "approval.rejected"  # to the bookkeeper, with the approver's comment
    APPROVAL_LATE = "approval.late"  # to the bookkeeper: approved after the execution date, moved
    PAYMENT_FAILED = "payment_order.failed"  # to the bookkeeper: the bank refused the payment
    LOGIN_CODE = "inbox.login_code"
    WEBHOOK_DISABLED = "webhook.disabled"


CUSTOMER_TEMPLATES = frozenset(
    {
        Template.REQUEST_CREATED,
        Template.REMINDER_BEFORE_DUE,
        Template.REMINDER_ON_DUE,
        Template.REMINDER_OVERDUE,
    }
)
LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"


@dataclass(frozen=True)
class Rendered:
    """One message as a channel sends it: e-mail uses all three, SMS and push the subject and text."""

    subject: str
    text: str
    html: str | None = None


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
    template: Template | None = None
    language: str = DEFAULT_LANGUAGE
    customer_id: str | None = None  # whose channels a fallback tries next
    reminder_id: str | None = None  # the reminder it carries: dropped if the request is settled first
    dedupe_key: str | None = None  # one message per (request, reminder, channel); unique
    detail: str | None = None  # the channel's last answer (bounce reason, gateway error)
    context: dict[str, Any] | None = None  # what the template was rendered with (JSON), for a fallback
