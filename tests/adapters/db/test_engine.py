"""Engines: SQLite with WAL, foreign keys and one writer at a time; PostgreSQL via psycopg 3."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from betal.adapters.db.engine import is_postgres, make_engine
from betal.bootstrap import Container


class TestSqlite:
    def test_wal_foreign_keys_busy_timeout(self, tmp_path: Path) -> None:
        engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert not is_postgres(engine)
        engine.dispose()

    def test_concurrent_writers_queue_instead_of_failing(self, tmp_path: Path) -> None:
        engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE counter (n INTEGER)"))
            conn.execute(text("INSERT INTO counter VALUES (0)"))
        errors: list[BaseException] = []

        def bump() -> None:
            try:
                for _ in range(25):
                    with engine.begin() as conn:  # read-modify-write: needs the write lock up front
                        n = conn.execute(text("SELECT n FROM counter")).scalar_one()
                        conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=bump) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 100
        assert not errors
        engine.dispose()


class TestForeignKeys:
    def test_enforced_on_both_databases(self, container: Container) -> None:
        with pytest.raises(IntegrityError), container.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO memberships (id, user_id, organisation_id, role, created_at) "
                    "VALUES ('mem_1', 'usr_none', 'org_none', 'viewer', CURRENT_TIMESTAMP)"
                )
            )
