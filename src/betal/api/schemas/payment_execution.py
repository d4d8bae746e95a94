"""Schemas for payment accounts and bank files (API.md "Payables"; docs/payables.md "Execution")."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import Field

from betal.api.schemas.base import CurrencyCode, RequestModel, ResponseModel
from betal.api.schemas.payables import DkAccount
from betal.domain.bank_file import BankFile
from betal.domain.payables import PaymentOrder
from betal.domain.payment_account import DEFAULT_CUTOFF, PaymentAccount


class PaymentAccountCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100, examples=["Driftskonto"])
    iban: str | None = Field(default=None, max_length=42)
    bic: str | None = Field(default=None, max_length=11)
    dk_account: DkAccount | None = None
    currency: CurrencyCode = "DKK"
    is_default: bool = False
    cutoff: time = Field(default=DEFAULT_CUTOFF, description="Copenhagen time the day's files are made from")
    file_version: Literal["pain.001.001.09", "pain.001.001.03"] = "pain.001.001.09"


class PaymentAccountRead(ResponseModel):
    id: str
    name: str
    iban: str
    bic: str | None
    dk_account: DkAccount | None
    currency: str
    is_default: bool
    cutoff: str
    file_version: str
    created_at: datetime

    @classmethod
    def of(cls, account: PaymentAccount) -> PaymentAccountRead:
        danish = None
        if account.reg_no is not None and account.account_no is not None:
            danish = DkAccount(reg_no=account.reg_no, account_no=account.account_no)
        return cls(
            id=account.id, name=account.name, iban=account.iban, bic=account.bic, dk_account=danish,
            currency=account.currency, is_default=account.is_default, cutoff=account.cutoff.strftime("%H:%M"),
            file_version=account.file_version, created_at=account.created_at,
        )  # fmt: skip


class BankFileOrder(ResponseModel):
    id: str
    status: str
    amount: int
    currency: str
    end_to_end_id: str
    failure_reason: str | None

    @classmethod
    def of(cls, order: PaymentOrder) -> BankFileOrder:
        return cls(
            id=order.id, status=order.status.value, amount=order.amount_minor, currency=order.currency,
            end_to_end_id=order.end_to_end_id, failure_reason=order.failure_reason,
        )  # fmt: skip


class BankFileRead(ResponseModel):
    id: str
    status: str
    message_id: str
    version: str
    debtor_account: str
    payment_account_id: str | None
    execution_date: date
    payment_count: int
    control_sum: str
    bank_reference: str | None
    failure_reason: str | None
    submitted_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, bank_file: BankFile) -> BankFileRead:
        return cls(
            id=bank_file.id, status=bank_file.status.value, message_id=bank_file.message_id,
            version=bank_file.version, debtor_account=bank_file.debtor_account,
            payment_account_id=bank_file.payment_account_id, execution_date=bank_file.execution_date,
            payment_count=bank_file.payment_count, control_sum=bank_file.control_sum,
            bank_reference=bank_file.bank_reference, failure_reason=bank_file.failure_reason,
            submitted_at=bank_file.submitted_at, created_at=bank_file.created_at,
        )  # fmt: skip
