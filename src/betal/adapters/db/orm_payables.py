"""Payables tables: suppliers, supplier invoices and their documents, payment orders, approvals, bank files
and the price plan with its metered usage."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from betal.adapters.db.orm import JSON_DOCUMENT, Base


class SupplierRow(Base):
    __tablename__ = "suppliers"
    __table_args__ = (Index(None, "organisation_id", "id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    cvr: Mapped[str | None] = mapped_column(String(8))
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    dk_reg_no: Mapped[str | None] = mapped_column(String(4))
    dk_account_no: Mapped[str | None] = mapped_column(String(10))
    fi_creditor_number: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    bank_details_changed_at: Mapped[datetime | None]
    needs_dual_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SupplierBankChangeRow(Base):
    """Every change of a supplier's bank details, with what it was and who changed it (fraud defence)."""

    __tablename__ = "supplier_bank_changes"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    supplier_id: Mapped[str] = mapped_column(ForeignKey("suppliers.id"), index=True)
    before: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT)
    after: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT)
    changed_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]


class SupplierInvoiceRow(Base):
    __tablename__ = "supplier_invoices"
    __table_args__ = (
        UniqueConstraint("organisation_id", "supplier_id", "invoice_number"),
        Index(None, "organisation_id", "status", "due_date"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    supplier_id: Mapped[str] = mapped_column(ForeignKey("suppliers.id"))
    invoice_number: Mapped[str] = mapped_column(String(100))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    net_minor: Mapped[int] = mapped_column(BigInteger)
    vat_minor: Mapped[int] = mapped_column(BigInteger)
    gross_minor: Mapped[int] = mapped_column(BigInteger)
    means: Mapped[dict[str, Any] | None] = mapped_column(JSON_DOCUMENT)
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))
    description: Mapped[str | None] = mapped_column(String(500))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON_DOCUMENT)
    base_gross_minor: Mapped[int] = mapped_column(BigInteger)
    fx_rate: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SupplierDocumentRow(Base):
    """The invoice as received: the UBL XML and the PDF (embedded in the UBL or uploaded)."""

    __tablename__ = "supplier_documents"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    supplier_invoice_id: Mapped[str] = mapped_column(ForeignKey("supplier_invoices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # ubl | pdf
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class PaymentOrderRow(Base):
    __tablename__ = "payment_orders"
    __table_args__ = (
        Index(None, "organisation_id", "status", "execution_date"),
        Index(None, "supplier_invoice_id"),
        UniqueConstraint("end_to_end_id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    supplier_invoice_id: Mapped[str] = mapped_column(ForeignKey("supplier_invoices.id"))
    supplier_id: Mapped[str] = mapped_column(ForeignKey("suppliers.id"))
    type: Mapped[str] = mapped_column(String(15))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    requested_date: Mapped[date] = mapped_column(Date)
    execution_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    required_approvals: Mapped[int] = mapped_column(Integer)
    fx_rate: Mapped[str | None] = mapped_column(String(20))
    fx_rate_date: Mapped[date | None] = mapped_column(Date)
    dkk_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    bank_file_id: Mapped[str | None] = mapped_column(String(40))
    end_to_end_id: Mapped[str] = mapped_column(String(35))
    rejection_comment: Mapped[str | None] = mapped_column(String(500))
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    payment_account_id: Mapped[str | None] = mapped_column(String(40))
    creditor: Mapped[dict[str, Any] | None] = mapped_column(JSON_DOCUMENT)


class ApprovalPolicyRow(Base):
    __tablename__ = "approval_policies"
    __table_args__ = (UniqueConstraint("organisation_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    required_approvals: Mapped[int] = mapped_column(Integer)  # 1 or 2
    approver_user_ids: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)
    dual_threshold_minor: Mapped[int | None] = mapped_column(BigInteger)  # above this (DKK), 2 are needed
    remind_days_before: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ApprovalRequestRow(Base):
    __tablename__ = "approval_requests"
    __table_args__ = (Index(None, "organisation_id", "id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    payment_order_ids: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)
    approver_user_ids: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]


class ApprovalDecisionRow(Base):
    __tablename__ = "approval_decisions"
    __table_args__ = (UniqueConstraint("payment_order_id", "approver_user_id", "round"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    approval_request_id: Mapped[str] = mapped_column(ForeignKey("approval_requests.id"), index=True)
    payment_order_id: Mapped[str] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    approver_user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    round: Mapped[int] = mapped_column(Integer)  # a rejected order sent again starts a new round
    decision: Mapped[str] = mapped_column(String(10))  # approve | reject
    comment: Mapped[str | None] = mapped_column(String(500))
    via: Mapped[str] = mapped_column(String(10))  # api | portal | link
    created_at: Mapped[datetime]


class ApprovalLinkUseRow(Base):
    """A signed approve/reject link is single-use: its id is recorded when it is used."""

    __tablename__ = "approval_link_uses"
    link_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    used_at: Mapped[datetime]


class BankFileRow(Base):
    __tablename__ = "bank_files"
    __table_args__ = (UniqueConstraint("organisation_id", "message_id"), Index(None, "organisation_id", "id"))
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    message_id: Mapped[str] = mapped_column(String(35))
    version: Mapped[str] = mapped_column(String(20))
    debtor_account: Mapped[str] = mapped_column(String(34))
    execution_date: Mapped[date] = mapped_column(Date)
    payment_count: Mapped[int] = mapped_column(Integer)
    control_sum: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(15))  # created | submitted | accepted | rejected | partial
    content: Mapped[bytes] = mapped_column(LargeBinary)
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    status_report: Mapped[bytes | None] = mapped_column(LargeBinary)
    submitted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    payment_account_id: Mapped[str | None] = mapped_column(String(40))
    failure_reason: Mapped[str | None] = mapped_column(String(500))


class PricePlanRow(Base):
    __tablename__ = "price_plans"
    __table_args__ = (UniqueConstraint("organisation_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(100))
    per_payment_fee_minor: Mapped[int] = mapped_column(BigInteger)
    monthly_fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class UsageRecordRow(Base):
    """One metered use (an executed payment), priced when it happened; unique per thing metered."""

    __tablename__ = "usage_records"
    __table_args__ = (
        UniqueConstraint("organisation_id", "kind", "subject_id"),
        Index(None, "organisation_id", "day"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(20))  # executed_payment
    subject_id: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    fee_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime]
