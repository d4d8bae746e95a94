"""Bank statement import: a camt.053 or camt.054 file in, each transaction stored once, then reconciled.

The issue's item 3 and docs/reconciliation.md. One import is one transaction:

- A file imported before (the same SHA-256) answers the statement stored then; nothing is added.
- The file is read as a stream (``formats.iso20022.camt``); amounts become minor units with
  ``Money.from_decimal``, which refuses more decimals than the currency has. Any fault (malformed XML, a
  DTD, a bad amount) rejects the whole file with its line and reason, and nothing is written.
- An entry the account already has (by its dedupe key, below) is skipped and counted as a duplicate, so
  a camt.054 notification and the camt.053 statement that repeats it give one entry.
- The new entries are reconciled (``services.reconciliation.auto_match``) before the commit, so the
  answer lists the matches made; ``bank_statement.imported`` and one ``reconciliation.matched`` per
  matched entry are published.

Dedupe key: SHA-256 over the account and, when the bank gave a reference for the transaction (its
``AcctSvcrRef``), that reference, direction, amount and currency; otherwise booking date, direction,
amount, currency, end-to-end id, reference, remittance text and the payer's account. Either way the
entry's occurrence number among identical ones in the file is part of it, so two equal transfers on one
day stay two entries.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import BinaryIO

from betal.domain.banking import BankStatement, Direction, EntryStatus, Match, MatchStatus, StatementEntry
from betal.domain.errors import InvalidInput, NotFound
from betal.domain.events import NewEvent
from betal.domain.ids import new_id
from betal.domain.matching import account_key
from betal.domain.money import MAX_AMOUNT_MINOR, Money
from betal.domain.payment_method import Method
from betal.domain.tenancy import Permission, Principal
from betal.formats.iso20022 import camt
from betal.ports import UnitOfWork
from betal.services import reconciliation
from betal.services.reconciliation import Outcome

Progress = Callable[[str, int], None]  # (stage: "read" | "reconcile", entries so far)
PROGRESS_EVERY = 1000


def sha256_of(source: BinaryIO) -> str:
    """The SHA-256 of a file read to its end, which is then rewound."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: source.read(1 << 20), b""):
        digest.update(chunk)
    source.seek(0)
    return digest.hexdigest()


@dataclass(frozen=True)
class ImportResult:
    statement: BankStatement
    created: bool  # False: this very file was imported before, and nothing was added
    entries: list[StatementEntry]  # the entries added, as they stand after reconciliation
    matches: list[Match]  # the matches made


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


def _minor(item: camt.CamtEntry) -> int:
    try:
        minor = Money.from_decimal(item.amount, item.currency).minor
    except InvalidInput as exc:
        raise InvalidInput(f"line {item.line}: {exc.detail}", field="body", code=exc.code) from None
    if minor > MAX_AMOUNT_MINOR:
        raise InvalidInput(
            f"line {item.line}: the amount is too large", field="body", code="amount.out_of_range"
        )
    return minor


def dedupe_parts(account: str, item: camt.CamtEntry, minor: int) -> tuple[str, ...]:
    """What identifies a transaction on an account (module docstring), before its occurrence number."""
    if item.bank_reference:
        return account, "ref", item.bank_reference, item.direction, str(minor), item.currency
    texts = (item.end_to_end_id, item.reference, item.remittance, item.counterparty_account)
    return (account, "txn", str(item.booking_date), item.direction, str(minor), item.currency,
            *(t or "" for t in texts))  # fmt: skip


def dedupe_key(parts: tuple[str, ...], occurrence: int) -> str:
    return hashlib.sha256("\x1f".join([*parts, str(occurrence)]).encode()).hexdigest()


