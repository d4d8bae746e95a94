"""Bank statements as betal keeps them: an imported camt.053/054 file and its normalised entries.

An entry is one transaction on the account (a batch booking with several transactions gives one entry
each). Entries are never changed by reconciliation except for their match status and the amount matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Direction(StrEnum):
    CREDIT = "credit"  # money in
    DEBIT = "debit"  # money out


class EntryStatus(StrEnum):
    BOOKED = "booked"
    PENDING = "pending"
    INFO = "info"


class MatchStatus(StrEnum):
    UNMATCHED = "unmatched"
    PARTIALLY_MATCHED = "partial"  # some of the entry's amount is matched, the rest waits
    MATCHED = "matched"
    IGNORED = "ignored"  # not a receivable or payable (a transfer between own accounts, interest, ...)


@dataclass(frozen=True)
class BankStatement:
    id: str
    organisation_id: str
    kind: str  # camt.053 | camt.054
    version: str
    message_id: str
    statement_ref: str
    account: str
    currency: str | None
    from_date: date | None
    to_date: date | None
    opening_balance_minor: int | None
    closing_balance_minor: int | None
    file_sha256: str
    entry_count: int
    duplicate_count: int
    created_at: datetime


@dataclass(frozen=True)
class StatementEntry:
    id: str
    organisation_id: str
    statement_id: str
    account: str
    sequence: int
    direction: Direction
    amount_minor: int  # positive; ``direction`` says which way
    currency: str
    status: EntryStatus
    booking_date: date | None
    value_date: date | None
    end_to_end_id: str | None
    reference: str | None
    remittance: str | None
    counterparty_name: str | None
    counterparty_account: str | None
    bank_reference: str | None
    bank_transaction_code: str | None
    dedupe_key: str
    match_status: MatchStatus
    matched_minor: int
    created_at: datetime

    @property
    def unmatched_minor(self) -> int:
        return self.amount_minor - self.matched_minor


class TargetType(StrEnum):
    PAYMENT_REQUEST = "payment_request"
    PAYMENT = "payment"  # a provider payment already received, settled to the bank by this entry
    PAYMENT_ORDER = "payment_order"


class MatchState(StrEnum):
    ACTIVE = "active"
    REVERSED = "reversed"


@dataclass(frozen=True)
class Match:
    id: str
    organisation_id: str
    entry_id: str
    target_type: TargetType
    target_id: str
    amount_minor: int
    rule: str
    confidence: int  # 0-100
    status: MatchState
    payment_id: str | None
    journal_entry_id: str | None
    reversal_entry_id: str | None
    created_by: str | None
    created_at: datetime
    reversed_at: datetime | None
