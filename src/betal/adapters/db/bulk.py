"""Writing many rows at once, in the session's transaction, without an ORM object or a statement per row.

On PostgreSQL new rows go in with ``COPY ... FROM STDIN`` and changed ones with one
``UPDATE ... FROM unnest(...)`` per chunk, several times faster than ``executemany`` (which psycopg
pipelines, but still as one statement per row); on SQLite both are an ``executemany``. Values are what
the columns hold (``mapping.to_columns``): strings, integers, dates, aware datetimes, JSON documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import Any, TypeVar

from psycopg.types.json import Jsonb
from sqlalchemy import JSON, insert, text, update
from sqlalchemy.orm import Session

from betal.adapters.db.orm import Base

CHUNK = 1000
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(session: Session, model: type[Base], rows: Iterable[dict[str, Any]]) -> None:
    """Insert many rows in this session's transaction: COPY on PostgreSQL, else ``executemany``.

    ``rows`` may be a generator: it is read once, and on PostgreSQL streamed, so a large batch is never
    held as dicts all at once. Every row names the same columns (the first row's); a column left out
    gets its database default, not a default declared only in Python.
    """
    stream = iter(rows)
    first = next(stream, None)
    if first is None:
        return
    if not _is_postgres(session):
        rest = chain([first], stream)
        while batch := list(islice(rest, CHUNK)):
            session.execute(insert(model), batch)
        return
    session.flush()
    table, name = model.__table__, model.__tablename__
    columns = list(first)
    documents = {c for c in columns if isinstance(table.c[c].type, JSON)}
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in chain([first], stream):
            copy.write_row(
                [Jsonb(row[c]) if c in documents and row[c] is not None else row[c] for c in columns]
            )


def update_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Set columns of many rows by ``id`` (every row names the same columns): one UPDATE per chunk."""
    if not rows:
        return
    if not _is_postgres(session):
        for part in chunks(rows):
            session.execute(update(model), list(part))
        return
    table, name = model.__table__, model.__tablename__
    names = list(rows[0])
    dialect = session.get_bind().dialect
    types = [table.c[n].type.compile(dialect=dialect) for n in names]
    arrays = ", ".join(f"CAST(:p{i} AS {t}[])" for i, t in enumerate(types))
    assignments = ", ".join(f"{n} = v.{n}" for n in names if n != "id")
    statement = text(f"UPDATE {name} SET {assignments} FROM unnest({arrays}) AS v({', '.join(names)}) "
                     f"WHERE {name}.id = v.id")  # fmt: skip
    for part in chunks(rows, CHUNK * 10):
        session.execute(statement, {f"p{i}": [r[n] for r in part] for i, n in enumerate(names)})
