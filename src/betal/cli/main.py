"""The ``betal`` command line (API.md "Command line"), built with Typer."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from betal.cli import db, imports, org, requests
from betal.cli.serve import serve, worker

app = typer.Typer(help="betal: payments for Danish businesses and their accountants.", no_args_is_help=True)
app.add_typer(db.app, name="db")
app.add_typer(imports.app, name="import")
app.add_typer(org.app, name="org")
app.add_typer(requests.app, name="requests")
app.command()(serve)
app.command()(worker)

console = Console()


@app.command()
def version() -> None:
    """Print the betal version."""
    from betal import __version__

    console.print(json.dumps({"version": __version__}))


if __name__ == "__main__":  # pragma: no cover
    app()
