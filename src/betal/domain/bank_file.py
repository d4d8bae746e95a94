"""Bank files: a pain.001 file of payment orders handed to the bank, and what its pain.002 report says.

Spec: the payables issue, item 6; ISO 20022 external status codes (ExternalPaymentTransactionStatus1Code):
``ACCP``, ``ACSP``, ``ACSC``, ``ACTC``, ``ACWC`` accept a payment, ``RJCT`` rejects it; ``PDNG``, ``RCVD``
and a missing status say nothing yet. docs/bank-files.md "Sending payment orders".

A file is ``created`` with its orders in one transaction, ``submitted`` once the bank has it (its id is
``bank_reference``), then ``accepted``, ``partial`` (some payments rejected) or ``rejected`` by the report;
a file the bank refuses outright is ``rejected`` at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class BankFileStatus(StrEnum):
    CREATED = "created"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PARTIAL = "partial"
    REJECTED = "rejected"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PENDING = "pending"


ACCEPTING = frozenset({"ACCP", "ACSP", "ACSC", "ACTC", "ACWC"})
REJECTING = "RJCT"


@dataclass(frozen=True)
class BankFile:
    """One pain.001 file (its content is read separately)."""

    id: str
    organisation_id: str
    message_id: str
    version: str
    debtor_account: str  # the IBAN paid from
    execution_date: date
    payment_count: int
    control_sum: str  # as written in the file, e.g. "1250.00"
    status: BankFileStatus
    bank_reference: str | None
    submitted_at: datetime | None
    created_at: datetime
    payment_account_id: str | None = None
    failure_reason: str | None = None


def outcome(status: str | None) -> Outcome:
    """What one payment's pain.002 status means for its order."""
    if status in ACCEPTING:
        return Outcome.ACCEPTED
    return Outcome.REJECTED if status == REJECTING else Outcome.PENDING


def file_status(outcomes: Iterable[Outcome]) -> BankFileStatus:
    """The file's status once no payment is pending: all accepted, all rejected, or partial."""
    seen = set(outcomes)
    if Outcome.PENDING in seen or not seen:
        return BankFileStatus.SUBMITTED
    if seen == {Outcome.ACCEPTED}:
        return BankFileStatus.ACCEPTED
    return BankFileStatus.REJECTED if seen == {Outcome.REJECTED} else BankFileStatus.PARTIAL


def reason(code: str | None, text: str | None) -> str:
    """The failure reason an order keeps: ``"AC01: creditor account not found"``, at most 200 characters."""
    parts = list(dict.fromkeys(p for p in (code, text) if p))  # the sandbox repeats the code as text
    return (": ".join(parts) or "rejected by the bank")[:200]


def payment_info_id(message_id: str) -> str:
    """The id of a file's one ``PmtInf`` batch: its message id and ``-1`` (at most 35 characters)."""
    return f"{message_id}-1"
