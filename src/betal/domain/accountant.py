"""The accountant's view: what waits in each client organisation of a user, as counts and top items.

Spec: the payables issue, item 7 ("a view across all client organisations of the user with invoices to
book, orders awaiting approval and failures"); DESIGN.md "Core entities" (an accountant is a user with
memberships in many organisations); docs/payables.md "Accountants".

Three kinds of work per organisation:

- **to book**: booked supplier invoices without a live payment order, ready to pay (they have payment
  means) or with a problem (no payment means, so no order can be made), and draft orders not yet sent
  for approval;
- **awaiting approval**: orders sent to approvers, with how many approvals are still missing; an order
  whose execution date has passed is late (``is_late``) and listed first;
- **failures**: orders rejected by an approver (back with the bookkeeper), orders the bank failed that no
  new order replaced, and bank files the bank rejected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from betal.domain.approval import Decision


class InvoiceWork(StrEnum):
    READY = "ready"  # booked, payment means known, no live order: make an order
    NO_PAYMENT_MEANS = "no_payment_means"  # booked, nowhere to pay it: add bank details
    DRAFT_ORDER = "draft_order"  # an order was made but not sent for approval


class FailureKind(StrEnum):
    REJECTED_ORDER = "rejected_order"
    FAILED_ORDER = "failed_order"
    REJECTED_BANK_FILE = "rejected_bank_file"


@dataclass(frozen=True)
class ClientCounts:
    """How much of each kind of work waits in one organisation."""

    organisation_id: str
    ready_to_pay: int = 0
    no_payment_means: int = 0
    draft_orders: int = 0
    awaiting_approval: int = 0
    late_approvals: int = 0
    rejected_orders: int = 0
    failed_orders: int = 0
    rejected_bank_files: int = 0

    @property
    def to_book(self) -> int:
        return self.ready_to_pay + self.no_payment_means + self.draft_orders

    @property
    def failures(self) -> int:
        return self.rejected_orders + self.failed_orders + self.rejected_bank_files

    @property
    def total(self) -> int:
        return self.to_book + self.awaiting_approval + self.failures


@dataclass(frozen=True)
class ClientInvoice:
    """An invoice to book or pay (or its draft order)."""

    organisation_id: str
    invoice_id: str
    supplier_name: str
    invoice_number: str
    due_date: date
    currency: str
    amount_minor: int
    work: InvoiceWork
    order_id: str | None = None  # the draft order


@dataclass(frozen=True)
class ClientApproval:
    """An order awaiting approval, with the approvals given in its current round."""

    organisation_id: str
    order_id: str
    supplier_name: str
    execution_date: date
    currency: str
    amount_minor: int
    required_approvals: int
    approvals: int = 0

    @property
    def missing(self) -> int:
        return max(self.required_approvals - self.approvals, 0)


@dataclass(frozen=True)
class ClientFailure:
    """Something that went wrong: an order rejected or failed, or a bank file rejected."""

    organisation_id: str
    kind: FailureKind
    subject_id: str  # the order's or the bank file's id
    label: str  # the supplier's name, or the bank file's message id
    reason: str | None
    at: datetime
    currency: str | None = None
    amount_minor: int | None = None


def is_late(execution_date: date, today: date) -> bool:
    """An order still awaiting approval after its execution date cannot run on it any more."""
    return execution_date < today


def approvals_given(decisions: Iterable[tuple[str, int, Decision]]) -> dict[str, int]:
    """Approvals per order in its current round, from (order id, round, decision) of every round.

    Each rejection ends a round, so the current round is one more than the order's rejections.
    """
    found = list(decisions)
    rejections: dict[str, int] = {}
    for order_id, _round, decision in found:
        rejections[order_id] = rejections.get(order_id, 0) + (decision is Decision.REJECT)
    given: dict[str, int] = {}
    for order_id, number, decision in found:
        if decision is Decision.APPROVE and number == rejections[order_id] + 1:
            given[order_id] = given.get(order_id, 0) + 1
    return given
