"""Renteloven: the reference-rate table, the 30/360 day count and interest split per half-year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.domain import renteloven as r
from betal.domain.errors import InvalidInput


def test_rate_vector_from_the_standards() -> None:
    # danish-payments.md §7: 1 Jan 2024: 3.75 % + 8 = 11.75 % p.a.
    assert r.interest_rate(None, date(2024, 1, 1)) == Decimal("11.75")
    assert r.interest_rate(None, date(2024, 6, 30)) == Decimal("11.75")


def test_the_rate_is_fixed_per_half_year_not_by_the_day() -> None:
    table = r.parse_rate_table("effective_from,rate_percent\n2030-01-01,2.00\n2030-07-01,3.00\n")
    assert r.interest_rate(table, date(2030, 6, 30)) == Decimal("10.00")
    assert r.interest_rate(table, date(2030, 7, 1)) == Decimal("11.00")
    assert r.interest_rate(table, date(2031, 3, 1)) == Decimal("11.00")  # last known rate carries on
    with pytest.raises(InvalidInput):
        r.interest_rate(table, date(2029, 12, 31))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("effective_from,rate_percent\n2030-02-01,2.00\n", "1 January and 1 July"),
        ("effective_from,rate_percent\n2030-01-01,abc\n", "needs a date and a rate"),
        ("effective_from,rate_percent\n", "empty"),
        ("effective_from,rate_percent\n2030-01-01,2\n2030-01-01,3\n", "twice"),
        ("effective_from,rate_percent\n2030-01-01,75\n", "plausible"),
    ],
)
def test_a_bad_rate_table_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        r.parse_rate_table(text)


def test_the_shipped_table_is_valid_and_current() -> None:
    table = r.default_rate_table()
    assert table[0].effective_from == date(2013, 1, 1)
    assert table[-1].effective_from >= date(2026, 7, 1)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2024, 1, 15), date(2024, 2, 15), 30),
        (date(2024, 1, 31), date(2024, 3, 1), 31),  # 31st counts as 30th
        (date(2024, 2, 28), date(2024, 3, 1), 3),
        (date(2024, 1, 1), date(2025, 1, 1), 360),
        (date(2024, 3, 10), date(2024, 3, 10), 0),
    ],
)
def test_days_30_360(start: date, end: date, days: int) -> None:
    assert r.days_30_360(start, end) == days


def test_interest_for_one_month_at_11_75_percent() -> None:
    (line,) = r.interest(100_000, date(2024, 1, 15), date(2024, 2, 15))
    # 1,000.00 kr. * 11.75 % * 30/360 = 9.7916... kr. -> 979 øre (half-even)
    assert (line.days, line.rate_percent, line.amount_minor) == (30, Decimal("11.75"), 979)


def test_interest_is_split_at_the_half_year_with_each_rate() -> None:
    lines = r.interest(100_000, date(2024, 6, 20), date(2024, 7, 10))
    assert [(x.start, x.end, x.rate_percent, x.days) for x in lines] == [
        (date(2024, 6, 20), date(2024, 7, 1), Decimal("11.75"), 11),
        (date(2024, 7, 1), date(2024, 7, 10), Decimal("11.50"), 9),
    ]
    assert [x.amount_minor for x in lines] == [359, 288]


def test_no_interest_on_nothing_or_no_time() -> None:
    assert r.interest(0, date(2024, 1, 1), date(2024, 2, 1)) == []
    assert r.interest(100, date(2024, 2, 1), date(2024, 2, 1)) == []
    assert r.interest(100, date(2024, 2, 1), date(2024, 1, 1)) == []


@given(
    st.integers(min_value=1, max_value=10**10),
    st.dates(min_value=date(2014, 1, 1), max_value=date(2026, 1, 1)),
    st.integers(min_value=1, max_value=700),
    st.integers(min_value=1, max_value=300),
)
def test_interest_adds_up_over_any_split(principal: int, start: date, length: int, cut: int) -> None:
    """Splitting a period never changes the total by more than the rounding of the extra lines."""
    from datetime import timedelta

    end = start + timedelta(days=length)
    middle = start + timedelta(days=min(cut, length))
    whole = sum(x.amount_minor for x in r.interest(principal, start, end))
    parts = sum(
        x.amount_minor for x in r.interest(principal, start, middle) + r.interest(principal, middle, end)
    )
    assert abs(whole - parts) <= 2
    assert whole >= 0


def test_law_constants() -> None:
    assert (r.MAX_FEE_MINOR, r.MAX_FEE_REMINDERS, r.MIN_DAYS_BETWEEN_FEES) == (10_000, 3, 10)
    assert (31_000, Decimal("8")) == (r.COMPENSATION_MINOR, r.MARGIN)
