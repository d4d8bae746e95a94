"""`betal import invoice FILE... --organisation ORG`: a dry run checks everything and writes nothing,
--execute books each file on its own, --json, and a bad file reported without stopping the others."""

from __future__ import annotations

import json

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from betal.bootstrap import Container
from betal.cli import imports
from betal.services.organisation import CreatedOrganisation
from tests.conftest import TEST_SECRET
from tests.services.payables_support import DATA, counts

runner = CliRunner()
cli = typer.Typer()
cli.add_typer(imports.app, name="import")  # as betal.cli.main mounts it


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BETAL_DATABASE_URL", db_url)
    monkeypatch.setenv("BETAL_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("COLUMNS", "200")
    return db_url


def _invoke(org: CreatedOrganisation, *names: str, extra: tuple[str, ...] = ()) -> Result:
    files = [str(DATA / name) for name in names]
    return runner.invoke(cli, ["import", "invoice", *files, "--organisation", org.organisation.id, *extra])


@pytest.mark.usefixtures("env")
class TestImportInvoice:
    def test_a_dry_run_writes_nothing(self, container: Container, org: CreatedOrganisation) -> None:
        before = counts(container)
        result = _invoke(org, "peppol-fik71-pdf.xml", "oioubl-bank.xml")
        assert result.exit_code == 0, result.output
        assert "Nordlys Software ApS 2026-0417, 15.093,75 DKK, due 2026-03-16" in result.output
        assert "Dry run: ready to book 2 of 2 invoices." in result.output
        assert counts(container) == before

    def test_execute_books_and_reports_as_json(self, container: Container, org: CreatedOrganisation) -> None:
        result = _invoke(org, "peppol-fik71-pdf.xml", extra=("--execute", "--json"))
        assert result.exit_code == 0, result.output
        summary = json.loads(result.output)
        assert (summary["executed"], summary["failed"]) == (True, 0)
        (booked,) = summary["invoices"]
        assert booked["id"].startswith("sinv_")
        assert (booked["supplier"], booked["total"], booked["currency"]) == (
            "Nordlys Software ApS",
            1_509_375,
            "DKK",
        )
        with container.uow() as uow:
            assert uow.supplier_invoices.get(org.organisation.id, booked["id"]) is not None

    def test_a_bad_file_is_reported_and_the_others_go_on(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        result = _invoke(org, "peppol-totals-off.xml", "oioubl-bank.xml", extra=("--execute", "--json"))
        assert result.exit_code == 1
        summary = json.loads(result.output)
        bad, good = summary["invoices"]
        assert (bad["code"], "line 132" in bad["error"]) == ("ubl.totals_mismatch", True)
        assert good["invoice_number"] == "100482"
        again = _invoke(org, "oioubl-bank.xml")
        assert again.exit_code == 1
        assert "already booked as" in again.output

    def test_an_unknown_organisation(self, container: Container, org: CreatedOrganisation) -> None:
        result = runner.invoke(
            cli,
            ["import", "invoice", str(DATA / "oioubl-bank.xml"), "--organisation", "org_nope", "--execute"],
        )
        assert result.exit_code == 1
        assert "no organisation org_nope" in result.output
