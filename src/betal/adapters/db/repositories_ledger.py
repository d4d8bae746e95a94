"""The ledger in the database: the writer of journal entries, and the reads the ledger services need.

Drafts name account roles; each organisation's chart (the default Danish chart, created on first use)
says which account holds a role. Entry numbers come from the organisation's ``journal`` counter, whose
row lock also serialises writers per organisation, so numbers are gapless in commit order. Entries and
postings are append-only (database triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from betal.adapters.db.bulk import insert_rows
from betal.adapters.db.mapping import to_domain
from betal.adapters.db.orm_ledger import FxRateRow, JournalEntryRow, LedgerAccountRow, PostingRow
from betal.adapters.db.orm_receivables import CounterRow, CustomerRow, PaymentRequestRow
from betal.adapters.db.upsert import insert_for
from betal.domain.ids import new_id
from betal.domain.ledger import (
    BASE_CURRENCY,
    DEFAULT_CHART,
    Account,
    AccountRole,
    JournalDraft,
    JournalEntry,
    Posting,
    check_balanced,
    rate_or_fallback,
    unvalued,
    valued,
)
from betal.domain.payment_request import PAYABLE, PaymentRequest
from betal.domain.posting import Held
from betal.domain.trial_balance import AccountTotal
from betal.ports import JournalFilter

JOURNAL_COUNTER = "journal"
ECB = "ECB"
_CHART_COLUMNS = (LedgerAccountRow.role, LedgerAccountRow.id, LedgerAccountRow.code)


def _roles(session: Session, organisation_id: str) -> list[Any]:
    query = select(*_CHART_COLUMNS).where(
        LedgerAccountRow.organisation_id == organisation_id, LedgerAccountRow.role.is_not(None)
    )
    return list(session.execute(query).all())


def ensure_chart(session: Session, organisation_id: str, now: datetime) -> dict[AccountRole, tuple[str, str]]:
    """The organisation's accounts by role as ``(id, code)``, creating the default chart if it has none."""
    rows = _roles(session, organisation_id)
    if len(rows) < len(DEFAULT_CHART):
        values = [
            {
                "id": new_id("acc"), "organisation_id": organisation_id, "code": a.code, "name": a.name_da,
                "kind": a.kind.value, "role": None if a.role is None else a.role.value, "created_at": now,
            }
            for a in DEFAULT_CHART
        ]  # fmt: skip
        session.execute(insert_for(session)(LedgerAccountRow).values(values).on_conflict_do_nothing())
        rows = _roles(session, organisation_id)
    return {AccountRole(str(role)): (account_id, code) for role, account_id, code in rows}


def _take_numbers(session: Session, organisation_id: str, count: int) -> int:
    """Reserve ``count`` entry numbers in one statement; returns the first (locks the counter row)."""
    session.execute(
        insert_for(session)(CounterRow)
        .values(organisation_id=organisation_id, name=JOURNAL_COUNTER, value=0)
        .on_conflict_do_nothing(index_elements=["organisation_id", "name"])
    )
    last = session.execute(
        update(CounterRow)
        .where(CounterRow.organisation_id == organisation_id, CounterRow.name == JOURNAL_COUNTER)
        .values(value=CounterRow.value + count)
        .returning(CounterRow.value)
    ).scalar_one()
    return int(last) - count + 1


def _posting_rows(draft: JournalDraft, entry_id: str, chart: dict[AccountRole, tuple[str, str]]) -> list[Any]:
    return [
        {
            "id": new_id("pst"), "organisation_id": draft.organisation_id, "journal_entry_id": entry_id,
            "account_id": chart[line.role][0], "currency": line.currency, "amount_minor": line.amount_minor,
            "base_minor": line.base, "entry_date": draft.entry_date,
        }
        for line in draft.lines
        if line.amount_minor != 0 or line.base != 0
    ]  # fmt: skip


def write_entries(session: Session, drafts: Sequence[JournalDraft], now: datetime) -> list[str]:
    """Post ``drafts`` in order; returns the new entries' ids. Every draft must balance.

    Numbers are reserved per organisation in one statement, so a batch of many entries costs a few
    statements, not a few per entry.
    """
    for draft in drafts:
        check_balanced(draft.lines)
    per_org: dict[str, list[JournalDraft]] = defaultdict(list)
    for draft in drafts:
        per_org[draft.organisation_id].append(draft)
    entries: list[dict[str, object]] = []
    postings: list[dict[str, object]] = []
    for org in sorted(per_org):  # a fixed lock order, so two units never deadlock on counters
        chart = ensure_chart(session, org, now)
        first = _take_numbers(session, org, len(per_org[org]))
        for offset, draft in enumerate(per_org[org]):
            entry_id = new_id("je")
            entries.append(
                {
                    "id": entry_id, "organisation_id": org, "number": first + offset,
                    "entry_date": draft.entry_date, "description": draft.description[:200],
                    "source_type": draft.source_type, "source_id": draft.source_id,
                    "reverses_id": draft.reverses_id, "created_at": now,
                }
            )  # fmt: skip
            postings += _posting_rows(draft, entry_id, chart)
    insert_rows(session, JournalEntryRow, entries)
    insert_rows(session, PostingRow, postings)
    return [str(e["id"]) for e in entries]


