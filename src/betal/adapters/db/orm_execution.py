"""Payables execution tables: the organisation's payment accounts (the debtor of its bank files).

Bank files and the orders' link to them live with the other payables tables (``orm_payables``).
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Boolean, ForeignKey, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from betal.adapters.db.orm import Base


class PaymentAccountRow(Base):
    __tablename__ = "payment_accounts"
    __table_args__ = (UniqueConstraint("organisation_id", "iban"), Index(None, "organisation_id", "id"))
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(100))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    reg_no: Mapped[str | None] = mapped_column(String(4))
    account_no: Mapped[str | None] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    cutoff: Mapped[time] = mapped_column(Time)
    file_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
