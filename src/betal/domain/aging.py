"""Aging of open items: what customers owe us (receivables) or we owe suppliers (payables), by days past due.

The same function serves both sides: an ``OpenItem`` names its party (a customer or a supplier), its
currency, its due date and what is still open. Buckets are the usual Danish "aldersfordeling": not yet
due, 1-30, 31-60, 61-90 and over 90 days past due, counted in calendar days to the report's date.
Amounts are never added across currencies: every row and every total is in one currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Bucket(StrEnum):
    NOT_DUE = "not_due"
    DAYS_1_30 = "days_1_30"
    DAYS_31_60 = "days_31_60"
    DAYS_61_90 = "days_61_90"
    OVER_90 = "over_90"


BUCKETS = tuple(Bucket)
_LIMITS = ((0, Bucket.NOT_DUE), (30, Bucket.DAYS_1_30), (60, Bucket.DAYS_31_60), (90, Bucket.DAYS_61_90))


def bucket(due_date: date, as_of: date) -> Bucket:
    """The bucket of an item due on ``due_date``, seen on ``as_of`` (due today is not yet past due)."""
    days = (as_of - due_date).days
    return next((b for limit, b in _LIMITS if days <= limit), Bucket.OVER_90)


@dataclass(frozen=True)
class OpenItem:
    party_id: str
    party_name: str
    item_id: str
    currency: str
    due_date: date
    amount_minor: int  # what is still open


@dataclass(frozen=True)
class AgingRow:
    """One party's open items in one currency (or, with ``party_id`` None, a currency's total)."""

    party_id: str | None
    party_name: str
    currency: str
    amounts: Mapping[Bucket, int]
    items: int

    @property
    def total_minor(self) -> int:
        return sum(self.amounts.values())


@dataclass(frozen=True)
class AgingReport:
    as_of: date
    rows: tuple[AgingRow, ...]  # by currency, then party name
    totals: tuple[AgingRow, ...]  # one per currency


def _row(party: tuple[str | None, str], currency: str, items: list[OpenItem], as_of: date) -> AgingRow:
    amounts = dict.fromkeys(BUCKETS, 0)
    for item in items:
        amounts[bucket(item.due_date, as_of)] += item.amount_minor
    return AgingRow(party[0], party[1], currency, amounts, len(items))


def aging(items: Iterable[OpenItem], as_of: date) -> AgingReport:
    """Group open items per currency and party, and sum them into buckets; items with nothing open drop."""
    per_party: dict[tuple[str, str, str], list[OpenItem]] = defaultdict(list)
    for item in items:
        if item.amount_minor > 0:
            per_party[(item.currency, item.party_name, item.party_id)].append(item)
    rows = tuple(
        _row((party_id, name), currency, found, as_of)
        for (currency, name, party_id), found in sorted(per_party.items())
    )
    per_currency: dict[str, list[OpenItem]] = defaultdict(list)
    for (currency, _name, _id), found in per_party.items():
        per_currency[currency] += found
    totals = tuple(_row((None, ""), c, found, as_of) for c, found in sorted(per_currency.items()))
    return AgingReport(as_of, rows, totals)
