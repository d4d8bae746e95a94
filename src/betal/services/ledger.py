"""The ledger: the chart of accounts, journal entries and their reversal, and the reports built on them.

DESIGN.md "Ledger": entries are immutable and a correction is a reversing entry, so reversing is the only
write here besides renaming an account (its code and role stay). An entry is reversed at most once, and a
reversal is never reversed (post the entry again instead). Reports: the trial balance as of a date (per
account and currency) and the receivables aging (``domain.aging``) from what open requests still owe.
The journal exports as CSV (RFC 4180, one row per posting, amounts as decimals with the currency's
decimals and a point), streamed in batches so a large journal never sits in memory.

The flows post through ``domain.posting``; ``fx_for`` gives them what a foreign-currency flow needs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from betal.domain import ledger
from betal.domain.aging import AgingReport, OpenItem, aging
from betal.domain.calendar import COPENHAGEN, business_date
from betal.domain.errors import Conflict, InvalidInput, NotFound
from betal.domain.ledger import Account, AccountRole, JournalEntry, Posting
from betal.domain.money import Money
from betal.domain.payment_request import PaymentRequest
from betal.domain.posting import Fx, Held
from betal.domain.tenancy import Permission, Principal
from betal.domain.trial_balance import TrialBalance, trial_balance
from betal.ports import JournalFilter, UnitOfWork

R = AccountRole
CHART_ROLES = (R.BANK, R.RECEIVABLES)  # the balances the portal draws


def today(uow: UnitOfWork) -> date:
    """The date entries posted now carry: the business date in Copenhagen."""
    return business_date(uow.clock.now())


def request_sources(uow: UnitOfWork, request: PaymentRequest) -> list[tuple[str, str]]:
    """The journal sources of everything booked for ``request``: itself, its charges and its payments."""
    org = request.organisation_id
    charges = uow.charges.list_for_request(org, request.id)
    payments = uow.payments.list_for_request(org, request.id)
    return [
        ("payment_request", request.id),
        *(("charge", c.id) for c in charges),
        *(("payment", p.id) for p in payments),
    ]


def held_on(uow: UnitOfWork, request: PaymentRequest, role: AccountRole) -> Held:
    """What ``request`` holds on ``role``'s account, on the account's own side.

    Receivables are an asset (held as a debit), the customer's credit a liability (held as a credit).
    """
    held = uow.ledger.held(request.organisation_id, role, request.currency, request_sources(uow, request))
    return Held(-held.amount_minor, -held.base_minor) if role is R.CUSTOMER_CREDIT else held


def fx_for(
    uow: UnitOfWork, request: PaymentRequest, role: AccountRole, day: date, held: Held | None = None
) -> Fx | None:
    """For a request in a foreign currency: the day's rate and what the request holds on ``role``'s account
    (``held`` when the caller has it already); ``None`` for a DKK request."""
    if request.currency == ledger.BASE_CURRENCY:
        return None
    rate = ledger.rate_or_fallback(request.currency, day, uow.ledger.rate(request.currency, day))
    return Fx(rate, held_on(uow, request, role) if held is None else held)


# -- Chart of accounts -------------------------------------------------------------------------------


def list_accounts(uow: UnitOfWork, principal: Principal) -> list[Account]:
    """The organisation's chart by code (the default Danish chart is created on first look)."""
    principal.require(Permission.READ)
    accounts = uow.ledger.chart(principal.organisation_id, uow.clock.now())
    uow.commit()
    return accounts


def get_account(uow: UnitOfWork, principal: Principal, account_id: str) -> Account:
    principal.require(Permission.READ)
    found = next((a for a in list_accounts(uow, principal) if a.id == account_id), None)
    if found is None:
        raise NotFound(f"no account {account_id}", code="ledger_account.not_found")
    return found


