"""Inbox messages: what a payer sees in the one inbox that spans every organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Message:
    id: str
    organisation_id: str
    customer_id: str
    payment_request_id: str | None
    subject: str
    read_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Attachment:
    """A document attached to a payment request (an invoice PDF), shown in the payer's message."""

    id: str
    organisation_id: str
    payment_request_id: str
    filename: str
    content_type: str
    size: int
    created_at: datetime


@dataclass(frozen=True)
class OneTimeCode:
    """A login code sent to one e-mail address or phone number; only its hash is stored."""

    id: str
    channel: str  # "email" | "sms"
    destination: str  # normalised e-mail or E.164 phone
    code_hash: str
    attempts: int
    expires_at: datetime
    used_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class PayerSession:
    """A payer logged in to the inbox: the verified channels they proved they own."""

    id: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
