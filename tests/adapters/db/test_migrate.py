"""The migrations build exactly the schema the models describe (no drift), on both databases."""

from __future__ import annotations

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
