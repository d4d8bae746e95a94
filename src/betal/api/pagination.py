"""Cursor pagination (API.md "Lists"): ``?limit=`` (default 50, max 500) and an opaque ``?cursor=``."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from betal.domain.errors import InvalidInput

T = TypeVar("T")
R = TypeVar("R")

LimitQuery = Annotated[int, Query(ge=1, le=500, description="page size (1 to 500)")]
CursorQuery = Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page")]


class ListOf(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("is not a cursor from this API", field="cursor") from None
    if not value or not value.isprintable() or len(value) > 64:
        raise InvalidInput("is not a cursor from this API", field="cursor")
    return value


def page(
    fetch: Callable[[str | None, int], Sequence[T]],
    cursor: str | None,
    limit: int,
    render: Callable[[T], R],
    key: Callable[[T], str],
) -> tuple[list[R], str | None]:
    """Fetch ``limit + 1`` items after the cursor; the extra one tells whether a next page exists."""
    items = list(fetch(decode_cursor(cursor), limit + 1))
    more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor(key(items[-1])) if more and items else None
    return [render(i) for i in items], next_cursor
