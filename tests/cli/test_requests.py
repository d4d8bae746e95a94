"""`betal requests import FILE`: a dry run writes nothing, --execute creates, --json, readable errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from betal.bootstrap import Container
from betal.cli import requests
from betal.domain.tenancy import Principal, Role
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import list_payment_requests
from tests.conftest import TEST_SECRET

DATA = Path(__file__).parents[1] / "services" / "data" / "bulk"
runner = CliRunner()
cli = typer.Typer()
cli.add_typer(requests.app, name="requests")  # as betal.cli.main mounts it


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BETAL_DATABASE_URL", db_url)
    monkeypatch.setenv("BETAL_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("COLUMNS", "200")
    return db_url


@pytest.fixture
def customers(container: Container, org: CreatedOrganisation) -> None:
    owner = Principal(org.organisation.id, Role.OWNER, "api_key", "key_test")
    for external_id in ("C-1001", "C-1002"):
        with container.uow() as uow:
            data = NewCustomer(
                f"Kunde {external_id}", email=f"{external_id.lower()}@x.dk", external_id=external_id
            )
            create_customer(uow, container.cipher, owner, data)


def _count(container: Container, org: CreatedOrganisation) -> int:
    owner = Principal(org.organisation.id, Role.OWNER, "api_key", "key_test")
    with container.uow() as uow:
        return len(list_payment_requests(uow, owner, status=None, customer_id=None, after_id=None, limit=100))


def _import(org: CreatedOrganisation, name: str, *extra: str) -> object:
    args = ["requests", "import", str(DATA / name), "--organisation", org.organisation.id, *extra]
    return runner.invoke(cli, args)


@pytest.mark.usefixtures("env", "customers")
class TestImport:
    def test_a_dry_run_creates_nothing_and_shows_the_errors(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        result = _import(org, "mixed.csv")
        assert result.exit_code == 1, result.output
        assert "Rows with errors" in result.stdout
        assert "must be a whole number of øre" in result.stdout
        assert "no such customer in this organisation" in result.stdout
        assert "Dry run: 2 of 8 rows are ready and 6 have errors" in result.stdout
        assert "--execute" in result.stdout
        assert _count(container, org) == 0

    def test_execute_creates_the_valid_rows(self, container: Container, org: CreatedOrganisation) -> None:
        result = _import(org, "mixed.csv", "--execute")
        assert result.exit_code == 1, result.output
        assert "Created 2 of 8 payment requests; 6 rows had errors." in result.stdout
        assert "Creating" in result.stderr  # the progress bar
        assert _count(container, org) == 2

    def test_a_clean_file_exits_0(self, container: Container, org: CreatedOrganisation) -> None:
        dry = _import(org, "semicolon.csv")
        assert dry.exit_code == 0, dry.output
        assert "Rows with errors" not in dry.stdout
        assert _import(org, "semicolon.csv", "--execute").exit_code == 0
        assert _count(container, org) == 2

    def test_json_output(self, container: Container, org: CreatedOrganisation) -> None:
        dry = json.loads(_import(org, "mixed.json", "--json").stdout)
        assert {k: dry[k] for k in ("executed", "total", "valid", "created", "failed")} == {
            "executed": False, "total": 6, "valid": 2, "created": 0, "failed": 4,
        }  # fmt: skip
        assert dry["errors"][0] == {
            "line": 2,
            "field": "amount",
            "message": "amount must be an integer number of minor units",
        }
        done = _import(org, "mixed.json", "--json", "--execute")
        assert json.loads(done.stdout)["created"] == 2
        assert done.stderr == ""  # no progress bar in machine output
        assert _count(container, org) == 2

    def test_format_from_the_option(self, tmp_path: Path, org: CreatedOrganisation) -> None:
        renamed = tmp_path / "march.txt"
        shutil.copyfile(DATA / "semicolon.csv", renamed)
        args = ["requests", "import", str(renamed), "--organisation", org.organisation.id]
        unnamed = runner.invoke(cli, args)
        assert unnamed.exit_code == 2
        assert "give --format" in unnamed.output
        assert runner.invoke(cli, [*args, "--format", "csv"]).exit_code == 0
        assert runner.invoke(cli, [*args, "--format", "xml"]).exit_code == 2

    def test_a_malformed_file_is_one_readable_line(self, org: CreatedOrganisation) -> None:
        result = _import(org, "unclosed_quote.csv", "--execute")
        assert result.exit_code == 1
        assert "Cannot import unclosed_quote.csv: line 2: the record cannot be read" in result.stderr
        assert "Traceback" not in result.output

    def test_an_unknown_organisation(self) -> None:
        result = runner.invoke(
            cli, ["requests", "import", str(DATA / "semicolon.csv"), "--organisation", "org_x"]
        )
        assert result.exit_code == 1
        assert "no organisation org_x" in result.stderr
