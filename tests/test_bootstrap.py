"""The composition root builds a working container from settings."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from betal import bootstrap
from betal.adapters.clock import SystemClock
from betal.config import Settings
from betal.ports import SYSTEM


class TestBuild:
    def test_fresh_sqlite_file_migrates_and_works(self, tmp_path: Path) -> None:
        container = bootstrap.build(Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}"))
        try:
            bootstrap.migrate(container)
            assert "organisations" in inspect(container.engine).get_table_names()
            assert isinstance(container.clock, SystemClock)
            with container.uow() as uow:
                assert uow.actor == SYSTEM
                assert uow.organisations.get("org_x") is None
        finally:
            container.close()

    def test_migrate_is_repeatable(self, tmp_path: Path) -> None:
        container = bootstrap.build(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}"))
        bootstrap.migrate(container)
        bootstrap.migrate(container)
        container.close()
