"""Bank statement tables: a file once per organisation, an entry once per account and dedupe key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import BigInteger, insert
from sqlalchemy.exc import IntegrityError

from betal import bootstrap
from betal.adapters.db.orm_banking import BankStatementRow, ReconciliationMatchRow, StatementEntryRow
from betal.domain.ids import new_id
from betal.services.organisation import CreatedOrganisation

AT = datetime(2026, 11, 22, tzinfo=UTC)


def test_money_columns() -> None:
    assert isinstance(StatementEntryRow.__table__.c.amount_minor.type, BigInteger)
    assert isinstance(ReconciliationMatchRow.__table__.c.amount_minor.type, BigInteger)


def _statement(org_id: str, sha: str) -> dict[str, object]:
    return {"id": new_id("stmt"), "organisation_id": org_id, "kind": "camt.053", "version": "camt.053.001.08",
            "message_id": "M1", "statement_ref": "S1", "account": "DK5000400440116243", "file_sha256": sha,
            "entry_count": 0, "duplicate_count": 0, "created_at": AT}  # fmt: skip


def _entry(org_id: str, statement_id: str, key: str) -> dict[str, object]:
    return {"id": new_id("ent"), "organisation_id": org_id, "statement_id": statement_id,
            "account": "DK5000400440116243", "sequence": 1, "direction": "credit", "amount_minor": 100,
            "currency": "DKK", "status": "booked", "dedupe_key": key, "match_status": "unmatched",
            "matched_minor": 0, "created_at": AT}  # fmt: skip


def test_a_file_is_stored_once(container: bootstrap.Container, org: CreatedOrganisation) -> None:
    with container.uow() as uow:
        uow.session.execute(insert(BankStatementRow), [_statement(org.organisation.id, "a" * 64)])
        uow.session.commit()
    with container.uow() as uow, pytest.raises(IntegrityError):
        uow.session.execute(insert(BankStatementRow), [_statement(org.organisation.id, "a" * 64)])


def test_an_entry_is_stored_once_per_account(
    container: bootstrap.Container, org: CreatedOrganisation
) -> None:
    org_id = org.organisation.id
    statement = _statement(org_id, "b" * 64)
    with container.uow() as uow:
        uow.session.execute(insert(BankStatementRow), [statement])
        uow.session.execute(insert(StatementEntryRow), [_entry(org_id, str(statement["id"]), "k1")])
        uow.session.commit()
    with container.uow() as uow, pytest.raises(IntegrityError):
        uow.session.execute(insert(StatementEntryRow), [_entry(org_id, str(statement["id"]), "k1")])
