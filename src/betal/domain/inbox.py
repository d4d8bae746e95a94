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