def _filtered(query: Any, organisation_id: str, where: JournalFilter) -> Any:
    query = query.where(JournalEntryRow.organisation_id == organisation_id)
    if where.date_from is not None:
        query = query.where(JournalEntryRow.entry_date >= where.date_from)
    if where.date_to is not None:
        query = query.where(JournalEntryRow.entry_date <= where.date_to)
    if where.source_type is not None:
        query = query.where(JournalEntryRow.source_type == where.source_type)
    if where.source_id is not None:
        query = query.where(JournalEntryRow.source_id == where.source_id)
    return query


def _posting_order(posting: Posting) -> tuple[bool, str, str]:
    """Debits before credits, then by account: postings of one entry have no order of their own."""
    return posting.amount_minor < 0, posting.account_code, posting.currency


class SqlAlchemyLedgerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._rates: dict[tuple[str, date], Decimal] = {}

    def chart(self, organisation_id: str, now: datetime) -> list[Account]:
        ensure_chart(self.session, organisation_id, now)
        rows = self.session.scalars(
            select(LedgerAccountRow)
            .where(LedgerAccountRow.organisation_id == organisation_id)
            .order_by(LedgerAccountRow.code)
            .execution_options(populate_existing=True)
        )
        return [to_domain(Account, r) for r in rows]

    def rename_account(self, organisation_id: str, account_id: str, name: str) -> None:
        self.session.execute(
            update(LedgerAccountRow)
            .where(LedgerAccountRow.organisation_id == organisation_id, LedgerAccountRow.id == account_id)
            .values(name=name)
        )

    def _with_postings(self, rows: Sequence[JournalEntryRow]) -> list[JournalEntry]:
        ids = [r.id for r in rows]
        found: dict[str, list[Posting]] = defaultdict(list)
        if ids:
            postings = self.session.execute(
                select(PostingRow, LedgerAccountRow.code)
                .join(LedgerAccountRow, LedgerAccountRow.id == PostingRow.account_id)
                .where(PostingRow.journal_entry_id.in_(ids))
            ).all()
            for p, code in postings:
                found[p.journal_entry_id].append(
                    Posting(p.account_id, code, p.currency, p.amount_minor, p.base_minor)
                )
        return [
            JournalEntry(
                id=r.id, organisation_id=r.organisation_id, number=r.number, entry_date=r.entry_date,
                description=r.description, source_type=r.source_type, source_id=r.source_id,
                reverses_id=r.reverses_id, created_at=r.created_at,
                postings=tuple(sorted(found[r.id], key=_posting_order)),
            )
            for r in rows
        ]  # fmt: skip

    def get_entry(self, organisation_id: str, entry_id: str) -> JournalEntry | None:
        row = self.session.get(JournalEntryRow, entry_id)
        if row is None or row.organisation_id != organisation_id:
            return None
        return self._with_postings([row])[0]

    def list_entries(
        self, organisation_id: str, query: JournalFilter, *, after_number: int | None, limit: int,
        newest_first: bool = True,
    ) -> list[JournalEntry]:  # fmt: skip
        stmt = _filtered(select(JournalEntryRow), organisation_id, query)
        number = JournalEntryRow.number
        if after_number is not None:
            stmt = stmt.where(number < after_number if newest_first else number > after_number)
        stmt = stmt.order_by(number.desc() if newest_first else number).limit(limit)
        return self._with_postings(list(self.session.scalars(stmt)))

    def last_number(self, organisation_id: str) -> int:
        found = self.session.scalar(
            select(func.max(JournalEntryRow.number)).where(JournalEntryRow.organisation_id == organisation_id)
        )
        return int(found or 0)

    def for_source(self, organisation_id: str, source_type: str, source_id: str) -> list[JournalEntry]:
        where = JournalFilter(source_type=source_type, source_id=source_id)
        return self.list_entries(organisation_id, where, after_number=None, limit=10_000, newest_first=False)

    def reversed_by(self, organisation_id: str, entry_id: str) -> str | None:
        return self.session.scalar(
            select(JournalEntryRow.id).where(
                JournalEntryRow.organisation_id == organisation_id, JournalEntryRow.reverses_id == entry_id
            )
        )

    def reversals(self, organisation_id: str, entry_ids: Sequence[str]) -> dict[str, str]:
        if not entry_ids:
            return {}
        rows = self.session.execute(
            select(JournalEntryRow.reverses_id, JournalEntryRow.id).where(
                JournalEntryRow.organisation_id == organisation_id, JournalEntryRow.reverses_id.in_(entry_ids)
            )
        ).all()
        return {str(original): str(reversal) for original, reversal in rows}

    def totals(self, organisation_id: str, as_of: date) -> list[AccountTotal]:
        amount = PostingRow.amount_minor
        rows = self.session.execute(
            select(
                PostingRow.account_id, PostingRow.currency,
                func.coalesce(func.sum(case((amount > 0, amount), else_=0)), 0),
                func.coalesce(func.sum(case((amount < 0, -amount), else_=0)), 0),
                func.coalesce(func.sum(PostingRow.base_minor), 0),
            )
            .where(PostingRow.organisation_id == organisation_id, PostingRow.entry_date <= as_of)
            .group_by(PostingRow.account_id, PostingRow.currency)
        ).all()  # fmt: skip
        return [AccountTotal(a, c, int(d), int(cr), int(b)) for a, c, d, cr, b in rows]

    def base_movements(
        self, organisation_id: str, roles: Sequence[AccountRole], start: date, end: date
    ) -> list[tuple[AccountRole, date | None, int]]:
        day = case((PostingRow.entry_date < start, None), else_=PostingRow.entry_date)
        rows = self.session.execute(
            select(LedgerAccountRow.role, day, func.sum(PostingRow.base_minor))
            .join(LedgerAccountRow, LedgerAccountRow.id == PostingRow.account_id)
            .where(
                PostingRow.organisation_id == organisation_id, PostingRow.entry_date <= end,
                LedgerAccountRow.role.in_([r.value for r in roles]),
            )
            .group_by(LedgerAccountRow.role, day)
        ).all()  # fmt: skip
        return [(AccountRole(str(role)), d, int(total)) for role, d, total in rows]

    def held(
        self, organisation_id: str, role: AccountRole, currency: str, sources: Sequence[tuple[str, str]]
    ) -> Held:
        if not sources:
            return Held(0, 0)
        matches = [
            and_(JournalEntryRow.source_type == kind, JournalEntryRow.source_id == ident)
            for kind, ident in sources
        ]
        amount, base = self.session.execute(
            select(
                func.coalesce(func.sum(PostingRow.amount_minor), 0),
                func.coalesce(func.sum(PostingRow.base_minor), 0),
            )
            .join(JournalEntryRow, JournalEntryRow.id == PostingRow.journal_entry_id)
            .join(LedgerAccountRow, LedgerAccountRow.id == PostingRow.account_id)
            .where(
                PostingRow.organisation_id == organisation_id, PostingRow.currency == currency,
                LedgerAccountRow.role == role.value, or_(*matches),
            )
        ).one()  # fmt: skip
        return Held(int(amount), int(base))

    def rate(self, currency: str, day: date) -> Decimal | None:
        if currency == BASE_CURRENCY:
            return Decimal(1)
        wanted = {BASE_CURRENCY, currency} - {"EUR"}
        rows = self.session.execute(
            select(FxRateRow.rate_date, FxRateRow.currency, FxRateRow.rate)
            .where(FxRateRow.source == ECB, FxRateRow.currency.in_(wanted), FxRateRow.rate_date <= day)
            .order_by(FxRateRow.rate_date.desc())
            .limit(20)
        ).all()
        per_day: dict[date, dict[str, Decimal]] = defaultdict(dict)
        for rate_date, code, rate in rows:
            per_day[rate_date][code] = Decimal(rate)
        for rates in (per_day[d] for d in sorted(per_day, reverse=True)):
            if wanted <= rates.keys():
                return rates[BASE_CURRENCY] / rates.get(currency, Decimal(1))
        return None

    def valued(self, draft: JournalDraft) -> JournalDraft:
        """``draft`` with its foreign lines valued at the entry date's rate (cached for the unit)."""
        rates: dict[str, Decimal] = {}
        for code in unvalued(draft):
            key = (code, draft.entry_date)
            if key not in self._rates:
                self._rates[key] = rate_or_fallback(code, draft.entry_date, self.rate(code, draft.entry_date))
            rates[code] = self._rates[key]
        return valued(draft, rates)

    def open_requests(
        self, organisation_id: str, created_before: datetime
    ) -> list[tuple[PaymentRequest, str]]:
        rows = self.session.execute(
            select(PaymentRequestRow, CustomerRow.name)
            .join(CustomerRow, CustomerRow.id == PaymentRequestRow.customer_id)
            .where(
                PaymentRequestRow.organisation_id == organisation_id,
                PaymentRequestRow.status.in_([s.value for s in PAYABLE]),
                PaymentRequestRow.created_at < created_before,
            )
            .order_by(PaymentRequestRow.id)
        ).all()
        return [(to_domain(PaymentRequest, row), name) for row, name in rows]
