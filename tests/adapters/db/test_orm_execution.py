"""Payment accounts table: tenant data, one row per account and organisation."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from betal import bootstrap
from betal.adapters.db.orm_execution import PaymentAccountRow
from betal.domain.ids import new_id
from betal.services.organisation import CreatedOrganisation

AT = datetime(2026, 11, 22, tzinfo=UTC)


def _row(org_id: str) -> dict[str, object]:
    return {"id": new_id("pacc"), "organisation_id": org_id, "name": "Drift", "iban": "DK4400400440116254",
            "currency": "DKK", "is_default": True, "cutoff": time(14, 0), "file_version": "pain.001.001.09",
            "created_at": AT, "updated_at": AT}  # fmt: skip


def test_the_table_carries_the_organisation() -> None:
    assert PaymentAccountRow.__table__.c.organisation_id.foreign_keys


def test_an_account_once_per_organisation(
    container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
) -> None:
    with container.engine.begin() as conn:
        conn.execute(insert(PaymentAccountRow).values(_row(org.organisation.id)))
        conn.execute(insert(PaymentAccountRow).values(_row(other_org.organisation.id)))
        stored = conn.execute(PaymentAccountRow.__table__.select()).mappings().all()
    assert {r["cutoff"] for r in stored} == {time(14, 0)}
    with pytest.raises(IntegrityError), container.engine.begin() as conn:
        conn.execute(insert(PaymentAccountRow).values(_row(org.organisation.id)))
