"""The ledger writer: turns journal drafts into numbered, immutable entries and their postings.

Drafts name account roles; each organisation's chart (the default Danish chart, created on first use)
says which account holds a role. Entry numbers come from the organisation's ``journal`` counter, whose
row lock also serialises writers per organisation, so numbers are gapless in commit order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from betal.adapters.db.orm_ledger import JournalEntryRow, LedgerAccountRow, PostingRow
from betal.adapters.db.repositories_receivables import SqlAlchemyCounterRepository
from betal.adapters.db.upsert import insert_for
from betal.domain.ids import new_id
from betal.domain.ledger import DEFAULT_CHART, AccountRole, JournalDraft, check_balanced

JOURNAL_COUNTER = "journal"


def ensure_chart(session: Session, organisation_id: str, now: datetime) -> dict[AccountRole, tuple[str, str]]:
    """The organisation's accounts by role as ``(id, code)``, creating the default chart if it has none."""
    rows = session.execute(
        select(LedgerAccountRow.role, LedgerAccountRow.id, LedgerAccountRow.code).where(
            LedgerAccountRow.organisation_id == organisation_id, LedgerAccountRow.role.is_not(None)
        )
    ).all()
    if len(rows) < len(DEFAULT_CHART):
        values = [
            {
                "id": new_id("acc"),
                "organisation_id": organisation_id,
                "code": a.code,
                "name": a.name_da,
                "kind": a.kind.value,
                "role": None if a.role is None else a.role.value,
                "created_at": now,
            }
            for a in DEFAULT_CHART
        ]
        session.execute(insert_for(session)(LedgerAccountRow).values(values).on_conflict_do_nothing())
        rows = session.execute(
            select(LedgerAccountRow.role, LedgerAccountRow.id, LedgerAccountRow.code).where(
                LedgerAccountRow.organisation_id == organisation_id, LedgerAccountRow.role.is_not(None)
            )
        ).all()
    return {AccountRole(str(role)): (account_id, code) for role, account_id, code in rows}


def write_entries(session: Session, drafts: Sequence[JournalDraft], now: datetime) -> list[str]:
    """Post ``drafts`` in order; returns the new entries' ids. Every draft must balance."""
    counters = SqlAlchemyCounterRepository(session)
    charts: dict[str, dict[AccountRole, tuple[str, str]]] = {}
    entries: list[dict[str, object]] = []
    postings: list[dict[str, object]] = []
    for draft in drafts:
        check_balanced(draft.lines)
        org = draft.organisation_id
        if org not in charts:
            charts[org] = ensure_chart(session, org, now)
        entry_id = new_id("je")
        entries.append(
            {
                "id": entry_id,
                "organisation_id": org,
                "number": counters.next(org, JOURNAL_COUNTER),
                "entry_date": draft.entry_date,
                "description": draft.description[:200],
                "source_type": draft.source_type,
                "source_id": draft.source_id,
                "reverses_id": draft.reverses_id,
                "created_at": now,
            }
        )
        for line in draft.lines:
            if line.amount_minor == 0 and line.base == 0:
                continue
            account_id, _code = charts[org][line.role]
            postings.append(
                {
                    "id": new_id("pst"),
                    "organisation_id": org,
                    "journal_entry_id": entry_id,
                    "account_id": account_id,
                    "currency": line.currency,
                    "amount_minor": line.amount_minor,
                    "base_minor": line.base,
                    "entry_date": draft.entry_date,
                }
            )
    if entries:
        session.execute(insert(JournalEntryRow), entries)
        session.execute(insert(PostingRow), postings)
    return [str(e["id"]) for e in entries]
