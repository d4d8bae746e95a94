"""Generic conversion from a model row to a frozen domain dataclass with the same field names."""

from __future__ import annotations

import dataclasses
import enum
import functools
import typing
from typing import Any, TypeVar, cast

T = TypeVar("T")


@functools.cache
def _converters(cls: type[Any]) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        out.append((f.name, hint if isinstance(hint, type) and issubclass(hint, enum.Enum) else None))
    return tuple(out)


def to_domain(cls: type[T], row: Any) -> T:
    values = {}
    for name, enum_type in _converters(cast(Any, cls)):
        value = getattr(row, name)
        values[name] = enum_type(value) if enum_type is not None and value is not None else value
    return cls(**values)


def to_columns(entity: Any) -> dict[str, Any]:
    """The dataclass as a column dict (enums as their values)."""
    return {
        f.name: (v.value if isinstance(v := getattr(entity, f.name), enum.Enum) else v)
        for f in dataclasses.fields(entity)
    }
