"""The accountant's view, pure parts: counts add up, late orders, approvals in the current round."""

from __future__ import annotations

from datetime import date

from betal.domain.accountant import ClientApproval, ClientCounts, approvals_given, is_late
from betal.domain.approval import Decision

A, R = Decision.APPROVE, Decision.REJECT


class TestClientCounts:
    def test_groups_add_up(self) -> None:
        counts = ClientCounts("org_1", 2, 1, 3, 4, 1, 1, 2, 1)
        assert (counts.to_book, counts.failures, counts.total) == (6, 4, 14)

    def test_nothing_waits_by_default(self) -> None:
        assert ClientCounts("org_1").total == 0


class TestIsLate:
    def test_only_after_the_execution_date(self) -> None:
        assert is_late(date(2026, 11, 20), date(2026, 11, 23))
        assert not is_late(date(2026, 11, 23), date(2026, 11, 23))


class TestApprovalsGiven:
    def test_counts_approvals_of_the_current_round_only(self) -> None:
        decisions = [("o1", 1, A), ("o1", 1, R), ("o1", 2, A), ("o2", 1, A), ("o2", 1, A), ("o3", 1, R)]
        assert approvals_given(decisions) == {"o1": 1, "o2": 2}

    def test_missing_never_below_zero(self) -> None:
        approval = ClientApproval("org_1", "o1", "Kontor A/S", date(2026, 11, 30), "DKK", 100, 1, approvals=2)
        assert approval.missing == 0
        assert ClientApproval("org_1", "o1", "Kontor A/S", date(2026, 11, 30), "DKK", 100, 2, 1).missing == 1
