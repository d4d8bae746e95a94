"""What betal charges an organisation: its price plan, the metered use, and the quarterly fee statement.

Spec: issue 7, item 8 ("per-organisation price plan (per executed payment fee, optional monthly
subscription such as 199 DKK), usage metered per payment, and a quarterly fee statement"); the rules are
written out in docs/payables.md "Fees".

- A plan has a name, a fee per executed payment and a monthly fee (both DKK minor units, zero allowed).
- Each executed payment order is metered once, priced at the plan in force when it executed.
- The monthly fee is charged for each month of the quarter that has begun (on the statement's day) and
  ends on or after the day the plan was first saved, at the plan's current monthly fee.
- VAT (moms) is 25 % of the fees (momsloven § 33), rounded once to whole øre, half to even
  (``money.convert``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from betal.domain.errors import FieldProblem, InvalidInput
from betal.domain.money import MAX_AMOUNT_MINOR, Money, convert

FEE_CURRENCY = "DKK"
VAT_RATE = Decimal("0.25")
MAX_PLAN_NAME = 100
_PERIOD = re.compile(r"(\d{4})-Q([1-4])")


class UsageKind(StrEnum):
    EXECUTED_PAYMENT = "executed_payment"


@dataclass(frozen=True)
class PricePlan:
    id: str
    organisation_id: str
    name: str
    per_payment_fee_minor: int
    monthly_fee_minor: int
    currency: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class UsageRecord:
    """One metered use, priced when it happened; one per (organisation, kind, subject)."""

    id: str
    organisation_id: str
    kind: UsageKind
    subject_id: str
    day: date
    fee_minor: int
    currency: str
    created_at: datetime


def plan_problems(
    name: str, per_payment_fee_minor: object, monthly_fee_minor: object, currency: str
) -> list[FieldProblem]:
    """Every problem with a plan's fields at once (an empty list: the plan is valid)."""
    problems = []
    if not name.strip() or len(name.strip()) > MAX_PLAN_NAME:
        problems.append(FieldProblem("name", f"write a name of 1 to {MAX_PLAN_NAME} characters"))
    for field, value in (("per_payment_fee", per_payment_fee_minor), ("monthly_fee", monthly_fee_minor)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_AMOUNT_MINOR:
            problems.append(FieldProblem(field, "a fee is a whole number of øre, 0 or more"))
    if currency != FEE_CURRENCY:
        problems.append(FieldProblem("currency", "fees are in DKK"))
    return problems


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``"2026-Q4"``; anything else is ``InvalidInput`` (``fee_statement.invalid_period``)."""
        match = _PERIOD.fullmatch(text)
        if match is None or not 2000 <= int(match.group(1)) <= 9999:
            raise InvalidInput(
                "the period is a quarter written YYYY-Qn, e.g. 2026-Q4",
                field="period",
                code="fee_statement.invalid_period",
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def months(self) -> tuple[date, date, date]:
        """The first day of each of the quarter's months."""
        first = 3 * self.number - 2
        return (date(self.year, first, 1), date(self.year, first + 1, 1), date(self.year, first + 2, 1))

    @property
    def start(self) -> date:
        return self.months[0]

    @property
    def end(self) -> date:
        """The quarter's last day."""
        return _month_end(self.months[2])

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def subscription_months(quarter: Quarter, plan_since: date | None, today: date) -> list[date]:
    """The months (their first days) charged the monthly fee: begun by ``today`` and ending on or after
    ``plan_since`` (the day the plan was first saved); none without a plan."""
    if plan_since is None:
        return []
    return [m for m in quarter.months if m <= today and _month_end(m) >= plan_since]


@dataclass(frozen=True)
class StatementLine:
    kind: str  # "subscription" or "payments"
    quantity: int  # months, or executed payments
    unit_minor: int
    amount_minor: int


def statement_lines(monthly_fee_minor: int, months: int, fees: list[int]) -> list[StatementLine]:
    """The subscription line (when there is a monthly fee and a month to charge), then one line per
    payment fee charged in the quarter (a plan changed mid-quarter gives two), highest fee first."""
    lines = []
    if monthly_fee_minor and months:
        lines.append(StatementLine("subscription", months, monthly_fee_minor, months * monthly_fee_minor))
    for fee, count in sorted(Counter(fees).items(), reverse=True):
        lines.append(StatementLine("payments", count, fee, count * fee))
    return lines


@dataclass(frozen=True)
class Totals:
    subtotal: Money
    vat: Money
    total: Money


def totals(lines: list[StatementLine]) -> Totals:
    """Fees before VAT, 25 % VAT on them (rounded half to even to whole øre), and the total to pay."""
    subtotal = Money(sum(line.amount_minor for line in lines), FEE_CURRENCY)
    vat = convert(subtotal, VAT_RATE, FEE_CURRENCY)
    return Totals(subtotal, vat, subtotal + vat)
