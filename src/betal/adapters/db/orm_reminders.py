"""Reminder tables: policies, the record of each reminder handled, and the charges of late payment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from betal.adapters.db.orm import JSON_DOCUMENT, Base


class ReminderPolicyRow(Base):
    __tablename__ = "reminder_policies"
    __table_args__ = (Index(None, "organisation_id", "id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON_DOCUMENT)
    send_hour: Mapped[int] = mapped_column(Integer)
    charge_interest: Mapped[bool] = mapped_column(Boolean)
    compensation: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReminderRecordRow(Base):
    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("payment_request_id", "rule_key"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    payment_request_id: Mapped[str] = mapped_column(ForeignKey("payment_requests.id"))
    rule_key: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(20))
    fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    business_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]


class ChargeRow(Base):
    __tablename__ = "request_charges"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    payment_request_id: Mapped[str] = mapped_column(ForeignKey("payment_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime]
    reminder_id: Mapped[str | None] = mapped_column(String(40))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    rate_percent: Mapped[str | None] = mapped_column(String(10))
