"""Payments: one attempt by one method to pay one request.

DESIGN.md: ``initiated → pending → succeeded | failed | cancelled``; ``succeeded → refunded``.
A payment recorded from a bank statement line is ``reversed`` when a person undoes that match
(``succeeded → reversed``): the money is still on the bank, but no longer counted for the request.
An attempt may also fail or be cancelled straight from ``initiated`` (the payer aborts at the
provider), and succeed straight from ``initiated`` (a card authorised and captured at once).
Pending is not paid: the request counts a payment only when it has succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from betal.domain.errors import IllegalTransition, InvalidInput
from betal.domain.payment_method import Method


class PaymentStatus(StrEnum):
    INITIATED = "initiated"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    REVERSED = "reversed"


P = PaymentStatus
TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    P.INITIATED: frozenset({P.PENDING, P.SUCCEEDED, P.FAILED, P.CANCELLED}),
    P.PENDING: frozenset({P.SUCCEEDED, P.FAILED, P.CANCELLED}),
    P.SUCCEEDED: frozenset({P.REFUNDED, P.REVERSED}),
    P.REFUNDED: frozenset({P.REFUNDED}),
    P.FAILED: frozenset(),
    P.CANCELLED: frozenset(),
    P.REVERSED: frozenset(),
}
FINAL = frozenset({P.SUCCEEDED, P.FAILED, P.CANCELLED, P.REFUNDED, P.REVERSED})


@dataclass(frozen=True)
class Payment:
    id: str
    organisation_id: str
    payment_request_id: str
    customer_id: str
    method: Method
    amount_minor: int
    currency: str
    status: PaymentStatus
    provider: str
    provider_reference: str | None
    refunded_minor: int
    failure_reason: str | None
    payer_account: str | None
    created_at: datetime
    updated_at: datetime
    raw: dict[str, Any] | None = None


def move(payment: Payment, target: PaymentStatus, now: datetime, **changes: Any) -> Payment:
    """The payment in ``target`` state; staying in the same non-final state is a no-op."""
    if target == payment.status and target not in FINAL:
        return replace(payment, updated_at=now, **changes)
    if target not in TRANSITIONS[payment.status]:
        raise IllegalTransition("payment", payment.status.value, target.value)
    return replace(payment, status=target, updated_at=now, **changes)


def refund(payment: Payment, amount_minor: int, now: datetime) -> Payment:
    if amount_minor <= 0:
        raise InvalidInput("a refund must be positive", field="amount")
    left = payment.amount_minor - payment.refunded_minor
    if amount_minor > left:
        raise InvalidInput(
            f"at most {left} of this payment can be refunded", field="amount", code="refund.too_large"
        )
    return move(payment, P.REFUNDED, now, refunded_minor=payment.refunded_minor + amount_minor)
