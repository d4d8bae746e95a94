"""Tests for betal.domain.calendar against Nationalbanken's closing days (data/bank_holidays.json)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.domain.calendar import (
    add_banking_days,
    bank_holidays,
    business_date,
    following_banking_day,
    is_banking_day,
    next_banking_day,
    preceding_banking_day,
)
from betal.domain.errors import InvalidInput

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "bank_holidays.json").read_text("utf-8")
)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


def d(text: str) -> date:
    return date.fromisoformat(text)


def pairs(key: str) -> list[Any]:
    return [pytest.param(d(a), d(b), id=f"{a}-{why}") for a, b, why in VECTORS[key]]


class TestBankHolidays:
    @pytest.mark.parametrize("year", sorted(VECTORS["nationalbanken"]))
    def test_matches_nationalbanken_on_weekdays(self, year: str) -> None:
        published = {d(x) for x in VECTORS["nationalbanken"][year]}
        assert set(bank_holidays(int(year))) == {x for x in published if x.weekday() < 5}

    def test_names_the_days_in_danish_in_date_order(self) -> None:
        days = bank_holidays(2026)
        assert list(days) == sorted(days)
        assert days[date(2026, 4, 3)] == "Langfredag"
        assert days[date(2026, 5, 15)].startswith("Banklukkedag")
        assert days[date(2026, 6, 5)] == "Grundlovsdag"
        assert days[date(2026, 12, 24)] == "Juleaftensdag"
        assert days[date(2026, 12, 31)] == "Nytårsaftensdag"

    def test_lists_weekdays_only(self) -> None:
        assert date(2026, 12, 26) not in bank_holidays(2026)  # 2. juledag 2026 is a Saturday
        assert all(day.weekday() < 5 for year in range(2020, 2031) for day in bank_holidays(year))

    def test_store_bededag_until_2023_only(self) -> None:
        assert bank_holidays(2023)[date(2023, 5, 5)] == "Store bededag"
        assert not [name for name in bank_holidays(2024).values() if "bededag" in name.lower()]

    @pytest.mark.parametrize("year", range(2020, 2031))
    def test_first_of_may_is_not_a_bank_holiday(self, year: int) -> None:
        assert date(year, 5, 1) not in bank_holidays(year)

    def test_returns_a_fresh_dict(self) -> None:
        bank_holidays(2026).clear()
        assert bank_holidays(2026)


class TestIsBankingDay:
    @pytest.mark.parametrize(
        "row", VECTORS["closed"], ids=[f"{r['date']}-{r['why']}" for r in VECTORS["closed"]]
    )
    def test_closed(self, row: dict[str, str]) -> None:
        assert not is_banking_day(d(row["date"]))

    @pytest.mark.parametrize("row", VECTORS["open"], ids=[f"{r['date']}-{r['why']}" for r in VECTORS["open"]])
    def test_open(self, row: dict[str, str]) -> None:
        assert is_banking_day(d(row["date"]))

    def test_weekend_closed(self) -> None:
        assert not is_banking_day(date(2026, 2, 7))
        assert not is_banking_day(date(2026, 2, 8))

    def test_refuses_datetimes(self) -> None:
        with pytest.raises(TypeError):
            is_banking_day(datetime(2026, 2, 9, 12, 0))


class TestNextBankingDay:
    @pytest.mark.parametrize(("start", "expected"), pairs("next_banking_day"))
    def test_vectors(self, start: date, expected: date) -> None:
        assert next_banking_day(start) == expected

    @given(dates)
    def test_is_the_first_banking_day_on_or_after(self, start: date) -> None:
        result = next_banking_day(start)
        assert result >= start
        assert is_banking_day(result)
        assert not any(is_banking_day(start + timedelta(days=i)) for i in range((result - start).days))


class TestFollowingBankingDay:
    @pytest.mark.parametrize(("start", "expected"), pairs("following_banking_day"))
    def test_vectors(self, start: date, expected: date) -> None:
        assert following_banking_day(start) == expected

    @given(dates)
    def test_is_strictly_after(self, start: date) -> None:
        result = following_banking_day(start)
        assert result > start
        assert result == next_banking_day(start + timedelta(days=1))


class TestPrecedingBankingDay:
    @pytest.mark.parametrize(("start", "expected"), pairs("preceding_banking_day"))
    def test_vectors(self, start: date, expected: date) -> None:
        assert preceding_banking_day(start) == expected

    @given(dates)
    def test_is_the_last_banking_day_before(self, start: date) -> None:
        result = preceding_banking_day(start)
        assert result < start
        assert is_banking_day(result)
        assert following_banking_day(result) >= start


class TestAddBankingDays:
    @pytest.mark.parametrize(
        ("start", "n", "expected"),
        [pytest.param(d(a), n, d(b), id=f"{a}{n:+d}-{why}") for a, n, b, why in VECTORS["add_banking_days"]],
    )
    def test_vectors(self, start: date, n: int, expected: date) -> None:
        assert add_banking_days(start, n) == expected

    @given(dates, st.integers(min_value=1, max_value=40))
    def test_counts_banking_days_strictly_between(self, start: date, n: int) -> None:
        forward = add_banking_days(start, n)
        assert is_banking_day(forward)
        assert (
            sum(is_banking_day(start + timedelta(days=i)) for i in range(1, (forward - start).days + 1)) == n
        )
        backward = add_banking_days(start, -n)
        assert is_banking_day(backward)
        assert sum(is_banking_day(backward + timedelta(days=i)) for i in range((start - backward).days)) == n


class TestBusinessDate:
    @pytest.mark.parametrize(
        ("ts", "expected"),
        [pytest.param(datetime.fromisoformat(a), d(b), id=why) for a, b, why in VECTORS["business_date"]],
    )
    def test_copenhagen_calendar_date(self, ts: datetime, expected: date) -> None:
        assert business_date(ts) == expected

    def test_refuses_naive_timestamps(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            business_date(datetime(2026, 1, 1, 12, 0))
        assert caught.value.errors[0].field == "timestamp"
