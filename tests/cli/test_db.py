"""`betal db upgrade` builds the schema in a fresh database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.sqlite_only
class TestDbUpgrade:
    def test_upgrade_creates_schema_in_a_fresh_file(self, tmp_path: Path, backend: str) -> None:
        db = tmp_path / "fresh.db"
        env = os.environ | {"BETAL_DATABASE_URL": f"sqlite:///{db}"}
        done = subprocess.run(
            [sys.executable, "-m", "betal.cli.main", "db", "upgrade"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "is at head" in done.stdout
        import sqlite3

        with sqlite3.connect(db) as conn:
            tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
            journal = conn.execute("pragma journal_mode").fetchone()[0]
        assert {"organisations", "events", "jobs", "audit_log"} <= tables
        assert journal == "wal"


class TestDbRevision:
    def test_help_lists_commands(self) -> None:
        from typer.testing import CliRunner

        from betal.cli.main import app

        result = CliRunner().invoke(app, ["db", "--help"])
        assert result.exit_code == 0
        assert "upgrade" in result.stdout
        assert "revision" in result.stdout
