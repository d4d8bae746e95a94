"""The command line: `betal db upgrade`, `betal org create --json`, readable errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from betal.cli.main import app

runner = CliRunner()


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BETAL_DATABASE_URL", db_url)
    monkeypatch.setenv("BETAL_SECRET_KEY", "cli-test-secret-key-0123456789")
    return db_url


class TestOrgCreate:
    def test_json_output_and_the_key_works(self, env: str) -> None:
        result = runner.invoke(app, ["org", "create", "--name", "Hansen ApS", "--cvr", "25313763", "--json"])
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        assert set(out) == {"organisation_id", "api_key"}
        assert out["organisation_id"].startswith("org_")
        from fastapi.testclient import TestClient

        from betal import bootstrap
        from betal.api.app import create_app
        from betal.config import Settings

        container = bootstrap.build(Settings(database_url=env, secret_key="cli-test-secret-key-0123456789"))
        response = TestClient(create_app(container)).get(
            "/v1/organisation", headers={"Authorization": f"Bearer {out['api_key']}"}
        )
        container.close()
        assert response.json()["id"] == out["organisation_id"]
        assert response.json()["cvr"] == "25313763"

    def test_invalid_cvr_is_a_readable_error(self, env: str) -> None:
        result = runner.invoke(app, ["org", "create", "--name", "X", "--cvr", "12345678"])
        assert result.exit_code == 1
        assert "cvr" in result.stderr
        assert "Traceback" not in result.output

    def test_duplicate_cvr(self, env: str) -> None:
        args = ["org", "create", "--name", "A", "--cvr", "10150817", "--json"]
        assert runner.invoke(app, args).exit_code == 0
        again = runner.invoke(app, args)
        assert again.exit_code == 1
        assert "exists already" in again.stderr

    def test_human_output_shows_key_once(self, env: str) -> None:
        result = runner.invoke(app, ["org", "create", "--name", "Café Ø", "--cvr", "30604806"])
        assert result.exit_code == 0
        assert "shown once" in result.stdout
        assert "betal_test_" in result.stdout


class TestConfigErrors:
    def test_live_mode_with_default_secret_exits_2(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("BETAL_MODE", "live")
        monkeypatch.delenv("BETAL_SECRET_KEY", raising=False)
        result = runner.invoke(app, ["org", "create", "--name", "X", "--cvr", "25313763"])
        assert result.exit_code == 2
        assert "Configuration error" in result.stderr


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
