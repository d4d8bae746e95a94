"""``betal requests import FILE --organisation ORG_ID [--execute] [--json]``: bulk payment requests.

The file is the CSV or JSON of ``POST /v1/payment-requests/bulk`` (format in ``betal.services.bulk``),
chosen by the file's suffix or ``--format``. The command works on the database directly, as an operator
acting for the organisation named by ``--organisation`` (its ``org_...`` id). STYLE.md habit 8: without
``--execute`` it is a dry run that checks every row against the organisation (customers, agreements) and
writes nothing; with ``--execute`` it creates the valid rows under a progress bar. Row errors are shown
as a table, or with ``--json`` as ``{"executed", "total", "valid", "created", "failed", "errors"}``.
Exit status: 0 when every row is good, 1 when a row (or the file) has errors, 2 for wrong usage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from betal.cli.common import container, err, run
from betal.domain.errors import InvalidInput
from betal.ports import Actor, UnitOfWork
from betal.services import bulk

app = typer.Typer(help="Payment requests.", no_args_is_help=True)
ACTOR = Actor("system", "cli")
SUFFIXES = {".csv": bulk.FileFormat.CSV, ".json": bulk.FileFormat.JSON}


def _format(file: Path, given: str | None) -> bulk.FileFormat:
    if given is not None:
        try:
            return bulk.FileFormat(given.lower())
        except ValueError:
            raise typer.BadParameter("use csv or json", param_hint="--format") from None
    if file.suffix.lower() not in SUFFIXES:
        raise typer.BadParameter("name a .csv or .json file, or give --format", param_hint="FILE")
    return SUFFIXES[file.suffix.lower()]


def _read(file: Path, fmt: bulk.FileFormat) -> list[bulk.RawRow]:
    data = file.read_bytes()
    try:
        return bulk.parse_file(fmt, data)
    except InvalidInput as exc:
        err.print(f"[red]Cannot import {file.name}:[/red] {exc.detail}")
        raise typer.Exit(1) from None


def _errors_table(errors: list[bulk.RowError]) -> Table:
    table = Table(title="Rows with errors", title_justify="left", header_style="bold")
    table.add_column("Line", justify="right")
    table.add_column("Field")
    table.add_column("Problem")
    for error in errors:
        table.add_row(str(error.line), error.field, error.message)
    return table


def _execute(rows: list[bulk.RawRow], organisation: str, *, quiet: bool) -> bulk.BulkResult:
    with container() as c:

        def new_uow() -> UnitOfWork:
            return c.uow(ACTOR)

        with new_uow() as uow:
            principal = run(lambda: bulk.operator(uow, organisation))
        columns = (TextColumn("Creating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=err, disable=quiet, transient=False) as progress:
            task = progress.add_task("rows", total=len(rows))

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return run(lambda: bulk.run_rows(new_uow, principal, rows, on_progress=report))


def _check(rows: list[bulk.RawRow], organisation: str) -> bulk.Plan:
    with container() as c, c.uow(ACTOR) as uow:
        principal = run(lambda: bulk.operator(uow, organisation))
        return run(lambda: bulk.check_rows(uow, principal, rows))


def _report(summary: dict[str, Any], errors: list[bulk.RowError], as_json: bool) -> None:
    if as_json:
        summary["errors"] = [{"line": e.line, "field": e.field, "message": e.message} for e in errors]
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    console = Console()
    if errors:
        console.print(_errors_table(errors))
    failed, total = summary["failed"], summary["total"]
    if summary["executed"]:
        console.print(f"Created {summary['created']} of {total} payment requests; {failed} rows had errors.")
    else:
        console.print(
            f"Dry run: {summary['valid']} of {total} rows are ready and {failed} have errors. "
            "Nothing was created; run again with --execute to create the ready rows."
        )


@app.command("import")
def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="a .csv or .json file"),
    organisation: str = typer.Option(..., "--organisation", help="the organisation's id (org_...)"),
    fmt: str | None = typer.Option(None, "--format", help="csv or json (default: from the file's suffix)"),
    execute: bool = typer.Option(False, "--execute", help="create the requests (default: a dry run)"),
    as_json: bool = typer.Option(False, "--json", help="print the outcome as JSON"),
) -> None:
    """Check a CSV or JSON file of payment requests and, with --execute, create its valid rows."""
    rows = _read(file, _format(file, fmt))
    if execute:
        result = _execute(rows, organisation, quiet=as_json)
        errors, valid, created = result.errors, result.total - result.failed, result.created
    else:
        plan = _check(rows, organisation)
        errors, valid, created = plan.errors, len(plan.ready), 0
    failed = len({e.line for e in errors})
    summary = {"executed": execute, "total": len(rows), "valid": valid, "created": created, "failed": failed}
    _report(summary, errors, as_json)
    if errors:
        raise typer.Exit(1)
