"""Bank statement tables: imported camt.053/054 files, their normalised entries, and the matches."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from betal.adapters.db.orm import Base


class BankStatementRow(Base):
    __tablename__ = "bank_statements"
    __table_args__ = (
        UniqueConstraint("organisation_id", "file_sha256"),
        Index(None, "organisation_id", "id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(10))  # camt.053 | camt.054
    version: Mapped[str] = mapped_column(String(20))  # e.g. camt.053.001.08
    message_id: Mapped[str] = mapped_column(String(35))
    statement_ref: Mapped[str] = mapped_column(String(35))  # Stmt/Id or Ntfctn/Id
    account: Mapped[str] = mapped_column(String(40))  # IBAN or other account id
    currency: Mapped[str | None] = mapped_column(String(3))
    from_date: Mapped[date | None] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    opening_balance_minor: Mapped[int | None] = mapped_column(BigInteger)
    closing_balance_minor: Mapped[int | None] = mapped_column(BigInteger)
    file_sha256: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class StatementEntryRow(Base):
    """One transaction on a statement; a batch ``Ntry`` with several ``TxDtls`` gives a row for each."""

    __tablename__ = "statement_entries"
    __table_args__ = (
        UniqueConstraint("organisation_id", "account", "dedupe_key"),
        Index(None, "organisation_id", "match_status", "id"),
        Index(None, "statement_id"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    statement_id: Mapped[str] = mapped_column(ForeignKey("bank_statements.id"))
    account: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer)  # order within the statement
    direction: Mapped[str] = mapped_column(String(6))  # credit | debit
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # always positive; direction says which way
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10))  # booked | pending | info
    booking_date: Mapped[date | None] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)
    end_to_end_id: Mapped[str | None] = mapped_column(String(35))
    reference: Mapped[str | None] = mapped_column(
        String(35)
    )  # structured creditor reference (CdtrRefInf/Ref)
    remittance: Mapped[str | None] = mapped_column(String(500))  # unstructured (Ustrd lines joined)
    counterparty_name: Mapped[str | None] = mapped_column(String(140))
    counterparty_account: Mapped[str | None] = mapped_column(String(40))
    bank_reference: Mapped[str | None] = mapped_column(String(35))  # AcctSvcrRef
    bank_transaction_code: Mapped[str | None] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(64))
    match_status: Mapped[str] = mapped_column(String(10))  # unmatched | matched | ignored
    matched_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]


class ReconciliationMatchRow(Base):
    __tablename__ = "reconciliation_matches"
    __table_args__ = (Index(None, "organisation_id", "entry_id"), Index(None, "organisation_id", "target_id"))
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    entry_id: Mapped[str] = mapped_column(ForeignKey("statement_entries.id"))
    target_type: Mapped[str] = mapped_column(String(20))  # payment_request | payment | payment_order
    target_id: Mapped[str] = mapped_column(String(40))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    rule: Mapped[str] = mapped_column(String(30))
    confidence: Mapped[int] = mapped_column(Integer)  # 0-100
    status: Mapped[str] = mapped_column(String(10))  # active | reversed
    payment_id: Mapped[str | None] = mapped_column(String(40))  # the payment the match recorded, if any
    journal_entry_id: Mapped[str | None] = mapped_column(String(40))
    reversal_entry_id: Mapped[str | None] = mapped_column(String(40))
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    reversed_at: Mapped[datetime | None]
