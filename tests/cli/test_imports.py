"""`betal import rates FILE`: a dry run writes nothing, --execute imports once, --json, readable errors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from betal.bootstrap import Container
from betal.cli.main import app
from betal.services import fx
from tests.conftest import TEST_SECRET

ECB = Path(__file__).parents[1] / "formats" / "data" / "ecb"
EASTER = str(ECB / "eurofxref-hist-90d-easter.xml")
runner = CliRunner()


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BETAL_DATABASE_URL", db_url)
    monkeypatch.setenv("BETAL_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("COLUMNS", "200")
    return db_url


def _count(container: Container) -> int:
    with container.uow() as uow:
        return len(uow.fx_rates.between(fx.SOURCE, date(2026, 1, 1), date(2026, 12, 31)))


@pytest.mark.usefixtures("env")
class TestRates:
    def test_a_dry_run_counts_and_writes_nothing(self, container: Container) -> None:
        result = runner.invoke(app, ["import", "rates", EASTER])
        assert result.exit_code == 0, result.output
        assert "Dry run: the file holds 7 days from 2026-03-27 to 2026-04-08 with 55 rates" in result.stdout
        assert "55 are new and 0 differ" in result.stdout
        assert "--execute" in result.stdout
        assert _count(container) == 0

    def test_execute_imports_under_a_progress_bar_and_a_second_run_adds_nothing(
        self, container: Container
    ) -> None:
        first = runner.invoke(app, ["import", "rates", EASTER, "--execute"])
        assert first.exit_code == 0, first.output
        assert "Imported 55 new rates and corrected 0" in first.stdout
        assert "Importing rates" in first.stderr
        assert _count(container) == 55
        second = runner.invoke(app, ["import", "rates", EASTER, "--execute"])
        assert "Imported 0 new rates and corrected 0" in second.stdout
        assert _count(container) == 55

    def test_json_output(self, container: Container) -> None:
        result = runner.invoke(app, ["import", "rates", EASTER, "--execute", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {
            "executed": True, "days": 7, "rates": 55, "new": 55, "changed": 0,
            "first_day": "2026-03-27", "last_day": "2026-04-08",
        }  # fmt: skip
        assert result.stderr == ""  # no progress bar in machine-readable mode

    def test_a_bad_file_is_a_one_line_error(self, container: Container) -> None:
        result = runner.invoke(app, ["import", "rates", str(ECB / "invalid-rate.xml"), "--execute"])
        assert result.exit_code == 1
        assert "Invalid input: file: not an ECB reference rates file: line 7:" in result.stderr
        assert "Traceback" not in result.output
        assert _count(container) == 0

    def test_a_missing_file_is_a_usage_error(self) -> None:
        result = runner.invoke(app, ["import", "rates", "/nowhere/eurofxref-daily.xml"])
        assert result.exit_code == 2


class TestGroup:
    def test_import_is_listed_with_its_commands(self) -> None:
        assert "import" in runner.invoke(app, ["--help"]).stdout
        listed = runner.invoke(app, ["import", "--help"])
        assert listed.exit_code == 0
        assert "rates" in listed.stdout
