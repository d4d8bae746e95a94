"""Receivables tables: agreements, customers, payment requests, payments, mandates, recurring
collections, inbox messages, and per-organisation counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from betal.adapters.db.orm import JSON_DOCUMENT, Base


class AgreementRow(Base):
    __tablename__ = "payment_method_agreements"
    __table_args__ = (UniqueConstraint("organisation_id", "method"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    method: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    config: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class CustomerRow(Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("organisation_id", "external_id"),
        Index(None, "organisation_id", "id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    cpr_ciphertext: Mapped[str | None] = mapped_column(Text)
    cpr_index: Mapped[str | None] = mapped_column(String(64), index=True)
    cpr_masked: Mapped[str | None] = mapped_column(String(11))
    cvr: Mapped[str | None] = mapped_column(String(8))
    external_id: Mapped[str | None] = mapped_column(String(100))
    last_payer_account: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    language: Mapped[str] = mapped_column(String(2), default="da")
    notification_channels: Mapped[list[str]] = mapped_column(JSON_DOCUMENT, default=list)


class PaymentRequestRow(Base):
    __tablename__ = "payment_requests"
    __table_args__ = (
        Index(None, "organisation_id", "status", "id"),
        Index(None, "organisation_id", "customer_id", "id"),
        UniqueConstraint("organisation_id", "fi_payment_id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    description: Mapped[str] = mapped_column(String(500))
    reference: Mapped[str | None] = mapped_column(String(100))
    allowed_methods: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)
    status: Mapped[str] = mapped_column(String(20))
    fi_payment_line: Mapped[str | None] = mapped_column(String(40))
    fi_payment_id: Mapped[str | None] = mapped_column(String(16))
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    overpaid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    recurring_collection_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    charges_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    reminder_policy_id: Mapped[str | None] = mapped_column(String(40))
    next_reminder_at: Mapped[datetime | None] = mapped_column(index=True)


class PaymentRow(Base):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("provider", "provider_reference"),
        Index(None, "organisation_id", "payment_request_id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    payment_request_id: Mapped[str] = mapped_column(ForeignKey("payment_requests.id"))
    customer_id: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(30))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(30))
    provider_reference: Mapped[str | None] = mapped_column(String(100))
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    payer_account: Mapped[str | None] = mapped_column(String(64))
    raw: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MandateRow(Base):
    __tablename__ = "mandates"
    __table_args__ = (Index(None, "organisation_id", "customer_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    method: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    provider_reference: Mapped[str | None] = mapped_column(String(100), unique=True)
    debtor_account: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RecurringCollectionRow(Base):
    __tablename__ = "recurring_collections"
    __table_args__ = (Index(None, "status", "next_due_date"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    interval: Mapped[str] = mapped_column(String(20))
    day_of_month: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    allowed_methods: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)
    description: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    next_due_date: Mapped[date] = mapped_column(Date)
    lead_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class MessageRow(Base):
    """An inbox message for a customer: one per payment request (and later per receipt)."""

    __tablename__ = "messages"
    __table_args__ = (Index(None, "customer_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    payment_request_id: Mapped[str | None] = mapped_column(ForeignKey("payment_requests.id"))
    subject: Mapped[str] = mapped_column(String(200))
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class CounterRow(Base):
    """Per-organisation sequences (FI payment ids); the row lock orders concurrent takers."""

    __tablename__ = "counters"
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class ProviderEventRow(Base):
    """Provider callbacks seen, by the provider's event id, so a replay changes nothing."""

    __tablename__ = "provider_events"
    provider: Mapped[str] = mapped_column(String(30), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    organisation_id: Mapped[str | None] = mapped_column(String(40))
    received_at: Mapped[datetime]


class SandboxObjectRow(Base):
    """State of betal's own provider simulators (the sandbox bank, MobilePay, card acquirer, PBS)."""

    __tablename__ = "sandbox_objects"
    provider: Mapped[str] = mapped_column(String(30), primary_key=True)
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AttachmentRow(Base):
    __tablename__ = "attachments"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    payment_request_id: Mapped[str] = mapped_column(ForeignKey("payment_requests.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class OneTimeCodeRow(Base):
    __tablename__ = "one_time_codes"
    __table_args__ = (Index(None, "destination", "created_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    destination: Mapped[str] = mapped_column(String(254))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class PayerSessionRow(Base):
    __tablename__ = "payer_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    emails: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)
    phones: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class OutboxMessageRow(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index(None, "status", "created_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str | None] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    related_id: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    template: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2), default="da")
    customer_id: Mapped[str | None] = mapped_column(String(40))
    reminder_id: Mapped[str | None] = mapped_column(String(40))
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    detail: Mapped[str | None] = mapped_column(String(300))
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON_DOCUMENT)
