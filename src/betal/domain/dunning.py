"""What a reminder leaves behind: its record, and the charges of late payment it adds to the request.

Spec: the notifications issue, items 5-6; ``domain.renteloven`` for the law. Each rule of a request's
policy is handled once (one ``ReminderRecord`` per request and rule: ``sent`` or ``dropped`` with the
reason), and the charges are lines of their own (``Charge``: reminder fee, interest for a period,
compensation) that add to the amount due and are shown to the payer. Fees and compensation are in
kroner, so they are charged on DKK requests only; interest is charged in the request's currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from betal.domain import renteloven
from betal.domain.payment_request import PaymentRequest
from betal.domain.reminder import ReminderKind, ReminderPolicy, ReminderRule


class RecordStatus(StrEnum):
    SENT = "sent"
    DROPPED = "dropped"


@dataclass(frozen=True)
class ReminderRecord:
    id: str
    organisation_id: str
    payment_request_id: str
    rule_key: str
    kind: ReminderKind
    status: RecordStatus
    reason: str | None  # why it was dropped: past_due, superseded
    fee_minor: int
    business_date: date  # the Copenhagen date it was handled on
    created_at: datetime


class ChargeKind(StrEnum):
    REMINDER_FEE = "reminder_fee"
    INTEREST = "interest"
    COMPENSATION = "compensation"


@dataclass(frozen=True)
class Charge:
    id: str
    organisation_id: str
    payment_request_id: str
    kind: ChargeKind
    amount_minor: int
    currency: str
    created_at: datetime
    reminder_id: str | None = None
    period_start: date | None = None  # interest: from (inclusive)
    period_end: date | None = None  # interest: to (exclusive)
    rate_percent: str | None = None  # interest: the yearly rate, e.g. "11.75"


@dataclass(frozen=True)
class NewCharge:
    kind: ChargeKind
    amount_minor: int
    period_start: date | None = None
    period_end: date | None = None
    rate_percent: str | None = None


def _interest_from(request: PaymentRequest, charges: Sequence[Charge]) -> date:
    ends = [c.period_end for c in charges if c.kind is ChargeKind.INTEREST and c.period_end is not None]
    return max(ends, default=request.due_date)


def reminder_charges(
    request: PaymentRequest,
    policy: ReminderPolicy,
    rule: ReminderRule,
    charges: Sequence[Charge],
    today: date,
    rates: Sequence[renteloven.ReferenceRate] | None = None,
) -> list[NewCharge]:
    """The lines an overdue reminder sent on ``today`` adds: its fee and the interest accrued since the last.

    Interest runs from the due date (§ 3(1)) on the amount still owed, up to ``today`` (exclusive).
    """
    if rule.kind is not ReminderKind.OVERDUE:
        return []
    lines: list[NewCharge] = []
    if rule.fee_minor > 0 and request.currency == renteloven.FEE_CURRENCY:
        fees = sum(1 for c in charges if c.kind is ChargeKind.REMINDER_FEE)
        if fees < renteloven.MAX_FEE_REMINDERS:
            lines.append(NewCharge(ChargeKind.REMINDER_FEE, min(rule.fee_minor, renteloven.MAX_FEE_MINOR)))
    if policy.charge_interest:
        start = _interest_from(request, charges)
        for line in renteloven.interest(request.principal_outstanding_minor, start, today, rates):
            if line.amount_minor > 0:
                rate = format(line.rate_percent, "f")
                lines.append(NewCharge(ChargeKind.INTEREST, line.amount_minor, line.start, line.end, rate))
    return lines


def compensation_charge(
    request: PaymentRequest, policy: ReminderPolicy, is_business: bool, charges: Sequence[Charge]
) -> NewCharge | None:
    """The one-time 310 kr. of § 9 a(3), owed by a business customer as soon as payment is late."""
    if not (policy.compensation and is_business and request.currency == renteloven.FEE_CURRENCY):
        return None
    if any(c.kind is ChargeKind.COMPENSATION for c in charges):
        return None
    return NewCharge(ChargeKind.COMPENSATION, renteloven.COMPENSATION_MINOR)
