"""``betal org create``: an organisation with sandbox agreements and an owner API key."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from betal.cli.common import container, run
from betal.services.organisation import create_organisation

app = typer.Typer(help="Organisations.", no_args_is_help=True)


@app.command()
def create(
    name: str = typer.Option(..., "--name", help="the organisation's name"),
    cvr: str = typer.Option(..., "--cvr", help="Danish CVR number (8 digits)"),
    as_json: bool = typer.Option(False, "--json", help="print {organisation_id, api_key} as JSON"),
) -> None:
    """Create an organisation and print its owner API key (shown only once)."""
    with container() as c, c.uow() as uow:
        created = run(lambda: create_organisation(uow, name=name, cvr=cvr, live=not c.settings.is_sandbox))
    if as_json:
        typer.echo(json.dumps({"organisation_id": created.organisation.id, "api_key": created.api_key}))
        return
    console = Console()
    organisation = created.organisation
    console.print(f"Created [bold]{organisation.name}[/bold] ({organisation.id}), CVR {organisation.cvr}")
    console.print(f"Owner API key (shown once): [bold]{created.api_key}[/bold]")
