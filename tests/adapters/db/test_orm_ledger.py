"""Ledger tables: money as BIGINT, one account per role and code, an entry reversed at most once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import BigInteger, insert
from sqlalchemy.exc import IntegrityError

from betal import bootstrap
from betal.adapters.db.orm_ledger import JournalEntryRow, LedgerAccountRow, PostingRow
from betal.domain.ids import new_id
from betal.services.organisation import CreatedOrganisation

AT = datetime(2026, 11, 22, tzinfo=UTC)


def test_money_columns() -> None:
    assert isinstance(PostingRow.__table__.c.amount_minor.type, BigInteger)
    assert isinstance(PostingRow.__table__.c.base_minor.type, BigInteger)


def _entry(org_id: str, number: int, reverses: str | None = None) -> dict[str, object]:
    return {"id": new_id("je"), "organisation_id": org_id, "number": number, "entry_date": date(2026, 11, 22),
            "description": "x", "source_type": "test", "source_id": "x", "reverses_id": reverses,
            "created_at": AT}  # fmt: skip


def test_an_entry_is_reversed_at_most_once(container: bootstrap.Container, org: CreatedOrganisation) -> None:
    org_id = org.organisation.id
    first = _entry(org_id, 9001)
    with container.uow() as uow:
        uow.session.execute(insert(JournalEntryRow), [first, _entry(org_id, 9002, str(first["id"]))])
        uow.session.commit()
    with container.uow() as uow, pytest.raises(IntegrityError):
        uow.session.execute(insert(JournalEntryRow), [_entry(org_id, 9003, str(first["id"]))])


def test_a_role_is_held_by_one_account(container: bootstrap.Container, org: CreatedOrganisation) -> None:
    def account(code: str) -> dict[str, object]:
        return {"id": new_id("acc"), "organisation_id": org.organisation.id, "code": code, "name": "Bank",
                "kind": "asset", "role": "bank", "created_at": AT}  # fmt: skip

    with container.uow() as uow:
        uow.session.execute(insert(LedgerAccountRow), [account("9810")])
        uow.session.commit()
    with container.uow() as uow, pytest.raises(IntegrityError):
        uow.session.execute(insert(LedgerAccountRow), [account("9811")])
