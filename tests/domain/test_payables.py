"""Payment orders move only along DESIGN.md's state machine; a rejected order can be sent again."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from betal.domain.errors import IllegalTransition
from betal.domain.payables import ORDER_TRANSITIONS, OrderStatus, OrderType, PaymentOrder, move_order

S = OrderStatus
NOW = datetime(2026, 11, 22, 10, tzinfo=UTC)


def _order(status: OrderStatus) -> PaymentOrder:
    return PaymentOrder(
        id="pord_1", organisation_id="org_1", supplier_invoice_id="sinv_1", supplier_id="sup_1",
        type=OrderType.DOMESTIC, amount_minor=100_000, currency="DKK", requested_date=date(2026, 12, 1),
        execution_date=date(2026, 12, 1), status=status, required_approvals=1, fx_rate=None,
        fx_rate_date=None,
        dkk_amount_minor=None, bank_file_id=None, end_to_end_id="pord-1", rejection_comment=None,
        failure_reason=None, created_by="usr_1", created_at=NOW, updated_at=NOW,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.DRAFT, S.AWAITING_APPROVAL), (S.AWAITING_APPROVAL, S.APPROVED), (S.APPROVED, S.SUBMITTED),
        (S.SUBMITTED, S.EXECUTED), (S.AWAITING_APPROVAL, S.REJECTED), (S.SUBMITTED, S.FAILED),
        (S.APPROVED, S.CANCELLED), (S.AWAITING_APPROVAL, S.CANCELLED), (S.REJECTED, S.AWAITING_APPROVAL),
    ],
)  # fmt: skip
def test_the_legal_moves(start: OrderStatus, target: OrderStatus) -> None:
    later = datetime(2026, 11, 23, tzinfo=UTC)
    moved = move_order(_order(start), target, later, rejection_comment="x")
    assert (moved.status, moved.updated_at, moved.rejection_comment) == (target, later, "x")


def test_every_other_move_is_refused() -> None:
    for start in S:
        for target in set(S) - ORDER_TRANSITIONS[start]:
            with pytest.raises(IllegalTransition):
                move_order(_order(start), target, NOW)


def test_final_states_have_no_way_out() -> None:
    assert all(not ORDER_TRANSITIONS[s] for s in (S.EXECUTED, S.FAILED, S.CANCELLED))
