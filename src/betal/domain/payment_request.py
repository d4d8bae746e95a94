"""Payment requests: what a business asks a customer to pay, and the only legal moves of its state.

DESIGN.md "State machines": ``draft → open → paid``; ``open → partially_paid → paid``;
``open|partially_paid → overdue``; ``open|overdue → cancelled``; ``paid → refunded``.
An overdue request can still be paid (``overdue → paid``); a part payment keeps it overdue.
Money applied beyond what is due is recorded as an overpayment, never as more paid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from betal.domain.errors import IllegalTransition, InvalidInput
from betal.domain.money import MAX_AMOUNT_MINOR, Money
from betal.domain.payment_method import Method


class RequestStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


S = RequestStatus
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.DRAFT: frozenset({S.OPEN, S.CANCELLED}),
    S.OPEN: frozenset({S.PARTIALLY_PAID, S.PAID, S.OVERDUE, S.CANCELLED}),
    S.PARTIALLY_PAID: frozenset({S.PAID, S.OVERDUE}),
    S.OVERDUE: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset({S.REFUNDED}),
}
PAYABLE = frozenset({S.OPEN, S.PARTIALLY_PAID, S.OVERDUE})


@dataclass(frozen=True)
class PaymentRequest:
    id: str
    organisation_id: str
    customer_id: str
    amount_minor: int
    currency: str
    due_date: date
    description: str
    reference: str | None
    allowed_methods: tuple[Method, ...]
    status: RequestStatus
    fi_payment_line: str | None
    fi_payment_id: str | None
    paid_minor: int
    overpaid_minor: int
    refunded_minor: int
    created_at: datetime
    updated_at: datetime
    recurring_collection_id: str | None = None
    charges_minor: int = 0  # reminder fees, interest and compensation added under renteloven
    reminder_policy_id: str | None = None  # None: the organisation's default policy
    next_reminder_at: datetime | None = None  # when the reminder job looks at the request next
    vat_minor: int = 0  # the output VAT included in ``amount_minor``, booked to its own account

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)

    @property
    def total_due_minor(self) -> int:
        """The amount plus the charges of late payment (each a line of its own, ``request_charges``)."""
        return self.amount_minor + self.charges_minor

    @property
    def outstanding_minor(self) -> int:
        return max(0, self.total_due_minor - self.paid_minor)

    @property
    def principal_outstanding_minor(self) -> int:
        """What is still owed of the amount itself, on which interest runs.

        A payment covers the charges (fees, interest) before the amount, as Danish practice has it.
        """
        return max(0, self.amount_minor - max(0, self.paid_minor - self.charges_minor))

    @property
    def is_payable(self) -> bool:
        return self.status in PAYABLE


def move(request: PaymentRequest, target: RequestStatus, now: datetime) -> PaymentRequest:
    """The request in ``target`` state, or ``IllegalTransition`` (409) if the move is not allowed."""
    if target not in TRANSITIONS[request.status]:
        raise IllegalTransition("payment_request", request.status.value, target.value)
    return replace(request, status=target, updated_at=now)


@dataclass(frozen=True)
class Application:
    """What one settled payment did to a request."""

    request: PaymentRequest
    applied_minor: int
    overpaid_minor: int
    became_paid: bool


def apply_payment(request: PaymentRequest, amount_minor: int, now: datetime) -> Application:
    """Apply a settled payment: up to the outstanding amount counts as paid, the rest as overpayment.

    Money that arrives for a request that is already paid, refunded or cancelled is all overpayment
    (it was received and must be refunded or reallocated); a draft cannot take money.
    """
    if amount_minor <= 0:
        raise InvalidInput("a payment must be positive", field="amount")
    if request.status is S.DRAFT:
        raise IllegalTransition("payment_request", request.status.value, "paid")
    if not request.is_payable:
        closed = replace(request, overpaid_minor=request.overpaid_minor + amount_minor, updated_at=now)
        return Application(closed, 0, amount_minor, False)
    applied = min(amount_minor, request.outstanding_minor)
    over = amount_minor - applied
    paid = request.paid_minor + applied
    updated = replace(request, paid_minor=paid, overpaid_minor=request.overpaid_minor + over, updated_at=now)
    if paid >= request.total_due_minor:
        return Application(move(updated, S.PAID, now), applied, over, True)
    if request.status is S.OPEN:
        updated = move(updated, S.PARTIALLY_PAID, now)
    return Application(updated, applied, over, False)


def unapply_payment(
    request: PaymentRequest, applied_minor: int, overpaid_minor: int, today: date, now: datetime
) -> PaymentRequest:
    """Take back what a reversed payment did (``apply_payment`` undone): less paid and overpaid.

    The request is payable again: open, partially paid, or overdue when its due date has passed (a part
    payment keeps an overdue request overdue). Only a bank receipt matched by mistake is undone this
    way; a refunded or cancelled request can lose only overpayment.
    """
    if applied_minor < 0 or overpaid_minor < 0:
        raise InvalidInput("amounts taken back cannot be negative", field="amount")
    if applied_minor > request.paid_minor or overpaid_minor > request.overpaid_minor:
        raise InvalidInput("cannot take back more than the request was paid", field="amount")
    updated = replace(
        request, paid_minor=request.paid_minor - applied_minor,
        overpaid_minor=request.overpaid_minor - overpaid_minor, updated_at=now,
    )  # fmt: skip
    if applied_minor == 0:
        return updated
    if request.status not in (S.PAID, S.PARTIALLY_PAID, S.OVERDUE):
        raise IllegalTransition("payment_request", request.status.value, "open")
    if today > request.due_date:
        return replace(updated, status=S.OVERDUE)
    return replace(updated, status=S.PARTIALLY_PAID if updated.paid_minor > 0 else S.OPEN)


def cancel(request: PaymentRequest, now: datetime) -> PaymentRequest:
    return move(request, S.CANCELLED, now)


def mark_overdue(request: PaymentRequest, today: date, now: datetime) -> PaymentRequest:
    """Overdue once the due date has passed and something is still outstanding."""
    if today <= request.due_date:
        raise InvalidInput(f"the due date {request.due_date.isoformat()} has not passed", field="due_date")
    return move(request, S.OVERDUE, now)


def record_refund(request: PaymentRequest, amount_minor: int, now: datetime) -> PaymentRequest:
    """A refund of a paid request; the total refunded never exceeds what was paid plus overpaid."""
    if amount_minor <= 0:
        raise InvalidInput("a refund must be positive", field="amount")
    refundable = request.paid_minor + request.overpaid_minor - request.refunded_minor
    if amount_minor > refundable:
        raise InvalidInput(f"at most {refundable} can be refunded", field="amount", code="refund.too_large")
    moved = move(request, S.REFUNDED, now)
    return replace(moved, refunded_minor=request.refunded_minor + amount_minor)


def validate_new_request(amount_minor: int, due_date: date, today: date, description: str) -> str:
    """Checks of a new request that need no database; returns the cleaned description."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise InvalidInput("must be an integer amount in minor units", field="amount")
    if not 0 < amount_minor <= MAX_AMOUNT_MINOR:
        raise InvalidInput(f"must be between 1 and {MAX_AMOUNT_MINOR}", field="amount")
    if due_date < today:
        raise InvalidInput("must not be in the past", field="due_date")
    clean = " ".join(description.split())
    if not clean or len(clean) > 500:
        raise InvalidInput("must be 1 to 500 characters", field="description")
    return clean