def _entry(
    item: camt.CamtEntry, minor: int, entry_id: str, statement_id: str, account: str, key: str,
    organisation_id: str, now: datetime,
) -> StatementEntry:  # fmt: skip
    return StatementEntry(
        id=entry_id, organisation_id=organisation_id, statement_id=statement_id, account=account,
        sequence=item.sequence, direction=Direction(item.direction), amount_minor=minor,
        currency=item.currency, status=EntryStatus(item.status), booking_date=item.booking_date,
        value_date=item.value_date, end_to_end_id=_clip(item.end_to_end_id, 35),
        reference=_clip(item.reference, 35), remittance=_clip(item.remittance, 500),
        counterparty_name=_clip(item.counterparty_name, 140),
        counterparty_account=_clip(item.counterparty_account, 40),
        bank_reference=_clip(item.bank_reference, 35),
        bank_transaction_code=_clip(item.bank_transaction_code, 40),
        dedupe_key=key, match_status=MatchStatus.UNMATCHED, matched_minor=0, created_at=now,
    )  # fmt: skip


def _items(source: BinaryIO) -> Iterator[camt.CamtStatement | camt.CamtEntry]:
    try:
        yield from camt.read(source)
    except camt.CamtError as exc:
        where = f"line {exc.line}: " if exc.line else ""
        raise InvalidInput(f"{where}{exc.reason}", field="body", code="bank_statement.malformed") from None


def read_statement(
    source: BinaryIO, organisation_id: str, statement_id: str, now: datetime, progress: Progress | None = None
) -> tuple[list[camt.CamtStatement], list[StatementEntry]]:
    """Every statement header and entry of the file, converted; ``InvalidInput`` names the line at fault."""
    headers: list[camt.CamtStatement] = []
    accounts: dict[str, str] = {}
    seen: Counter[tuple[str, ...]] = Counter()
    read: list[tuple[camt.CamtEntry, int, str, str]] = []
    for item in _items(source):
        if isinstance(item, camt.CamtStatement):
            headers.append(item)
            accounts[item.statement_ref] = item.account[:40]
            continue
        account, minor = accounts[item.statement_ref], _minor(item)
        parts = dedupe_parts(account, item, minor)
        read.append((item, minor, account, dedupe_key(parts, seen[parts])))
        seen[parts] += 1
        if progress is not None and len(read) % PROGRESS_EVERY == 0:
            progress("read", len(read))
    if not headers:
        raise InvalidInput("the file holds no statement", field="body", code="bank_statement.malformed")
    ids = sorted(new_id("ent") for _ in read)  # ids in file order, also within one millisecond
    entries = [
        _entry(item, minor, entry_id, statement_id, account, key, organisation_id, now)
        for entry_id, (item, minor, account, key) in zip(ids, read, strict=True)
    ]
    return headers, entries


def _check_account(uow: UnitOfWork, organisation_id: str, headers: Sequence[camt.CamtStatement]) -> None:
    """A statement must be for one of the organisation's own accounts when its agreement names one (an
    IBAN): that account, or one of its payment accounts (from which suppliers are paid)."""
    agreement = uow.agreements.get(organisation_id, Method.ACCOUNT_TO_ACCOUNT)
    own = None if agreement is None else agreement.config.get("creditor_iban")
    if not own:
        return
    accounts = {account_key(str(own))} | {
        account_key(a.iban) for a in uow.payment_accounts.list_for(organisation_id)
    }
    for header in headers:
        if account_key(header.account) not in accounts:
            raise InvalidInput(
                f"the statement is for account {header.account}, not the organisation's account {own}",
                field="body", code="bank_statement.unknown_account",
            )  # fmt: skip


def _new_only(uow: UnitOfWork, organisation_id: str, entries: list[StatementEntry]) -> list[StatementEntry]:
    known: set[tuple[str, str]] = set()
    for account in sorted({e.account for e in entries}):
        keys = [e.dedupe_key for e in entries if e.account == account]
        known |= {(account, k) for k in uow.statement_entries.existing_keys(organisation_id, account, keys)}
    return [e for e in entries if (e.account, e.dedupe_key) not in known]


def _minor_or_none(value: Decimal | None, currency: str | None) -> int | None:
    if value is None or currency is None:
        return None
    try:
        return Money.from_decimal(value, currency).minor
    except InvalidInput as exc:
        raise InvalidInput(f"the statement's balance: {exc.detail}", field="body", code=exc.code) from None


