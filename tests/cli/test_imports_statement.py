"""`betal import statement FILE`: a dry run writes nothing, --execute imports and reconciles once, --json,
a malformed file refused with its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import text
from typer.testing import CliRunner

from betal.bootstrap import Container
from betal.cli.main import app
from betal.services.organisation import CreatedOrganisation
from tests.conftest import TEST_SECRET
from tests.services.banking_support import Line, customer, own_account, request, written

runner = CliRunner()


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BETAL_DATABASE_URL", db_url)
    monkeypatch.setenv("BETAL_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("COLUMNS", "200")
    return db_url


@pytest.fixture
def statement_file(container: Container, org: CreatedOrganisation, tmp_path: Path) -> Path:
    """Two credits, one paying an open request by its reference; and the request."""
    request(container, org, customer(container, org), 50_000, reference="F-1001")
    path = tmp_path / "kontoudtog.xml"
    path.write_bytes(
        written(own_account(container, org), [Line("500.00", reference="F-1001"), Line("12.00")])
    )
    return path


def _entries(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM statement_entries")).scalar_one())


def _run(org: CreatedOrganisation, path: Path, *extra: str) -> Result:
    return runner.invoke(
        app, ["import", "statement", str(path), "--organisation", org.organisation.id, *extra]
    )


@pytest.mark.usefixtures("env")
class TestStatement:
    def test_a_dry_run_counts_and_writes_nothing(
        self, container: Container, org: CreatedOrganisation, statement_file: Path
    ) -> None:
        result = _run(org, statement_file)
        assert result.exit_code == 0, result.output
        assert "Dry run: 2 new entries (0 already known), 1 matched by 1 matches" in result.stdout
        assert "--execute" in result.stdout
        assert _entries(container) == 0

    def test_execute_then_the_same_file_adds_nothing(
        self, container: Container, org: CreatedOrganisation, statement_file: Path
    ) -> None:
        first = _run(org, statement_file, "--execute")
        assert first.exit_code == 0, first.output
        assert "Imported stmt_" in first.stdout
        assert "Reconciling" in first.stderr
        assert _entries(container) == 2
        second = _run(org, statement_file, "--execute")
        assert "was imported before as stmt_" in second.stdout
        assert _entries(container) == 2

    def test_json(self, org: CreatedOrganisation, statement_file: Path) -> None:
        result = _run(org, statement_file, "--execute", "--json")
        data = json.loads(result.stdout)
        assert data["statement_id"].startswith("stmt_")
        assert {k: v for k, v in data.items() if k != "statement_id"} == {
            "executed": True, "created": True, "entries": 2, "duplicates": 0, "matched": 1, "matches": 1,
            "unmatched": 1,
        }  # fmt: skip

    def test_a_malformed_file_names_its_line(
        self, container: Container, org: CreatedOrganisation, tmp_path: Path
    ) -> None:
        path = tmp_path / "bad.xml"
        path.write_bytes(
            written(own_account(container, org), [Line("1.00")]).replace(b"</Ntry>", b"</Ntryx>")
        )
        result = _run(org, path, "--execute")
        assert result.exit_code == 1
        assert "Invalid input: body: line " in result.stderr
        assert _entries(container) == 0

    def test_an_unknown_organisation(self, statement_file: Path, org: CreatedOrganisation) -> None:
        result = runner.invoke(
            app, ["import", "statement", str(statement_file), "--organisation", "org_nope"]
        )
        assert result.exit_code == 1
        assert "no organisation org_nope" in result.stderr
