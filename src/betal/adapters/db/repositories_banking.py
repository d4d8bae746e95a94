"""SQLAlchemy repositories for bank statements, their entries and reconciliation matches.

A statement of 100,000 entries is imported and reconciled in one transaction, so the writers here take
many rows at once and make no ORM objects per row (``adapters.db.bulk``: COPY and one UPDATE per chunk on
PostgreSQL), and the readers answer for many ids at once, ``CHUNK`` ids per query: a run over N entries
costs O(N / CHUNK) statements.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, exists, func, insert, select, text, update
from sqlalchemy.orm import Session

from betal.adapters.db.bulk import chunks, insert_rows, update_rows
from betal.adapters.db.mapping import to_columns, to_domain
from betal.adapters.db.orm_banking import BankStatementRow, ReconciliationMatchRow, StatementEntryRow
from betal.adapters.db.orm_receivables import CustomerRow, PaymentRequestRow, PaymentRow
from betal.domain.banking import BankStatement, Match, MatchState, MatchStatus, StatementEntry, TargetType
from betal.domain.payment import Payment, PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import PAYABLE, PaymentRequest
from betal.domain.reconciliation import OpenPayment, OpenRequest

BANK_PROVIDER = "bank"
_R = PaymentRequestRow
_OUTSTANDING = _R.amount_minor + _R.charges_minor - _R.paid_minor
_REQUEST_COLUMNS = (
    _R.id, _R.customer_id, CustomerRow.name, CustomerRow.last_payer_account, _R.currency, _R.due_date,
    _R.created_at, _R.fi_payment_id, _R.reference,
)  # fmt: skip
_PAYMENT_COLUMNS = (PaymentRow.id, PaymentRow.method, PaymentRow.amount_minor, PaymentRow.currency,
                    PaymentRow.updated_at)  # fmt: skip


class SqlAlchemyBankStatementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, statement: BankStatement) -> None:
        self.session.execute(insert(BankStatementRow), [to_columns(statement)])

    def get(self, organisation_id: str, statement_id: str) -> BankStatement | None:
        row = self.session.scalars(
            select(BankStatementRow).where(
                BankStatementRow.organisation_id == organisation_id, BankStatementRow.id == statement_id
            )
        ).first()
        return None if row is None else to_domain(BankStatement, row)

    def get_by_sha256(self, organisation_id: str, sha256: str) -> BankStatement | None:
        row = self.session.scalars(
            select(BankStatementRow).where(
                BankStatementRow.organisation_id == organisation_id, BankStatementRow.file_sha256 == sha256
            )
        ).first()
        return None if row is None else to_domain(BankStatement, row)

    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[BankStatement]:
        """Newest first: ``after_id`` is the last id of the previous page."""
        query = select(BankStatementRow).where(BankStatementRow.organisation_id == organisation_id)
        if after_id is not None:
            query = query.where(BankStatementRow.id < after_id)
        rows = self.session.scalars(query.order_by(BankStatementRow.id.desc()).limit(limit))
        return [to_domain(BankStatement, r) for r in rows]


class SqlAlchemyStatementEntryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_many(self, entries: Sequence[StatementEntry]) -> None:
        insert_rows(self.session, StatementEntryRow, (to_columns(e) for e in entries))

    def existing_keys(self, organisation_id: str, account: str, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in chunks(keys):
            found.update(
                self.session.scalars(
                    select(StatementEntryRow.dedupe_key).where(
                        StatementEntryRow.organisation_id == organisation_id,
                        StatementEntryRow.account == account,
                        StatementEntryRow.dedupe_key.in_(list(part)),
                    )
                )
            )
        return found

    def get(self, organisation_id: str, entry_id: str, *, for_update: bool = False) -> StatementEntry | None:
        query = select(StatementEntryRow).where(
            StatementEntryRow.organisation_id == organisation_id, StatementEntryRow.id == entry_id
        )
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query.execution_options(populate_existing=True)).scalars().first()
        return None if row is None else to_domain(StatementEntry, row)

    def list_for_statement(
        self, organisation_id: str, statement_id: str, after_id: str | None, limit: int
    ) -> list[StatementEntry]:
        query = select(StatementEntryRow).where(
            StatementEntryRow.organisation_id == organisation_id,
            StatementEntryRow.statement_id == statement_id,
        )
        if after_id is not None:
            query = query.where(StatementEntryRow.id > after_id)
        rows = self.session.scalars(query.order_by(StatementEntryRow.id).limit(limit))
        return [to_domain(StatementEntry, r) for r in rows]

    def list_unmatched(self, organisation_id: str, after_id: str | None, limit: int) -> list[StatementEntry]:
        """Entries with money not yet matched (unmatched or partly matched), oldest first."""
        states = [MatchStatus.UNMATCHED.value, MatchStatus.PARTIALLY_MATCHED.value]
        query = select(StatementEntryRow).where(
            StatementEntryRow.organisation_id == organisation_id, StatementEntryRow.match_status.in_(states)
        )
        if after_id is not None:
            query = query.where(StatementEntryRow.id > after_id)
        rows = self.session.scalars(query.order_by(StatementEntryRow.id).limit(limit))
        return [to_domain(StatementEntry, r) for r in rows]

    def counts(self, organisation_id: str, statement_id: str) -> dict[str, int]:
        """How many of the statement's entries are in each match status."""
        rows = self.session.execute(
            select(StatementEntryRow.match_status, func.count())
            .where(
                StatementEntryRow.organisation_id == organisation_id,
                StatementEntryRow.statement_id == statement_id,
            )
            .group_by(StatementEntryRow.match_status)
        ).all()
        return {str(status): int(count) for status, count in rows}

    def set_match_states(self, changes: Sequence[tuple[str, MatchStatus, int]]) -> None:
        """(entry id, match status, amount matched) for each entry changed."""
        rows = [{"id": i, "match_status": s.value, "matched_minor": m} for i, s, m in changes]
        update_rows(self.session, StatementEntryRow, rows)


