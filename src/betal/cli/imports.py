"""``betal import ...``: files read into betal from the command line, one command per kind of file.

``betal import rates FILE [--execute] [--json]`` reads an ECB reference rates file (the daily, 90-day
or historic ``eurofxref`` XML). STYLE.md habit 8: without ``--execute`` it is a dry run that reads the
file and counts what it would add, writing nothing; with ``--execute`` it stores the new rates under a
progress bar. ``--json`` prints ``{"executed", "days", "rates", "new", "changed", "first_day",
"last_day"}``. Exit status: 0 on success, 1 when the file cannot be read, 2 for wrong usage.

``betal import invoice FILE... --organisation ORG_ID [--execute] [--json]`` books supplier invoices from
OIOUBL 2.1 or Peppol BIS 3 UBL files, each in its own transaction, as an operator acting for the
organisation. Without ``--execute`` every file is booked and rolled back, so all the checks run (the
XML, totals, payment means, duplicates, exchange rates) and nothing is written. A file that fails is
reported with its reason and the others go on; the exit status is then 1.

``betal import statement FILE --organisation ORG_ID [--execute] [--json]`` imports a camt.053 statement
or camt.054 notification and reconciles it (docs/reconciliation.md), as an operator acting for the
organisation. Without ``--execute`` the import runs and is rolled back, so the counts of new, known and
matched entries are exactly what ``--execute`` would give; nothing is written. ``--json`` prints
``{"executed", "created", "statement_id", "entries", "duplicates", "matched", "matches", "unmatched"}``.
A malformed file is refused with its line and reason (exit status 1).

A new kind of import is one more ``@app.command`` here, using :func:`read_file`, :func:`progress` and
:func:`print_summary` so every import looks and behaves alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from betal.bootstrap import Container
from betal.cli.common import container, err, run
from betal.domain.errors import BetalError
from betal.domain.money import Money
from betal.ports import Actor, UnitOfWork
from betal.services import bank_statement, bulk, fx
from betal.services import supplier_invoice_ubl as e_invoices

app = typer.Typer(help="Import files: exchange rates, bank statements, invoices.", no_args_is_help=True)
ACTOR = Actor("system", "cli")


def read_file(file: Path) -> bytes:
    """The file's bytes; a readable message and exit 1 instead of a traceback when it cannot be read."""
    try:
        return file.read_bytes()
    except OSError as exc:
        err.print(f"[red]Cannot read {file}:[/red] {exc.strerror}")
        raise typer.Exit(1) from None


@contextmanager
def progress(label: str, *, quiet: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr; yields the ``on_progress(done, total)`` callback services take."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, disable=quiet) as bar:
        task = bar.add_task(label, total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield report


def print_summary(summary: dict[str, Any], text: str, *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, default=str))
    else:
        Console().print(text)


def _rates_text(result: fx.ImportResult, executed: bool) -> str:
    span = f" from {result.first_day} to {result.last_day}" if result.days else ""
    held = f"the file holds {result.days} days{span} with {result.rates} rates"
    if executed:
        return f"Imported {result.new} new rates and corrected {result.changed}; {held}."
    return (
        f"Dry run: {held}; {result.new} are new and {result.changed} differ from the stored ones. "
        "Nothing was written; run again with --execute to import them."
    )


@app.command("rates")
def rates(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="an ECB eurofxref XML file"),
    execute: bool = typer.Option(False, "--execute", help="store the rates (default: a dry run)"),
    as_json: bool = typer.Option(False, "--json", help="print the outcome as JSON"),
) -> None:
    """Import the ECB's euro reference exchange rates (daily, 90-day or historic file)."""
    data = read_file(file)
    with container() as c, c.uow(ACTOR) as uow:
        if execute:
            with progress("Importing rates", quiet=as_json) as report:
                result = run(lambda: fx.import_rates(uow, data, on_progress=report))
        else:
            result = run(lambda: fx.import_rates(uow, data, dry_run=True))
    summary = {"executed": execute, **asdict(result)}
    print_summary(summary, _rates_text(result, execute), as_json=as_json)


def _book_invoice(c: Container, organisation: str, data: bytes, *, execute: bool) -> dict[str, Any]:
    """Book one e-invoice (one transaction), or in a dry run book it and roll back: nothing is written."""
    with c.uow(ACTOR) as uow:
        principal = bulk.operator(uow, organisation)
        uow.defer_commit = not execute
        booked = e_invoices.import_invoice(uow, principal, data)
        supplier = uow.suppliers.get(organisation, booked.supplier_id)
        uow.rollback()  # after a real commit there is nothing left to roll back
    return {
        "id": booked.id if execute else None, "supplier": None if supplier is None else supplier.name,
        "invoice_number": booked.invoice_number, "total": booked.gross_minor, "currency": booked.currency,
        "due_date": booked.due_date.isoformat(),
    }  # fmt: skip


