"""Ledger tables: the chart of accounts, journal entries and postings, and dated exchange rates.

Journal entries and postings are append-only (triggers refuse UPDATE and DELETE); a correction is a new
entry that reverses the old one, and ``reverses_id`` is unique so an entry is reversed at most once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from betal.adapters.db.orm import Base


class LedgerAccountRow(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("organisation_id", "code"),
        UniqueConstraint("organisation_id", "role"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    role: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]


class JournalEntryRow(Base):
    __tablename__ = "journal_entries"
    __table_args__ = (
        UniqueConstraint("organisation_id", "number"),
        UniqueConstraint("reverses_id"),
        Index(None, "organisation_id", "source_type", "source_id"),
        Index(None, "organisation_id", "entry_date"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    number: Mapped[int] = mapped_column(BigInteger)
    entry_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(200))
    source_type: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[str] = mapped_column(String(40))
    reverses_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]


class PostingRow(Base):
    __tablename__ = "postings"
    __table_args__ = (Index(None, "organisation_id", "account_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    journal_entry_id: Mapped[str] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    base_minor: Mapped[int] = mapped_column(BigInteger)
    entry_date: Mapped[date] = mapped_column(Date)  # the entry's date, so reports as of a date need no join


class FxRateRow(Base):
    """ECB euro foreign exchange reference rates: 1 EUR = ``rate`` units of ``currency`` on ``rate_date``."""

    __tablename__ = "fx_rates"
    source: Mapped[str] = mapped_column(String(10), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate_date: Mapped[date] = mapped_column(Date, primary_key=True)
    rate: Mapped[str] = mapped_column(String(20))
    scale: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
