"""The migrations build exactly the schema the models describe (no drift), on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from betal.adapters.db.orm import Base
from betal.bootstrap import Container


class TestMigrations:
    def test_models_and_migrations_agree(self, container: Container) -> None:
        with container.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations drift; run `betal db revision`: {diff}"

    def test_every_table_exists(self, container: Container) -> None:
        tables = set(inspect(container.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables

    def test_tenant_tables_carry_organisation_id(self) -> None:
        global_tables = {"users", "job_schedules", "web_sessions", "organisations"}
        for name, table in Base.metadata.tables.items():
            if name not in global_tables:
                assert "organisation_id" in table.c, f"{name} holds tenant data without organisation_id"