def _statement(
    statement_id: str, organisation_id: str, headers: Sequence[camt.CamtStatement], sha256: str, added: int,
    duplicates: int, now: datetime,
) -> BankStatement:  # fmt: skip
    """The file's statement: the first header's identity, all headers' period, balances of one account."""
    first, last = headers[0], headers[-1]
    one_account = len({(h.account, h.currency) for h in headers}) == 1
    return BankStatement(
        id=statement_id, organisation_id=organisation_id, kind=first.kind, version=first.version[:20],
        message_id=first.message_id[:35], statement_ref=first.statement_ref[:35], account=first.account[:40],
        currency=first.currency, from_date=min((h.from_date for h in headers if h.from_date), default=None),
        to_date=max((h.to_date for h in headers if h.to_date), default=None),
        opening_balance_minor=_minor_or_none(first.opening_balance, first.currency),
        closing_balance_minor=_minor_or_none(last.closing_balance, last.currency) if one_account else None,
        file_sha256=sha256, entry_count=added, duplicate_count=duplicates, created_at=now,
    )  # fmt: skip


def statement_snapshot(statement: BankStatement, outcome: Outcome) -> dict[str, object]:
    matched = sum(1 for e in outcome.entries if e.match_status is MatchStatus.MATCHED)
    return {
        "id": statement.id, "kind": statement.kind, "account": statement.account,
        "currency": statement.currency,
        "from_date": None if statement.from_date is None else statement.from_date.isoformat(),
        "to_date": None if statement.to_date is None else statement.to_date.isoformat(),
        "entry_count": statement.entry_count, "duplicate_count": statement.duplicate_count,
        "matched_count": matched, "match_count": len(outcome.matches),
    }  # fmt: skip


def import_statement(
    uow: UnitOfWork, principal: Principal, source: BinaryIO, sha256: str, *, progress: Progress | None = None
) -> ImportResult:
    """Import one camt file (its ``sha256`` computed by the caller while receiving it) and reconcile it."""
    principal.require(Permission.BOOK)
    org = principal.organisation_id
    existing = uow.bank_statements.get_by_sha256(org, sha256)
    if existing is not None:
        return ImportResult(existing, False, [], [])
    now, statement_id = uow.clock.now(), new_id("stmt")
    headers, entries = read_statement(source, org, statement_id, now, progress)
    _check_account(uow, org, headers)
    new = _new_only(uow, org, entries)
    statement = _statement(statement_id, org, headers, sha256, len(new), len(entries) - len(new), now)
    uow.bank_statements.add(statement)
    if progress is not None:
        progress("reconcile", len(new))
    outcome = reconciliation.auto_match(uow, org, new, new_entries=True)
    uow.publish(NewEvent(org, "bank_statement.imported", statement_snapshot(statement, outcome)))
    uow.audit(
        org, "bank_statement.imported", "bank_statement", statement.id, sha256=sha256, entries=len(new),
        duplicates=statement.duplicate_count, matches=len(outcome.matches),
    )  # fmt: skip
    uow.commit()
    return ImportResult(statement, True, outcome.entries, outcome.matches)


# -- Reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementDetail:
    statement: BankStatement
    counts: dict[str, int]  # entries per match status


def list_statements(
    uow: UnitOfWork, principal: Principal, *, after_id: str | None, limit: int
) -> list[BankStatement]:
    principal.require(Permission.READ)
    return uow.bank_statements.list_page(principal.organisation_id, after_id, limit)


def get_statement(uow: UnitOfWork, principal: Principal, statement_id: str) -> StatementDetail:
    principal.require(Permission.READ)
    org = principal.organisation_id
    statement = uow.bank_statements.get(org, statement_id)
    if statement is None:
        raise NotFound(f"no bank statement {statement_id}", code="bank_statement.not_found")
    counts = {s.value: 0 for s in MatchStatus} | uow.statement_entries.counts(org, statement_id)
    return StatementDetail(statement, counts)


def list_entries(
    uow: UnitOfWork, principal: Principal, statement_id: str, *, after_id: str | None, limit: int
) -> list[StatementEntry]:
    get_statement(uow, principal, statement_id)
    return uow.statement_entries.list_for_statement(principal.organisation_id, statement_id, after_id, limit)