def _open_request(row: Any) -> OpenRequest:
    accounts = (row.last_payer_account,) if row.last_payer_account else ()
    return OpenRequest(
        id=row.id, customer_id=row.customer_id, customer_name=row.name, payer_accounts=accounts,
        outstanding_minor=int(row.outstanding), currency=row.currency, due_date=row.due_date,
        created_at=row.created_at, fi_payment_id=row.fi_payment_id, reference=row.reference,
    )  # fmt: skip


def _open_payment(row: Any) -> OpenPayment:
    return OpenPayment(row.id, Method(row.method), int(row.amount_minor), row.currency, row.updated_at.date())


class _Values:
    """A mapping seen as attributes, for ``to_domain``."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        return self._values[name]


def _request(row: Any) -> PaymentRequest:
    return to_domain(PaymentRequest, _Values(row._mapping))


class SqlAlchemyMatchRepository:
    """Matches, and the reads and batched writes reconciliation needs on the receivables tables."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_many(self, matches: Sequence[Match]) -> None:
        insert_rows(self.session, ReconciliationMatchRow, (to_columns(m) for m in matches))

    def get(self, organisation_id: str, match_id: str, *, for_update: bool = False) -> Match | None:
        query = select(ReconciliationMatchRow).where(
            ReconciliationMatchRow.organisation_id == organisation_id, ReconciliationMatchRow.id == match_id
        )
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query.execution_options(populate_existing=True)).scalars().first()
        return None if row is None else to_domain(Match, row)

    def save(self, match: Match) -> None:
        self.session.execute(
            update(ReconciliationMatchRow)
            .where(ReconciliationMatchRow.id == match.id)
            .values(**to_columns(match))
        )

    def list_page(
        self, organisation_id: str, *, entry_ids: Sequence[str] | None, after_id: str | None, limit: int
    ) -> list[Match]:
        query = select(ReconciliationMatchRow).where(
            ReconciliationMatchRow.organisation_id == organisation_id
        )
        if entry_ids is not None:
            query = query.where(ReconciliationMatchRow.entry_id.in_(list(entry_ids)))
        if after_id is not None:
            query = query.where(ReconciliationMatchRow.id > after_id)
        rows = self.session.scalars(query.order_by(ReconciliationMatchRow.id).limit(limit))
        return [to_domain(Match, r) for r in rows]

    def lock_reconciliation(self, organisation_id: str) -> None:
        """Take the organisation's reconciliation lock until commit (PostgreSQL; SQLite has one writer)."""
        if self.session.get_bind().dialect.name == "postgresql":
            lock = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
            self.session.execute(lock, {"key": f"reconciliation:{organisation_id}"})

    def open_requests(self, organisation_id: str, currencies: Collection[str]) -> list[OpenRequest]:
        """Every payable request still owing something in these currencies, with its customer (one query)."""
        rows = self.session.execute(
            select(*_REQUEST_COLUMNS, _OUTSTANDING.label("outstanding"))
            .join(CustomerRow, CustomerRow.id == _R.customer_id)
            .where(
                _R.organisation_id == organisation_id,
                _R.status.in_([s.value for s in PAYABLE]),
                _R.currency.in_(sorted(currencies)),
                _OUTSTANDING > 0,
            )
        ).all()
        return [_open_request(row) for row in rows]

    def requests_by_ids(self, organisation_id: str, request_ids: Sequence[str]) -> list[OpenRequest]:
        """The organisation's requests among ``request_ids`` (any status; nothing owed unless payable)."""
        rows = self.session.execute(
            select(*_REQUEST_COLUMNS, _OUTSTANDING.label("owed"), _R.status)
            .join(CustomerRow, CustomerRow.id == _R.customer_id)
            .where(_R.organisation_id == organisation_id, _R.id.in_(list(request_ids)))
        ).all()
        payable = {s.value for s in PAYABLE}
        return [
            _open_request(
                _Values({**row._mapping, "outstanding": max(0, row.owed) if row.status in payable else 0})
            )
            for row in rows
        ]

    def _unsettled(self) -> Any:
        active = exists().where(
            ReconciliationMatchRow.target_type == TargetType.PAYMENT.value,
            ReconciliationMatchRow.target_id == PaymentRow.id,
            ReconciliationMatchRow.status == MatchState.ACTIVE.value,
        )
        return and_(
            PaymentRow.status.in_([PaymentStatus.SUCCEEDED.value, PaymentStatus.REFUNDED.value]),
            PaymentRow.provider != BANK_PROVIDER,
            ~active,
        )

    def unsettled_payments(self, organisation_id: str, payment_ids: Sequence[str]) -> list[OpenPayment]:
        """Succeeded provider payments among ``payment_ids`` not yet matched to a bank credit."""
        found: list[OpenPayment] = []
        for part in chunks(payment_ids):
            rows = self.session.execute(
                select(*_PAYMENT_COLUMNS).where(
                    PaymentRow.organisation_id == organisation_id,
                    PaymentRow.id.in_(list(part)),
                    self._unsettled(),
                )
            ).all()
            found += [_open_payment(row) for row in rows]
        return found

    def unsettled_collections(self, organisation_id: str) -> list[OpenPayment]:
        """Succeeded Betalingsservice collections whose money has not yet been seen on the bank."""
        rows = self.session.execute(
            select(*_PAYMENT_COLUMNS)
            .where(
                PaymentRow.organisation_id == organisation_id,
                PaymentRow.method == Method.BETALINGSSERVICE.value,
                self._unsettled(),
            )
            .order_by(PaymentRow.id)
        ).all()
        return [_open_payment(row) for row in rows]

    def lock_requests(self, organisation_id: str, request_ids: Sequence[str]) -> list[PaymentRequest]:
        """The requests as they are now, locked until commit; in id order, so two runs never deadlock."""
        found: list[PaymentRequest] = []
        table = PaymentRequestRow.__table__
        for part in chunks(sorted(request_ids)):
            rows = self.session.execute(
                select(table)
                .where(table.c.organisation_id == organisation_id, table.c.id.in_(list(part)))
                .order_by(table.c.id)
                .with_for_update()
            ).all()
            found += [_request(row) for row in rows]
        return found

    def save_requests(self, requests: Sequence[PaymentRequest]) -> None:
        """What settling changes on each request: status, paid, overpaid."""
        rows = [
            {"id": r.id, "status": r.status.value, "paid_minor": r.paid_minor,
             "overpaid_minor": r.overpaid_minor, "updated_at": r.updated_at}
            for r in requests
        ]  # fmt: skip
        update_rows(self.session, PaymentRequestRow, rows)

    def set_payer_accounts(self, accounts: Mapping[str, str]) -> None:
        """Each customer's latest payer account (customer id -> account)."""
        rows = [{"id": c, "last_payer_account": a} for c, a in sorted(accounts.items())]
        update_rows(self.session, CustomerRow, rows)

    def add_payments(self, payments: Sequence[Payment]) -> None:
        insert_rows(self.session, PaymentRow, (to_columns(p) for p in payments))
