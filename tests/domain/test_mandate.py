"""The mandate state machine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from betal.domain.errors import IllegalTransition
from betal.domain.mandate import TRANSITIONS, Mandate, MandateStatus, move
from betal.domain.payment_method import Method

NOW = datetime(2026, 11, 23, tzinfo=UTC)
M = MandateStatus


def mandate(status: MandateStatus) -> Mandate:
    return Mandate("man_1", "org_1", "cus_1", Method.BETALINGSSERVICE, status, None, None, NOW, NOW)


class TestMove:
    @pytest.mark.parametrize(
        ("a", "b"), [(M.PENDING, M.ACTIVE), (M.PENDING, M.REJECTED), (M.ACTIVE, M.CANCELLED)]
    )
    def test_legal(self, a: MandateStatus, b: MandateStatus) -> None:
        assert move(mandate(a), b, NOW).status is b

    @pytest.mark.parametrize(
        ("a", "b"), [(M.ACTIVE, M.PENDING), (M.REJECTED, M.ACTIVE), (M.CANCELLED, M.ACTIVE)]
    )
    def test_illegal(self, a: MandateStatus, b: MandateStatus) -> None:
        with pytest.raises(IllegalTransition, match="mandate"):
            move(mandate(a), b, NOW)

    def test_every_status_has_a_row(self) -> None:
        assert set(TRANSITIONS) == set(MandateStatus)
