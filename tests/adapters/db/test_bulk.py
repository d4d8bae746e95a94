"""Bulk writes: many rows inserted and updated in the session's transaction, JSON documents included."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from betal import bootstrap
from betal.adapters.db.bulk import CHUNK, chunks, insert_rows, update_rows
from betal.adapters.db.orm_receivables import AgreementRow
from betal.services.organisation import CreatedOrganisation

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _rows(org: CreatedOrganisation, count: int) -> list[dict[str, object]]:
    """Agreement rows: a table with a JSON document and no append-only trigger."""
    return [
        {"id": f"agr_{n:026d}", "organisation_id": org.organisation.id, "method": f"probe_{n}",
         "status": "active", "config": {"n": n, "nested": [1, "to"]}, "created_at": AT}
        for n in range(count)
    ]  # fmt: skip


def test_chunks() -> None:
    assert [list(c) for c in chunks([1, 2, 3, 4, 5], 2)] == [[1, 2], [3, 4], [5]]
    assert list(chunks([], 3)) == []


def test_insert_then_update_many(container: bootstrap.Container, org: CreatedOrganisation) -> None:
    rows = _rows(org, CHUNK + 5)
    with container.session_factory() as session, session.begin():
        insert_rows(session, AgreementRow, (r for r in rows))  # a generator, read once
        insert_rows(session, AgreementRow, [])
        update_rows(session, AgreementRow, [{"id": r["id"], "status": "suspended"} for r in rows[:3]])
        update_rows(session, AgreementRow, [])
    with container.session_factory() as session:
        query = select(AgreementRow).where(AgreementRow.method.like("probe_%"))
        stored = {r.id: r for r in session.scalars(query)}
    assert len(stored) == CHUNK + 5
    first = stored[str(rows[0]["id"])]
    assert (first.status, first.config, first.created_at) == ("suspended", {"n": 0, "nested": [1, "to"]}, AT)
    assert stored[str(rows[4]["id"])].status == "active"


def test_nothing_is_kept_when_the_transaction_rolls_back(
    container: bootstrap.Container, org: CreatedOrganisation
) -> None:
    with container.session_factory() as session:
        insert_rows(session, AgreementRow, _rows(org, 3))
        session.rollback()
    with container.session_factory() as session:
        assert session.scalars(select(AgreementRow).where(AgreementRow.method.like("probe_%"))).all() == []
