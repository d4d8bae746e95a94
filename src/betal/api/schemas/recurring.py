"""Schemas for recurring collections (API.md "Receivables": ``POST /v1/recurring-collections``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StrictInt

from betal.api.schemas.base import AmountMinor, CurrencyCode, RequestModel, ResponseModel
from betal.api.schemas.receivables import MethodName
from betal.domain.payment_method import Method
from betal.domain.recurring import DEFAULT_LEAD_DAYS


class RecurringCollectionCreate(RequestModel):
    customer_id: str = Field(min_length=1, max_length=40)
    amount: AmountMinor
    currency: CurrencyCode
    interval: Literal["monthly", "quarterly", "yearly"]
    day_of_month: Annotated[StrictInt, Field(ge=1, le=31, description="clamped to the month's last day")]
    start_date: date = Field(description="the first due date is the first day_of_month on or after it")
    allowed_methods: list[MethodName] = Field(min_length=1, max_length=5)
    description: str | None = Field(default=None, min_length=1, max_length=500)
    lead_days: Annotated[
        StrictInt, Field(ge=1, le=60, description="days before each due date the request is issued")
    ] = DEFAULT_LEAD_DAYS


class RecurringCollectionRead(ResponseModel):
    id: str
    customer_id: str
    amount: int = Field(validation_alias="amount_minor")
    currency: str
    interval: str
    day_of_month: int
    start_date: date
    allowed_methods: list[Method]
    description: str
    status: str
    next_due_date: date = Field(description="the next due date, moved to a banking day")
    lead_days: int
    created_at: datetime
