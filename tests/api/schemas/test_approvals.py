"""The payables approval schemas: strict integers, limits, and how an order reads (FX only when foreign)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from betal.api.schemas.approvals import (
    ApprovalPolicyWrite,
    ApprovalRequestCreate,
    DecisionCreate,
    PaymentOrderBulkCreate,
    PaymentOrderRead,
)
from betal.domain.payables import OrderStatus, OrderType, PaymentOrder

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ORDER = PaymentOrder(
    id="pord_1", organisation_id="org_1", supplier_invoice_id="sinv_1", supplier_id="sup_1",
    type=OrderType.SEPA, amount_minor=100_000, currency="EUR", requested_date=date(2026, 11, 28),
    execution_date=date(2026, 11, 30), status=OrderStatus.DRAFT, required_approvals=1, fx_rate="7.4604",
    fx_rate_date=date(2026, 11, 20), dkk_amount_minor=746_040, bank_file_id=None, end_to_end_id="pord_1",
    rejection_comment=None, failure_reason=None, created_by="usr_1", created_at=T0, updated_at=T0,
)  # fmt: skip


class TestPaymentOrderRead:
    def test_a_foreign_order_with_its_rate_and_the_reason_its_date_moved(self) -> None:
        read = PaymentOrderRead.of(ORDER)
        assert read.fx is not None
        assert (read.fx.rate, read.fx.rate_date, read.fx.dkk_amount) == (
            "7.4604",
            date(2026, 11, 20),
            746_040,
        )
        assert (read.type, read.status, read.amount, read.execution_note) == (
            "sepa",
            "draft",
            100_000,
            "not_a_banking_day",
        )

    def test_a_dkk_order_has_no_fx(self) -> None:
        dkk = replace(ORDER, currency="DKK", fx_rate=None, fx_rate_date=None, dkk_amount_minor=None)
        assert PaymentOrderRead.of(dkk).fx is None


class TestRequests:
    @pytest.mark.parametrize(
        "body",
        [
            {"required_approvals": 3, "approver_user_ids": ["usr_1"]},
            {"required_approvals": "1", "approver_user_ids": ["usr_1"]},
            {"required_approvals": 1, "approver_user_ids": []},
            {"required_approvals": 1, "approver_user_ids": ["usr_1"], "dual_threshold_amount": 10.5},
            {"required_approvals": 1, "approver_user_ids": ["usr_1"], "remind_days_before": 31},
            {"required_approvals": 1, "approver_user_ids": ["usr_1"], "extra": True},
        ],
    )
    def test_policy_refusals(self, body: dict[str, object]) -> None:
        with pytest.raises(ValidationError):
            ApprovalPolicyWrite.model_validate(body)

    def test_limits(self) -> None:
        with pytest.raises(ValidationError):
            DecisionCreate.model_validate({"decision": "approve", "comment": "x" * 501})
        with pytest.raises(ValidationError):
            ApprovalRequestCreate.model_validate({"payment_order_ids": ["pord_1"] * 101})
        with pytest.raises(ValidationError):
            PaymentOrderBulkCreate.model_validate({"supplier_invoice_ids": []})
        assert DecisionCreate.model_validate({"decision": "reject"}).payment_order_ids is None
