"""Events: immutable facts, ordered per organisation, written with the change that caused them.

API.md "Events and webhooks" names the public types; the sequence is gapless per organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

EVENT_TYPES = frozenset(
    {
        "organisation.created",
        "customer.created",
        "payment_request.created",
        "payment_request.partially_paid",
        "payment_request.paid",
        "payment_request.overdue",
        "payment_request.cancelled",
        "payment_request.refunded",
        "payment_request.reopened",
        "payment.initiated",
        "payment.pending",
        "payment.succeeded",
        "payment.failed",
        "payment.cancelled",
        "payment.refunded",
        "payment.reversed",
        "mandate.created",
        "mandate.activated",
        "mandate.cancelled",
        "mandate.rejected",
        "recurring_collection.created",
        "supplier.created",
        "supplier.updated",
        "supplier.bank_details_changed",
        "supplier_invoice.booked",
        "payment_order.created",
        "payment_order.approval_requested",
        "payment_order.approved",
        "payment_order.cancelled",
        "payment_order.rejected",
        "payment_order.executed",
        "payment_order.submitted",
        "payment_order.failed",
        "payment_account.created",
        "bank_file.submitted",
        "bank_file.accepted",
        "bank_file.partially_accepted",
        "bank_file.rejected",
        "bank_statement.imported",
        "reconciliation.matched",
        "reconciliation.unmatched",
    }
)


@dataclass(frozen=True)
class NewEvent:
    """An event raised by a use case; it gets its id and sequence when the unit of work commits."""

    organisation_id: str
    type: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    id: str
    organisation_id: str
    sequence: int
    type: str
    data: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only audit log: who did what to which thing, when and from where."""

    id: str
    organisation_id: str | None
    actor_type: str
    actor_id: str
    action: str
    target_type: str
    target_id: str
    ip: str | None
    request_id: str | None
    details: dict[str, Any]
    created_at: datetime