def rename_account(uow: UnitOfWork, principal: Principal, account_id: str, name: str) -> Account:
    """A new name for an account; its code, kind and role are fixed, so postings keep their meaning."""
    principal.require(Permission.BOOK)
    clean = " ".join(name.split())
    if not 1 <= len(clean) <= 100:
        raise InvalidInput("must be 1 to 100 characters", field="name")
    org = principal.organisation_id
    account = get_account(uow, principal, account_id)
    uow.ledger.rename_account(org, account_id, clean)
    uow.audit(org, "ledger_account.renamed", "ledger_account", account_id, old=account.name, new=clean)
    uow.commit()
    return Account(account.id, org, account.code, clean, account.kind, account.role, account.created_at)


# -- Journal -----------------------------------------------------------------------------------------


def check_filter(query: JournalFilter) -> JournalFilter:
    if query.date_from is not None and query.date_to is not None and query.date_from > query.date_to:
        raise InvalidInput("the range ends before it starts", field="date_to")
    return query


def list_entries(
    uow: UnitOfWork, principal: Principal, query: JournalFilter, *, after_number: int | None, limit: int
) -> list[JournalEntry]:
    """Entries with their postings, newest first; ``after_number`` is the last number of the page before."""
    principal.require(Permission.READ)
    return uow.ledger.list_entries(
        principal.organisation_id, check_filter(query), after_number=after_number, limit=limit
    )


def reversals(uow: UnitOfWork, principal: Principal, entries: Sequence[JournalEntry]) -> dict[str, str]:
    """Which of ``entries`` were reversed: entry id -> the reversing entry's id."""
    principal.require(Permission.READ)
    return uow.ledger.reversals(principal.organisation_id, [e.id for e in entries])


def get_entry(uow: UnitOfWork, principal: Principal, entry_id: str) -> JournalEntry:
    principal.require(Permission.READ)
    entry = uow.ledger.get_entry(principal.organisation_id, entry_id)
    if entry is None:
        raise NotFound(f"no journal entry {entry_id}", code="journal_entry.not_found")
    return entry


def post_reversals(uow: UnitOfWork, entries: Sequence[JournalEntry], reason: str) -> int:
    """Post (in the caller's unit, not committed) the reversal of every entry not reversed yet.

    For flows that undo what they booked (a reconciliation match taken back): reversals themselves are
    skipped, so undoing twice books nothing more. Returns how many were posted.
    """
    posted = 0
    for entry in entries:
        org = entry.organisation_id
        if entry.reverses_id is not None or uow.ledger.reversed_by(org, entry.id) is not None:
            continue
        roles = {a.id: a.role for a in uow.ledger.chart(org, uow.clock.now()) if a.role is not None}
        uow.post(ledger.reversal(entry, roles, today(uow), reason))
        posted += 1
    return posted


def reverse_entry(uow: UnitOfWork, principal: Principal, entry_id: str, reason: str | None) -> JournalEntry:
    """Book the entry that undoes ``entry_id`` (dated today); 409 if it is a reversal or was reversed."""
    principal.require(Permission.BOOK)
    org = principal.organisation_id
    entry = get_entry(uow, principal, entry_id)
    if entry.reverses_id is not None:
        raise Conflict(
            "a reversal cannot be reversed; post the entry again", code="journal_entry.is_reversal"
        )
    # The counter row serialises concurrent reversals of one entry: the second sees the first's.
    if uow.counters.next(org, f"reverse:{entry.id}") != 1 or uow.ledger.reversed_by(org, entry.id):
        raise Conflict(f"journal entry {entry.number} is already reversed", code="journal_entry.reversed")
    text = " ".join((reason or "").split())[:150] or "korrektion"
    post_reversals(uow, [entry], text)
    uow.audit(org, "journal_entry.reversed", "journal_entry", entry.id, reason=text)
    uow.commit()
    reversed_id = uow.ledger.reversed_by(org, entry.id)
    assert reversed_id is not None
    return get_entry(uow, principal, reversed_id)


# -- Reports -----------------------------------------------------------------------------------------


def trial_balance_report(uow: UnitOfWork, principal: Principal, as_of: date) -> TrialBalance:
    """Each account's debits, credits and balance per currency, from postings dated up to ``as_of``."""
    principal.require(Permission.READ)
    org = principal.organisation_id
    accounts = uow.ledger.chart(org, uow.clock.now())
    report = trial_balance(as_of, accounts, uow.ledger.totals(org, as_of))
    uow.commit()  # the chart, if this was the organisation's first look
    return report


