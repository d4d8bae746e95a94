"""Late payment under the Danish interest act (renteloven): fees, compensation and interest.

Spec: shared/standards/danish-payments.md §7.

- § 3(1): with a due date fixed in advance, interest runs from the due date.
- § 5(1): the rate is the reference rate + 8 percentage points; the reference rate is Nationalbanken's
  lending rate on 1 January (first half-year) and 1 July (second half-year). The rate table is data
  (``data/reference_rates.csv``, replaceable through ``BETAL_REFERENCE_RATES``); a half-year the table does
  not reach uses its last rate, so the table must be extended each 1 January and 1 July.
- § 9 b: a reminder fee is at most 100 kr., fees for at most 3 reminders on the same claim, at least 10
  days apart.
- § 9 a(3): a business customer owes a one-time compensation of 310 kr. as soon as payment is late.

Day count: 30/360 (European), the practitioners' convention the standards note; simple interest on the
outstanding principal (fees and compensation bear none), split at each half-year so each part uses its
own rate, rounded half-even to øre per line.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path

from betal.domain.errors import InvalidInput

MAX_FEE_MINOR = 10_000  # § 9 b: 100 kr.
MAX_FEE_REMINDERS = 3  # § 9 b
MIN_DAYS_BETWEEN_FEES = 10  # § 9 b
COMPENSATION_MINOR = 31_000  # § 9 a(3): 310 kr., business customers
MARGIN = Decimal("8")  # § 5(1): percentage points over the reference rate
FEE_CURRENCY = "DKK"  # the amounts of §§ 9 a and 9 b are in kroner

_DEFAULT_TABLE = Path(__file__).parent / "data" / "reference_rates.csv"


@dataclass(frozen=True)
class ReferenceRate:
    effective_from: date
    rate_percent: Decimal


@dataclass(frozen=True)
class InterestLine:
    """Interest from ``start`` (inclusive) to ``end`` (exclusive) at ``rate_percent`` a year."""

    start: date
    end: date
    rate_percent: Decimal
    days: int
    amount_minor: int


def parse_rate_table(text: str, *, source: str = "reference rates") -> tuple[ReferenceRate, ...]:
    """Rows ``effective_from,rate_percent[,note]`` with a header; each date a 1 January or 1 July."""
    rates: list[ReferenceRate] = []
    for number, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            start = date.fromisoformat(row["effective_from"].strip())
            rate = Decimal(row["rate_percent"].strip())
        except (KeyError, ValueError, ArithmeticError, AttributeError):
            raise InvalidInput(
                f"{source} line {number}: needs a date and a rate", field="reference_rates"
            ) from None
        if (start.month, start.day) not in ((1, 1), (7, 1)):
            raise InvalidInput(
                f"{source} line {number}: renteloven § 5(1) fixes the rate on 1 January and 1 July",
                field="reference_rates",
            )
        if not Decimal("-10") <= rate <= Decimal("50"):
            raise InvalidInput(
                f"{source} line {number}: {rate} % is not a plausible rate", field="reference_rates"
            )
        rates.append(ReferenceRate(start, rate))
    if not rates:
        raise InvalidInput(f"{source}: the table is empty", field="reference_rates")
    ordered = sorted(rates, key=lambda r: r.effective_from)
    if len({r.effective_from for r in ordered}) != len(ordered):
        raise InvalidInput(f"{source}: a half-year appears twice", field="reference_rates")
    return tuple(ordered)


@cache
def default_rate_table() -> tuple[ReferenceRate, ...]:
    return parse_rate_table(_DEFAULT_TABLE.read_text(encoding="utf-8"), source=_DEFAULT_TABLE.name)


def _half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month < 7 else 7, 1)


def _next_half_year(day: date) -> date:
    start = _half_year_start(day)
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


def reference_rate(table: Sequence[ReferenceRate] | None, day: date) -> Decimal:
    """The reference rate of the half-year containing ``day`` (the latest entry on or before its start)."""
    start = _half_year_start(day)
    known = [r for r in (default_rate_table() if table is None else table) if r.effective_from <= start]
    if not known:
        raise InvalidInput(f"no reference rate for {start.isoformat()}", field="reference_rates")
    return known[-1].rate_percent


def interest_rate(table: Sequence[ReferenceRate] | None, day: date) -> Decimal:
    """The yearly late-payment rate in percent on ``day`` (§ 5(1))."""
    return reference_rate(table, day) + MARGIN


def days_30_360(start: date, end: date) -> int:
    """Days from ``start`` to ``end`` in the European 30/360 convention."""
    d1, d2 = min(start.day, 30), min(end.day, 30)
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def interest(
    principal_minor: int, start: date, end: date, table: Sequence[ReferenceRate] | None = None
) -> list[InterestLine]:
    """Interest from ``start`` to ``end`` on ``principal_minor``, one line per half-year touched."""
    if principal_minor <= 0 or end <= start:
        return []
    lines: list[InterestLine] = []
    cursor = start
    while cursor < end:
        stop = min(end, _next_half_year(cursor))
        rate = interest_rate(table, cursor)
        days = days_30_360(cursor, stop)
        exact = Decimal(principal_minor) * rate / Decimal(100) * Decimal(days) / Decimal(360)
        amount = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
        lines.append(InterestLine(cursor, stop, rate, days, amount))
        cursor = stop
    return lines
