"""Recurring collections: a schedule that issues payment requests ahead of each due date.

Due dates fall on ``day_of_month`` (clamped to the month's last day) every 1, 3 or 12 months
from ``start_date``, moved to the next Danish banking day. A request is issued ``lead_days``
before its due date (on a banking day, never after the due date).
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from betal.domain import calendar
from betal.domain.errors import InvalidInput
from betal.domain.payment_method import Method


class Interval(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


MONTHS = {Interval.MONTHLY: 1, Interval.QUARTERLY: 3, Interval.YEARLY: 12}
DEFAULT_LEAD_DAYS = 14


class CollectionStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class RecurringCollection:
    id: str
    organisation_id: str
    customer_id: str
    amount_minor: int
    currency: str
    interval: Interval
    day_of_month: int
    start_date: date
    allowed_methods: tuple[Method, ...]
    description: str
    status: CollectionStatus
    next_due_date: date
    lead_days: int
    created_at: datetime


def validate_day_of_month(day: int) -> int:
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
        raise InvalidInput("must be a day of the month, 1 to 31", field="day_of_month")
    return day


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def nominal_dates(start: date, interval: Interval, day_of_month: int) -> Iterator[date]:
    """Scheduled dates on ``day_of_month`` from the first one on or after ``start``, unmoved."""
    year, month = start.year, start.month
    step = MONTHS[interval]
    while True:
        day = min(day_of_month, _cal.monthrange(year, month)[1])
        candidate = date(year, month, day)
        if candidate >= start:
            yield candidate
        year, month = _add_months(year, month, step if candidate >= start else 1)


def due_dates(start: date, interval: Interval, day_of_month: int) -> Iterator[date]:
    """The due dates of the schedule, each moved to the next banking day."""
    for nominal in nominal_dates(start, interval, day_of_month):
        yield calendar.next_banking_day(nominal)


def issue_date(due: date, lead_days: int) -> date:
    """The banking day on which to issue the request for ``due``: ``lead_days`` before, never later."""
    day = due - timedelta(days=lead_days)
    while not calendar.is_banking_day(day):
        day -= timedelta(days=1)
    return day


def next_due_after(start: date, interval: Interval, day_of_month: int, after: date) -> date:
    for due in due_dates(start, interval, day_of_month):
        if due > after:
            return due
    raise AssertionError("unreachable: schedules are infinite")  # pragma: no cover
