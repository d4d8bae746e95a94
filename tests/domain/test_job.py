"""The retry rule: exponential backoff with a cap and jitter."""

from __future__ import annotations

import pytest

from betal.domain.job import backoff


class TestBackoff:
    def test_doubles_without_jitter(self) -> None:
        assert [backoff(n, jitter=0).total_seconds() for n in range(1, 6)] == [2, 4, 8, 16, 32]

    def test_capped(self) -> None:
        assert backoff(40, jitter=0).total_seconds() == 3600

    def test_jitter_stays_within_bounds(self) -> None:
        for _ in range(200):
            assert 7.2 <= backoff(3, jitter=0.1).total_seconds() <= 8.8

    def test_attempt_counts_from_one(self) -> None:
        with pytest.raises(ValueError, match="from 1"):
            backoff(0)
