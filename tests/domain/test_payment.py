"""The payment (attempt) state machine and refunds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from betal.domain.errors import IllegalTransition, InvalidInput
from betal.domain.payment import TRANSITIONS, Payment, PaymentStatus, move, refund
from betal.domain.payment_method import Method

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
P = PaymentStatus


def payment(status: PaymentStatus = P.INITIATED) -> Payment:
    return Payment(
        id="pay_1", organisation_id="org_1", payment_request_id="preq_1", customer_id="cus_1",
        method=Method.MOBILEPAY, amount_minor=5_000, currency="DKK", status=status, provider="mobilepay",
        provider_reference="ref", refunded_minor=0, failure_reason=None, payer_account=None,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


class TestMove:
    def test_happy_path(self) -> None:
        pending = move(payment(), P.PENDING, NOW)
        assert move(pending, P.SUCCEEDED, NOW).status is P.SUCCEEDED

    def test_repeat_of_a_non_final_state_is_a_no_op(self) -> None:
        assert move(payment(P.PENDING), P.PENDING, NOW, payer_account="DK1").payer_account == "DK1"

    @pytest.mark.parametrize(
        ("source", "target"),
        [(P.SUCCEEDED, P.FAILED), (P.FAILED, P.SUCCEEDED), (P.CANCELLED, P.PENDING),
         (P.SUCCEEDED, P.SUCCEEDED),
         (P.PENDING, P.INITIATED)],
    )  # fmt: skip
    def test_illegal(self, source: PaymentStatus, target: PaymentStatus) -> None:
        with pytest.raises(IllegalTransition):
            move(payment(source), target, NOW)

    def test_every_status_has_a_row(self) -> None:
        assert set(TRANSITIONS) == set(PaymentStatus)


class TestRefund:
    def test_partial_then_full(self) -> None:
        once = refund(payment(P.SUCCEEDED), 2_000, NOW)
        assert (once.status, once.refunded_minor) == (P.REFUNDED, 2_000)
        assert refund(once, 3_000, NOW).refunded_minor == 5_000

    def test_bounds(self) -> None:
        with pytest.raises(InvalidInput, match="at most 5000"):
            refund(payment(P.SUCCEEDED), 5_001, NOW)
        with pytest.raises(InvalidInput):
            refund(payment(P.SUCCEEDED), -1, NOW)
        with pytest.raises(IllegalTransition):
            refund(payment(P.PENDING), 1, NOW)


class TestReverse:
    """A bank payment whose match a person undoes (services.reconciliation.reverse_match)."""

    def test_a_succeeded_payment_can_be_reversed_once(self) -> None:
        reversed_ = move(payment(P.SUCCEEDED), P.REVERSED, NOW)
        assert reversed_.status is P.REVERSED
        with pytest.raises(IllegalTransition):
            move(reversed_, P.REVERSED, NOW)

    @pytest.mark.parametrize("source", [P.PENDING, P.REFUNDED, P.FAILED])
    def test_only_a_succeeded_one(self, source: PaymentStatus) -> None:
        with pytest.raises(IllegalTransition):
            move(payment(source), P.REVERSED, NOW)
