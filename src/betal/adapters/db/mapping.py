"""Generic conversion from a model row to a frozen domain dataclass with the same field names.

Enums are stored as their values; a ``tuple[SomeEnum, ...]`` field is stored as a JSON list of values.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import typing
from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")
Convert = Callable[[Any], Any]


def _converter(hint: Any) -> Convert | None:
    args = typing.get_args(hint)
    if type(None) in args and len(args) == 2:  # ``X | None``: convert X (None stays None)
        hint = next(a for a in args if a is not type(None))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return cast(Convert, hint)
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if (
            len(args) == 2
            and args[1] is Ellipsis
            and isinstance(args[0], type)
            and issubclass(args[0], enum.Enum)
        ):
            item = args[0]
            return lambda values: tuple(item(v) for v in values)
    return None


@functools.cache
def _converters(cls: type[Any]) -> tuple[tuple[str, Convert | None], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls))


def to_domain(cls: type[T], row: Any) -> T:
    values = {}
    for name, convert in _converters(cast(Any, cls)):
        value = getattr(row, name)
        values[name] = convert(value) if convert is not None and value is not None else value
    return cls(**values)


def _column(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple) and value and all(isinstance(v, enum.Enum) for v in value):
        return [v.value for v in value]
    return value


def to_columns(entity: Any) -> dict[str, Any]:
    """The dataclass as a column dict (enums as their values, tuples of enums as lists)."""
    return {f.name: _column(getattr(entity, f.name)) for f in dataclasses.fields(entity)}