@app.command("invoice")
def invoice(
    files: list[Path] = typer.Argument(
        ..., exists=True, dir_okay=False, help="OIOUBL or Peppol UBL XML files"
    ),
    organisation: str = typer.Option(..., "--organisation", help="the organisation's id (org_...)"),
    execute: bool = typer.Option(False, "--execute", help="book the invoices (default: a dry run)"),
    as_json: bool = typer.Option(False, "--json", help="print the outcome as JSON"),
) -> None:
    """Book supplier invoices from e-invoice files, each on its own; without --execute only check them."""
    results: list[dict[str, Any]] = []
    with container() as c, progress("Booking invoices", quiet=as_json) as report:
        for done, file in enumerate(files, start=1):
            data = read_file(file)
            try:
                results.append({"file": str(file), **_book_invoice(c, organisation, data, execute=execute)})
            except BetalError as exc:
                results.append({"file": str(file), "error": exc.detail, "code": exc.code})
            report(done, len(files))
    failed = [r for r in results if "error" in r]
    lines = [f"{r['file']}: {r['error']}" if "error" in r else _invoice_text(r) for r in results]
    verb = "Booked" if execute else "Dry run: ready to book"
    lines.append(f"{verb} {len(results) - len(failed)} of {len(results)} invoices.")
    summary = {"executed": execute, "invoices": results, "failed": len(failed)}
    print_summary(summary, "\n".join(lines), as_json=as_json)
    if failed:
        raise typer.Exit(1)


def _invoice_text(result: dict[str, Any]) -> str:
    amount = Money(result["total"], result["currency"]).format()
    booked = f" as {result['id']}" if result["id"] else ""
    what = f"{result['supplier']} {result['invoice_number']}, {amount}, due {result['due_date']}"
    return f"{result['file']}: {what}{booked}"


@contextmanager
def _statement_progress(*, quiet: bool) -> Iterator[bank_statement.Progress]:
    """A bar counting entries as the file is read, then the reconciliation's total."""
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} entries"))
    with Progress(*columns, console=err, disable=quiet) as bar:
        task = bar.add_task("Reading", total=None)

        def report(stage: str, done: int) -> None:
            label = "Reconciling" if stage == "reconcile" else "Reading"
            bar.update(task, description=label, completed=done)

        yield report


def _statement_text(summary: dict[str, Any]) -> str:
    if not summary["created"]:
        return f"This file was imported before as {summary['statement_id']}; nothing was added."
    counts = (
        f"{summary['entries']} new entries ({summary['duplicates']} already known), {summary['matched']} "
        f"matched by {summary['matches']} matches, {summary['unmatched']} left for the unmatched queue"
    )
    if summary["executed"]:
        return f"Imported {summary['statement_id']}: {counts}."
    return f"Dry run: {counts}. Nothing was written; run again with --execute to import the statement."


def _import_statement(
    uow: UnitOfWork, organisation: str, file: Path, report: bank_statement.Progress
) -> bank_statement.ImportResult:
    principal = run(lambda: bulk.operator(uow, organisation))
    try:
        with file.open("rb") as source:
            sha256 = bank_statement.sha256_of(source)
            return run(
                lambda: bank_statement.import_statement(uow, principal, source, sha256, progress=report)
            )
    except OSError as exc:
        err.print(f"[red]Cannot read {file}:[/red] {exc.strerror}")
        raise typer.Exit(1) from None


@app.command("statement")
def statement(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="a camt.053 or camt.054 XML file"),
    organisation: str = typer.Option(..., "--organisation", help="the organisation's id (org_...)"),
    execute: bool = typer.Option(False, "--execute", help="import and reconcile (default: a dry run)"),
    as_json: bool = typer.Option(False, "--json", help="print the outcome as JSON"),
) -> None:
    """Import a bank statement and reconcile it; without --execute only show what that would do."""
    with container() as c, c.uow(ACTOR) as uow, _statement_progress(quiet=as_json) as report:
        uow.defer_commit = not execute
        result = _import_statement(uow, organisation, file, report)
        uow.rollback()  # after a real commit there is nothing left to roll back
    matched = sum(1 for e in result.entries if e.matched_minor > 0)
    known = result.statement.duplicate_count if result.created else 0
    summary = {
        "executed": execute, "created": result.created,
        "statement_id": result.statement.id if execute or not result.created else None,
        "entries": len(result.entries), "duplicates": known, "matched": matched,
        "matches": len(result.matches), "unmatched": len(result.entries) - matched,
    }  # fmt: skip
    print_summary(summary, _statement_text(summary), as_json=as_json)
