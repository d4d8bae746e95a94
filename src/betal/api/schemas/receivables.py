"""Schemas for customers, payment requests, payments and mandates (API.md "Receivables")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StrictInt

from betal.api.schemas.base import AmountMinor, CurrencyCode, RequestModel, ResponseModel
from betal.api.schemas.reminder_policy import ChargeRead, ReminderRead
from betal.domain.payment_method import Method

MethodName = Annotated[
    Method, Field(description="account_to_account, fi_card, mobilepay, card or betalingsservice")
]


class CustomerCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30, description="E.164, or a Danish number")
    cpr: str | None = Field(default=None, max_length=11, description="stored encrypted, returned masked")
    cvr: str | None = Field(default=None, max_length=12)
    external_id: str | None = Field(default=None, max_length=100)
    language: str | None = Field(default=None, max_length=5, description="da (default) or en")
    notification_channels: list[str] | None = Field(
        default=None, max_length=3, description="email, sms, push in order of preference"
    )


class CustomerRead(ResponseModel):
    id: str
    name: str
    email: str | None
    phone: str | None
    cpr: str | None = Field(validation_alias="cpr_masked", description="masked: DDMMYY-XXXX")
    cvr: str | None
    external_id: str | None
    language: str
    notification_channels: list[str] = Field(description="empty: e-mail, then SMS, then push")
    created_at: datetime


class AttachmentUpload(RequestModel):
    filename: str = Field(min_length=1, max_length=200, examples=["faktura-1042.pdf"])
    content_base64: str = Field(
        min_length=8, max_length=7_000_000, description="the PDF, base64-encoded (at most 5 MB)"
    )


class PaymentRequestCreate(RequestModel):
    customer_id: str = Field(min_length=1, max_length=40)
    amount: AmountMinor
    vat_amount: StrictInt = Field(
        default=0, ge=0, description="the output VAT included in amount, in minor units (less than amount)"
    )
    currency: CurrencyCode
    due_date: date
    description: str = Field(min_length=1, max_length=500)
    reference: str | None = Field(default=None, max_length=100)
    allowed_methods: list[MethodName] = Field(min_length=1, max_length=5)
    attachment: AttachmentUpload | None = Field(
        default=None, description="a PDF shown with the payer's message"
    )
    reminder_policy_id: str | None = Field(
        default=None, max_length=40, description="the reminder policy; none: the organisation's default"
    )


class PaymentRead(ResponseModel):
    id: str
    payment_request_id: str
    customer_id: str
    method: Method
    amount: int = Field(validation_alias="amount_minor")
    currency: str
    status: str
    refunded_amount: int = Field(validation_alias="refunded_minor")
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime


class PaymentRequestRead(ResponseModel):
    id: str
    customer_id: str
    amount: int = Field(validation_alias="amount_minor")
    vat_amount: int = Field(default=0, validation_alias="vat_minor", description="output VAT included")
    currency: str
    due_date: date
    description: str
    reference: str | None
    allowed_methods: list[Method]
    status: str
    paid_amount: int = Field(validation_alias="paid_minor")
    overpaid_amount: int = Field(validation_alias="overpaid_minor")
    refunded_amount: int = Field(validation_alias="refunded_minor")
    fi_payment_line: str | None
    pay_url: str = ""
    created_at: datetime
    updated_at: datetime


class PaymentRequestDetail(PaymentRequestRead):
    reminder_policy_id: str | None = Field(default=None, description="none: the organisation's default")
    total_due: int = Field(default=0, description="the amount plus the charges of late payment")
    outstanding: int = Field(default=0, description="what is still to pay of total_due")
    charges: list[ChargeRead] = Field(default_factory=list, description="the lines of the amount due")
    payments: list[PaymentRead] = Field(default_factory=list)
    reminders: list[ReminderRead] = Field(
        default_factory=list, description="reminders handled: sent, or dropped with the reason"
    )


class RefundCreate(RequestModel):
    amount: AmountMinor | None = None


class MandateRead(ResponseModel):
    id: str
    customer_id: str
    method: Method
    status: str
    created_at: datetime
    updated_at: datetime
