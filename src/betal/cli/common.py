"""What every command shares: settings, the container, and readable errors instead of tracebacks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from betal import bootstrap
from betal.config import Settings
from betal.domain.errors import BetalError, InvalidInput

err = Console(stderr=True)
T = TypeVar("T")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            (f"BETAL_{str(e['loc'][0]).upper()}: " if e["loc"] else "")
            + str(e["msg"]).removeprefix("Value error, ")
            for e in exc.errors()
        )
        err.print(f"[red]Configuration error:[/red] {problems}")
        raise typer.Exit(2) from None


@contextmanager
def container() -> Iterator[bootstrap.Container]:
    c = bootstrap.build(load_settings())
    try:
        yield c
    finally:
        c.close()


def run(fn: Callable[[], T]) -> T:
    """Call ``fn``, turning betal's errors into a one-line message and exit code 1."""
    try:
        return fn()
    except InvalidInput as exc:
        fields = "; ".join(f"{p.field}: {p.message}" for p in exc.errors) or exc.detail
        err.print(f"[red]Invalid input:[/red] {fields}")
        raise typer.Exit(1) from None
    except BetalError as exc:
        err.print(f"[red]{exc.title}:[/red] {exc.detail}")
        raise typer.Exit(1) from None
