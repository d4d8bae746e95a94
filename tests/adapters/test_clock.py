"""Clocks: the system clock is aware UTC; the frozen clock moves only when told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from betal.adapters.clock import FrozenClock, SystemClock


class TestSystemClock:
    def test_aware_utc(self) -> None:
        now = SystemClock().now()
        assert now.tzinfo is UTC
        assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


class TestFrozenClock:
    def test_moves_only_when_told(self) -> None:
        clock = FrozenClock(datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=1))))
        assert clock.now() == datetime(2026, 1, 1, 11, tzinfo=UTC)
        assert clock.now().tzinfo is UTC
        clock.advance(timedelta(days=2))
        assert clock.now() == datetime(2026, 1, 3, 11, tzinfo=UTC)
        clock.set(datetime(2027, 1, 1, tzinfo=UTC))
        assert clock.now().year == 2027

    def test_refuses_naive(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            FrozenClock(datetime(2026, 1, 1))
