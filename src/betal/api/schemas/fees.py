"""Schemas for the price plan (``/v1/price-plan``) and the quarterly fee statements (``/v1/fee-statements``).

Fees are integers in øre (API.md "Money"); the plan's rules (non-negative fees, DKK, a name) are checked
by ``domain.fees.plan_problems``, so every problem is reported at once; the schema checks only types.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StrictInt

from betal.api.schemas.base import RequestModel, ResponseModel
from betal.domain.fees import FEE_CURRENCY, VAT_RATE, PricePlan, StatementLine
from betal.domain.money import MAX_AMOUNT_MINOR, Money
from betal.services.fees import FeeStatement, StatementPayment

Fee = Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT_MINOR, description="øre, 0 or more")]


class PricePlanWrite(RequestModel):
    name: str = Field(max_length=200, examples=["Standard"])
    per_payment_fee: Fee = Field(description="charged per executed payment order, in øre")
    monthly_fee: Fee = Field(default=0, description="the monthly subscription in øre (0: none)")
    currency: str = Field(default=FEE_CURRENCY, max_length=3, description="DKK")


class PricePlanRead(ResponseModel):
    id: str
    name: str
    per_payment_fee: int
    monthly_fee: int
    currency: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, plan: PricePlan) -> PricePlanRead:
        return cls(
            id=plan.id, name=plan.name, per_payment_fee=plan.per_payment_fee_minor,
            monthly_fee=plan.monthly_fee_minor, currency=plan.currency, created_at=plan.created_at,
            updated_at=plan.updated_at,
        )  # fmt: skip


class MoneyRead(ResponseModel):
    amount: int
    currency: str

    @classmethod
    def of(cls, money: Money) -> MoneyRead:
        return cls(amount=money.minor, currency=money.currency)


class StatementLineRead(ResponseModel):
    kind: str = Field(description="subscription (quantity: months) or payments (quantity: payments)")
    quantity: int
    unit_amount: int
    amount: int

    @classmethod
    def of(cls, line: StatementLine) -> StatementLineRead:
        return cls(
            kind=line.kind, quantity=line.quantity, unit_amount=line.unit_minor, amount=line.amount_minor
        )


class StatementPaymentRead(ResponseModel):
    day: dt.date
    payment_order_id: str
    end_to_end_id: str | None
    supplier_name: str | None
    amount: MoneyRead | None = Field(description="what the payment paid")
    fee: int = Field(description="the fee it was metered at, in øre")

    @classmethod
    def of(cls, payment: StatementPayment) -> StatementPaymentRead:
        return cls(
            day=payment.day, payment_order_id=payment.payment_order_id, end_to_end_id=payment.end_to_end_id,
            supplier_name=payment.supplier_name,
            amount=MoneyRead.of(payment.amount) if payment.amount else None, fee=payment.fee.minor,
        )  # fmt: skip


class FeeStatementRead(ResponseModel):
    number: str
    period: str = Field(examples=["2026-Q4"])
    start: dt.date
    end: dt.date
    issued_on: dt.date
    organisation_name: str
    organisation_cvr: str
    plan: PricePlanRead | None
    currency: str
    subscription_months: list[dt.date] = Field(
        description="the first day of each month charged the monthly fee"
    )
    lines: list[StatementLineRead]
    payments: list[StatementPaymentRead]
    subtotal: int = Field(description="the fees before VAT, in øre")
    vat_rate: str
    vat: int
    total: int

    @classmethod
    def of(cls, statement: FeeStatement) -> FeeStatementRead:
        sums = statement.totals
        return cls(
            number=statement.number, period=str(statement.quarter), start=statement.start, end=statement.end,
            issued_on=statement.issued_on, organisation_name=statement.organisation_name,
            organisation_cvr=statement.organisation_cvr,
            plan=PricePlanRead.of(statement.plan) if statement.plan else None, currency=sums.total.currency,
            subscription_months=list(statement.months),
            lines=[StatementLineRead.of(line) for line in statement.lines],
            payments=[StatementPaymentRead.of(p) for p in statement.payments],
            subtotal=sums.subtotal.minor, vat_rate=str(VAT_RATE), vat=sums.vat.minor, total=sums.total.minor,
        )  # fmt: skip
