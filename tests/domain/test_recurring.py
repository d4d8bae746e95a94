"""Recurring schedules: due dates on banking days, issue dates ahead of them."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from betal.domain.calendar import is_banking_day
from betal.domain.errors import InvalidInput
from betal.domain.recurring import Interval, due_dates, issue_date, next_due_after, validate_day_of_month


def first(n: int, start: date, interval: Interval, day: int) -> list[date]:
    return list(itertools.islice(due_dates(start, interval, day), n))


class TestDueDates:
    def test_monthly_clamped_and_moved_to_banking_days(self) -> None:
        # 31 Jan 2026 is a Saturday -> Mon 2 Feb; 28 Feb (Sat) -> Mon 2 Mar;
        # then 31 Mar, 30 Apr, and 31 May (Sun) -> Mon 1 Jun
        assert first(5, date(2026, 1, 1), Interval.MONTHLY, 31) == [
            date(2026, 2, 2), date(2026, 3, 2), date(2026, 3, 31), date(2026, 4, 30), date(2026, 6, 1),
        ]  # fmt: skip

    def test_quarterly_from_a_late_start_skips_past_christmas(self) -> None:
        # 24 Dec is a bank holiday, 25/26 too, 27 Sunday -> 28 Dec 2026
        assert first(3, date(2026, 12, 20), Interval.QUARTERLY, 24) == [
            date(2026, 12, 28), date(2027, 3, 24), date(2027, 6, 24),
        ]  # fmt: skip

    def test_yearly_starts_at_the_first_such_day_after_the_start(self) -> None:
        # 10 Apr 2027 is a Saturday -> Monday 12 Apr
        assert first(2, date(2026, 3, 20), Interval.YEARLY, 10) == [date(2026, 4, 10), date(2027, 4, 12)]

    def test_all_on_banking_days(self) -> None:
        assert all(is_banking_day(d) for d in first(40, date(2026, 1, 1), Interval.MONTHLY, 1))

    def test_next_due_after(self) -> None:
        # 15 May 2026 is the bank closing day after Ascension: that due date moves to Monday 18 May
        assert next_due_after(date(2026, 1, 1), Interval.MONTHLY, 15, date(2026, 5, 14)) == date(2026, 5, 18)
        assert next_due_after(date(2026, 1, 1), Interval.MONTHLY, 15, date(2026, 5, 18)) == date(2026, 6, 15)


class TestIssueDate:
    def test_lead_days_back_to_a_banking_day(self) -> None:
        assert issue_date(date(2026, 12, 28), 3) == date(2026, 12, 23)  # 25th is a holiday
        assert issue_date(date(2026, 6, 15), 14) == date(2026, 6, 1)
        assert issue_date(date(2026, 6, 15), 0) == date(2026, 6, 15)


class TestDayOfMonth:
    def test_bounds(self) -> None:
        assert validate_day_of_month(31) == 31
        for bad in (0, 32, True, 1.5):
            with pytest.raises(InvalidInput):
                validate_day_of_month(bad)  # type: ignore[arg-type]
