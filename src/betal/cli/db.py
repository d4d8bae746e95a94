"""``betal db upgrade``: apply the migrations to ``BETAL_DATABASE_URL``."""

from __future__ import annotations

import typer
from rich.console import Console

from betal.cli.common import container

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from betal.bootstrap import migrate

    with container() as c:
        migrate(c, revision)
        Console().print(f"database at {c.engine.url.render_as_string(hide_password=True)} is at {revision}")


@app.command()
def revision(message: str = typer.Option(..., "--message", "-m", help="what the migration does")) -> None:
    """Autogenerate a migration from the models (for developers changing the schema)."""
    from betal.bootstrap import make_revision

    with container() as c:
        make_revision(c, message)
