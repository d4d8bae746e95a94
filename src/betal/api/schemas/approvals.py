"""Schemas for payment orders, the approval policy, approval requests and decisions (API.md "Payables").

Amounts are integers in minor units; the policy's threshold is in øre (DKK) and compares with an order's
DKK value. The rules live in ``domain.approval`` and ``services``; these schemas check only types.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StrictInt

from betal.api.schemas.base import RequestModel, ResponseModel
from betal.domain.approval import (
    MAX_APPROVERS,
    MAX_COMMENT,
    MAX_REMIND_DAYS,
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    Decision,
)
from betal.domain.money import MAX_AMOUNT_MINOR
from betal.domain.payables import PaymentOrder
from betal.domain.payment_order import execution_note
from betal.services.approval import MAX_ORDERS
from betal.services.payment_order import MAX_BULK

Id = Annotated[str, Field(min_length=1, max_length=40)]


class PaymentOrderCreate(RequestModel):
    supplier_invoice_id: Id
    execution_date: dt.date | None = Field(
        default=None, description="default: the invoice's due date; moved to the next banking day"
    )


class PaymentOrderBulkCreate(RequestModel):
    supplier_invoice_ids: list[Id] = Field(min_length=1, max_length=MAX_BULK, description="all or nothing")
    execution_date: dt.date | None = Field(default=None, description="default: each invoice's due date")


class FxRead(ResponseModel):
    rate: str = Field(description="DKK per unit of the order's currency")
    rate_date: dt.date = Field(description="the ECB day of the rate")
    dkk_amount: int = Field(description="the order's value in øre")


class PaymentOrderRead(ResponseModel):
    id: str
    supplier_invoice_id: str
    supplier_id: str
    type: str = Field(description="fi_card, domestic, sepa or international")
    status: str
    amount: int
    currency: str
    requested_date: dt.date = Field(description="the date asked for (the invoice's due date by default)")
    execution_date: dt.date = Field(description="the banking day the order runs")
    execution_note: str | None = Field(
        description="why it runs on another day: not_a_banking_day, due_date_passed or approved_late"
    )
    required_approvals: int
    fx: FxRead | None = Field(description="a foreign-currency order: the rate used and the DKK amount")
    end_to_end_id: str
    rejection_comment: str | None
    failure_reason: str | None
    bank_file_id: str | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, order: PaymentOrder) -> PaymentOrderRead:
        fx = None
        if (
            order.fx_rate is not None
            and order.fx_rate_date is not None
            and order.dkk_amount_minor is not None
        ):
            fx = FxRead(rate=order.fx_rate, rate_date=order.fx_rate_date, dkk_amount=order.dkk_amount_minor)
        return cls(
            id=order.id,
            supplier_invoice_id=order.supplier_invoice_id,
            supplier_id=order.supplier_id,
            type=order.type.value,
            status=order.status.value,
            amount=order.amount_minor,
            currency=order.currency,
            requested_date=order.requested_date,
            execution_date=order.execution_date,
            execution_note=execution_note(order),
            required_approvals=order.required_approvals,
            fx=fx,
            end_to_end_id=order.end_to_end_id,
            rejection_comment=order.rejection_comment,
            failure_reason=order.failure_reason,
            bank_file_id=order.bank_file_id,
            created_by=order.created_by,
            created_at=order.created_at,
            updated_at=order.updated_at,
        )


class DecisionRead(ResponseModel):
    id: str
    approval_request_id: str
    approver_user_id: str
    round: int
    decision: Decision
    comment: str | None
    via: str = Field(description="api, portal or link")
    created_at: dt.datetime

    @classmethod
    def of(cls, decision: ApprovalDecision) -> DecisionRead:
        return cls(
            id=decision.id,
            approval_request_id=decision.approval_request_id,
            approver_user_id=decision.approver_user_id,
            round=decision.round,
            decision=decision.decision,
            comment=decision.comment,
            via=decision.via.value,
            created_at=decision.created_at,
        )


class PaymentOrderDetail(PaymentOrderRead):
    decisions: list[DecisionRead] = Field(default_factory=list, description="every round, oldest first")


class ApprovalPolicyWrite(RequestModel):
    required_approvals: Annotated[StrictInt, Field(ge=1, le=2)]
    approver_user_ids: list[Id] = Field(min_length=1, max_length=MAX_APPROVERS)
    dual_threshold_amount: Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT_MINOR)] | None = Field(
        default=None, description="above this DKK amount (øre) two approvals are needed"
    )
    remind_days_before: Annotated[StrictInt, Field(ge=0, le=MAX_REMIND_DAYS)] = 1


class ApprovalPolicyRead(ResponseModel):
    id: str | None = Field(description="null: the built-in policy (one approval from any approver)")
    required_approvals: int
    approver_user_ids: list[str]
    dual_threshold_amount: int | None
    remind_days_before: int
    updated_at: dt.datetime | None

    @classmethod
    def of(cls, policy: ApprovalPolicy) -> ApprovalPolicyRead:
        return cls(
            id=policy.id,
            required_approvals=policy.required_approvals,
            approver_user_ids=list(policy.approver_user_ids),
            dual_threshold_amount=policy.dual_threshold_minor,
            remind_days_before=policy.remind_days_before,
            updated_at=policy.updated_at,
        )


class ApprovalRequestCreate(RequestModel):
    payment_order_ids: list[Id] = Field(min_length=1, max_length=MAX_ORDERS)
    approver_user_ids: list[Id] | None = Field(
        default=None, max_length=MAX_APPROVERS, description="default: every approver on the policy"
    )


class ApprovalRequestRead(ResponseModel):
    id: str
    payment_order_ids: list[str]
    approver_user_ids: list[str]
    created_by: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, approval: ApprovalRequest) -> ApprovalRequestRead:
        return cls(
            id=approval.id,
            payment_order_ids=list(approval.payment_order_ids),
            approver_user_ids=list(approval.approver_user_ids),
            created_by=approval.created_by,
            created_at=approval.created_at,
        )


class DecisionCreate(RequestModel):
    decision: Decision
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)
    payment_order_ids: list[Id] | None = Field(
        default=None, min_length=1, max_length=MAX_ORDERS, description="default: every order left to you"
    )
