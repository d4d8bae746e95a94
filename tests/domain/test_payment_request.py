"""The payment request state machine, payments applied, overpayments and refunds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.domain.errors import IllegalTransition, InvalidInput
from betal.domain.payment_method import Method
from betal.domain.payment_request import (
    TRANSITIONS,
    PaymentRequest,
    RequestStatus,
    apply_payment,
    cancel,
    mark_overdue,
    move,
    record_refund,
    unapply_payment,
    validate_new_request,
)

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
S = RequestStatus


def request(status: RequestStatus = S.OPEN, amount: int = 10_000, paid: int = 0) -> PaymentRequest:
    return PaymentRequest(
        id="preq_1", organisation_id="org_1", customer_id="cus_1", amount_minor=amount, currency="DKK",
        due_date=date(2026, 12, 1), description="Rent", reference=None, allowed_methods=(Method.CARD,),
        status=status, fi_payment_line=None, fi_payment_id=None, paid_minor=paid, overpaid_minor=0,
        refunded_minor=0, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


class TestMove:
    @pytest.mark.parametrize(
        ("source", "target"),
        [(S.DRAFT, S.OPEN), (S.OPEN, S.PAID), (S.OPEN, S.PARTIALLY_PAID), (S.PARTIALLY_PAID, S.PAID),
         (S.OPEN, S.OVERDUE), (S.PARTIALLY_PAID, S.OVERDUE), (S.OPEN, S.CANCELLED), (S.OVERDUE, S.CANCELLED),
         (S.PAID, S.REFUNDED), (S.OVERDUE, S.PAID)],
    )  # fmt: skip
    def test_design_md_moves_are_legal(self, source: RequestStatus, target: RequestStatus) -> None:
        assert move(request(source), target, NOW).status is target

    @pytest.mark.parametrize(
        ("source", "target"),
        [(S.PAID, S.CANCELLED), (S.CANCELLED, S.OPEN), (S.PARTIALLY_PAID, S.CANCELLED), (S.DRAFT, S.PAID),
         (S.REFUNDED, S.PAID), (S.PAID, S.OVERDUE)],
    )  # fmt: skip
    def test_other_moves_are_409(self, source: RequestStatus, target: RequestStatus) -> None:
        with pytest.raises(IllegalTransition) as info:
            move(request(source), target, NOW)
        assert info.value.code == "payment_request.illegal_state_change"

    def test_every_status_has_a_row(self) -> None:
        assert set(TRANSITIONS) == set(RequestStatus)


class TestApplyPayment:
    def test_full_payment(self) -> None:
        result = apply_payment(request(), 10_000, NOW)
        assert (result.request.status, result.applied_minor, result.overpaid_minor, result.became_paid) == (
            S.PAID, 10_000, 0, True,
        )  # fmt: skip

    def test_partial_then_rest(self) -> None:
        first = apply_payment(request(), 4_000, NOW)
        assert first.request.status is S.PARTIALLY_PAID
        assert first.request.outstanding_minor == 6_000
        second = apply_payment(first.request, 6_000, NOW)
        assert second.request.status is S.PAID
        assert second.became_paid

    def test_overpayment_is_recorded_not_paid(self) -> None:
        result = apply_payment(request(), 12_500, NOW)
        assert (result.request.paid_minor, result.request.overpaid_minor) == (10_000, 2_500)

    def test_partial_payment_keeps_overdue(self) -> None:
        assert apply_payment(request(S.OVERDUE), 1, NOW).request.status is S.OVERDUE

    def test_money_for_a_closed_request_is_all_overpayment(self) -> None:
        for status in (S.PAID, S.CANCELLED, S.REFUNDED):
            result = apply_payment(request(status, paid=10_000 if status is not S.CANCELLED else 0), 700, NOW)
            assert (result.request.status, result.applied_minor, result.overpaid_minor) == (status, 0, 700)
            assert result.request.overpaid_minor == 700

    def test_draft_cannot_take_money(self) -> None:
        with pytest.raises(IllegalTransition):
            apply_payment(request(S.DRAFT), 1, NOW)

    def test_positive_only(self) -> None:
        with pytest.raises(InvalidInput):
            apply_payment(request(), 0, NOW)

    @given(st.lists(st.integers(min_value=1, max_value=5_000), min_size=1, max_size=20))
    def test_paid_never_exceeds_amount(self, payments: list[int]) -> None:
        current = request()
        total = 0
        for amount in payments:
            if not current.is_payable:
                break
            current = apply_payment(current, amount, NOW).request
            total += amount
        assert current.paid_minor <= current.amount_minor
        assert current.paid_minor + current.overpaid_minor == total
        assert (current.status is S.PAID) == (current.paid_minor == current.amount_minor)


class TestCancelOverdueRefund:
    def test_cancel_open(self) -> None:
        assert cancel(request(), NOW).status is S.CANCELLED

    def test_overdue_only_after_due_date(self) -> None:
        with pytest.raises(InvalidInput):
            mark_overdue(request(), date(2026, 12, 1), NOW)
        assert mark_overdue(request(), date(2026, 12, 2), NOW).status is S.OVERDUE

    def test_refund_bounds(self) -> None:
        paid = replace(request(S.PAID, paid=10_000), overpaid_minor=500)
        partly = record_refund(paid, 3_000, NOW)
        assert (partly.status, partly.refunded_minor) == (S.REFUNDED, 3_000)
        rest = record_refund(partly, 7_500, NOW)
        assert rest.refunded_minor == 10_500
        with pytest.raises(InvalidInput, match="at most 0"):
            record_refund(rest, 1, NOW)
        with pytest.raises(InvalidInput):
            record_refund(paid, 0, NOW)


class TestValidateNewRequest:
    TODAY = date(2026, 11, 23)

    def test_ok(self) -> None:
        assert validate_new_request(1, self.TODAY, self.TODAY, "  Husleje   december ") == "Husleje december"

    @pytest.mark.parametrize(
        ("amount", "due", "text", "field"),
        [(0, TODAY, "x", "amount"), (10**12 + 1, TODAY, "x", "amount"), (True, TODAY, "x", "amount"),
         (1.5, TODAY, "x", "amount"), (1, date(2026, 11, 22), "x", "due_date"),
         (1, TODAY, " ", "description"),
         (1, TODAY, "x" * 501, "description")],
    )  # fmt: skip
    def test_rejected(self, amount: object, due: date, text: str, field: str) -> None:
        with pytest.raises(InvalidInput) as info:
            validate_new_request(amount, due, self.TODAY, text)  # type: ignore[arg-type]
        assert info.value.errors[0].field == field


class TestUnapplyPayment:
    """A bank receipt matched by mistake is taken back (reconciliation's unmatch)."""

    def test_a_paid_request_is_open_again_before_its_due_date(self) -> None:
        paid = apply_payment(request(), 10_000, NOW).request
        back = unapply_payment(paid, 10_000, 0, date(2026, 11, 30), NOW)
        assert (back.status, back.paid_minor) == (S.OPEN, 0)

    def test_part_of_it_still_paid_is_partially_paid(self) -> None:
        paid = apply_payment(apply_payment(request(), 4_000, NOW).request, 6_000, NOW).request
        back = unapply_payment(paid, 6_000, 0, date(2026, 12, 1), NOW)
        assert (back.status, back.paid_minor) == (S.PARTIALLY_PAID, 4_000)

    def test_after_the_due_date_it_is_overdue(self) -> None:
        paid = apply_payment(request(), 10_000, NOW).request
        assert unapply_payment(paid, 10_000, 0, date(2026, 12, 2), NOW).status is S.OVERDUE

    def test_the_overpayment_goes_too(self) -> None:
        paid = apply_payment(request(), 12_000, NOW).request
        back = unapply_payment(paid, 10_000, 2_000, date(2026, 11, 30), NOW)
        assert (back.paid_minor, back.overpaid_minor, back.status) == (0, 0, S.OPEN)

    def test_only_overpayment_on_a_closed_request_keeps_its_status(self) -> None:
        cancelled = apply_payment(request(S.CANCELLED), 500, NOW).request
        back = unapply_payment(cancelled, 0, 500, date(2026, 11, 30), NOW)
        assert (back.status, back.overpaid_minor) == (S.CANCELLED, 0)

    def test_refused(self) -> None:
        paid = apply_payment(request(), 10_000, NOW).request
        with pytest.raises(InvalidInput, match="more than"):
            unapply_payment(paid, 10_001, 0, date(2026, 11, 30), NOW)
        with pytest.raises(InvalidInput, match="negative"):
            unapply_payment(paid, -1, 0, date(2026, 11, 30), NOW)
        refunded = replace(paid, status=S.REFUNDED)
        with pytest.raises(IllegalTransition):
            unapply_payment(refunded, 10_000, 0, date(2026, 11, 30), NOW)