def end_of_day(day: date) -> datetime:
    """The first moment after ``day`` in Copenhagen, as an aware time."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=COPENHAGEN)


def receivables_aging(uow: UnitOfWork, principal: Principal, as_of: date) -> AgingReport:
    """Open requests' outstanding amounts by days past due on ``as_of``, per customer and currency.

    Requests created after ``as_of`` are left out; the amounts are what is outstanding now.
    """
    principal.require(Permission.READ)
    found = uow.ledger.open_requests(principal.organisation_id, end_of_day(as_of))
    items = [
        OpenItem(r.customer_id, name, r.id, r.currency, r.due_date, r.outstanding_minor) for r, name in found
    ]
    return aging(items, as_of)


@dataclass(frozen=True)
class BalanceSeries:
    """An account's balance in DKK at the end of each day (the portal's chart)."""

    role: AccountRole
    days: tuple[date, ...]
    balances: tuple[int, ...]


def balance_history(
    uow: UnitOfWork,
    principal: Principal,
    end: date,
    days: int = 30,
    roles: Sequence[AccountRole] = CHART_ROLES,
) -> list[BalanceSeries]:
    """The DKK balances of ``roles`` at the end of each of the ``days`` days up to ``end``."""
    principal.require(Permission.READ)
    start = end - timedelta(days=days - 1)
    moves = uow.ledger.base_movements(principal.organisation_id, roles, start, end)
    span = tuple(start + timedelta(days=n) for n in range(days))
    series = []
    for role in roles:
        opening = sum(v for r, d, v in moves if r is role and d is None)
        per_day = {d: v for r, d, v in moves if r is role and d is not None}
        running, balances = opening, []
        for day in span:
            running += per_day.get(day, 0)
            balances.append(running)
        series.append(BalanceSeries(role, span, tuple(balances)))
    return series


# -- Journal export ----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "entry_number", "date", "account_code", "account_name", "description", "currency", "debit", "credit",
    "amount_dkk", "source_type", "source_id",
)  # fmt: skip
EXPORT_BATCH = 500
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """Text a spreadsheet keeps as text: a leading formula character is escaped (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA) else value


def _decimal(minor: int, currency: str) -> str:
    return str(Money(minor, currency).to_decimal()) if minor else ""


def _csv_row(entry: JournalEntry, posting: Posting, names: dict[str, str]) -> list[str]:
    return [
        str(entry.number), entry.entry_date.isoformat(), posting.account_code,
        _text(names.get(posting.account_id, "")), _text(entry.description), posting.currency,
        _decimal(max(posting.amount_minor, 0), posting.currency),
        _decimal(max(-posting.amount_minor, 0), posting.currency),
        str(Money(posting.base_minor, ledger.BASE_CURRENCY).to_decimal()), entry.source_type, entry.source_id,
    ]  # fmt: skip


def journal_csv(
    new_uow: Callable[[], UnitOfWork], principal: Principal, query: JournalFilter
) -> Iterator[str]:
    """The journal as CSV text chunks, oldest entry first; checks run before the first chunk.

    Entries posted while the export runs are left out (it stops at the last number it saw at the start);
    each batch is read in a unit of its own, so no transaction stays open while the client reads.
    """
    principal.require(Permission.READ)
    check_filter(query)
    org = principal.organisation_id
    with new_uow() as uow:
        names = {a.id: a.name for a in uow.ledger.chart(org, uow.clock.now())}
        last = uow.ledger.last_number(org)
        uow.commit()
    return _csv_chunks(new_uow, org, query, names, last)


def _csv_chunks(
    new_uow: Callable[[], UnitOfWork], org: str, query: JournalFilter, names: dict[str, str], last: int
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    after = 0
    while True:
        with new_uow() as uow:
            found = uow.ledger.list_entries(
                org, query, after_number=after, limit=EXPORT_BATCH, newest_first=False
            )
        batch = [e for e in found if e.number <= last]
        writer.writerows(_csv_row(e, p, names) for e in batch for p in e.postings)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(batch) < EXPORT_BATCH:
            return
        after = batch[-1].number
