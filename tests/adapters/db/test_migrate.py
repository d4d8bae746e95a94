"""The migrations build exactly the schema the models describe (no drift), on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from betal.adapters.db.schema import metadata as _metadata
from betal.bootstrap import Container


class TestMigrations:
    def test_models_and_migrations_agree(self, container: Container) -> None:
        with container.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, _metadata)
        assert diff == [], f"models and migrations drift; run `betal db revision`: {diff}"

    def test_every_table_exists(self, container: Container) -> None:
        tables = set(inspect(container.engine).get_table_names())
        assert set(_metadata.tables) <= tables
        assert "alembic_version" in tables


class TestAppendOnly:
    """Events and the audit log are kept and never changed: the database itself refuses."""

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE events SET type = 'payment.succeeded'",
            "DELETE FROM events",
            "UPDATE audit_log SET action = 'nothing'",
            "DELETE FROM audit_log",
        ],
    )
    def test_update_and_delete_are_refused(self, container: Container, statement: str) -> None:
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        from betal.services.organisation import create_organisation

        with container.uow() as uow:
            create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")  # an event and an audit entry
        with container.engine.connect() as conn:
            before = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
            assert before >= 1
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()
            assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == before
