"""`betal org create`: organisation + owner key, --json exactly as API.md, readable errors."""

from __future__ import annotations

import json

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
