"""Fixed-width fields of Betalingsservice records: positions, kinds, parsing and rendering.

Spec: shared/standards/danish-payments.md §3.2 (record framing: 128 characters, ``BS`` + record type in
positions 1-5, amounts in øre, dates ``DDMMYY`` in 0602/0603 and ``DDMMYYYY`` in 0601 sections).
Positions are 1-based and inclusive, as in the spec's tables. A record declares each field once, as a
dataclass field with :func:`at` as its metadata; the positions no field covers are fillers, rendered as blanks
unless the record lists them in ``ZERO_FILLERS``, and accepted as blanks or zeros when parsed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

RECORD_LENGTH = 128


class Kind(Enum):
    DIGITS = "digits"  # a code or identifier of exactly the field's width, digits only (str)
    NUMBER = "number"  # an unsigned integer, zero-padded (int)
    TEXT = "text"  # left-aligned text, blank-padded; trailing blanks are not kept (str)
    DATE6 = "date6"  # DDMMYY; 000000 means "no date" (date | None)
    DATE8 = "date8"  # DDMMYYYY; 00000000 means "no date" (date | None)


@dataclass(frozen=True)
class Spec:
    start: int
    end: int
    kind: Kind

    @property
    def width(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a delivery, with where it is: returned by validation and lenient parsing."""

    lineno: int
    record: str
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"line {self.lineno} ({self.record}, {self.field}={self.value!r}): {self.message}"


class RecordError(ValueError):
    """A record that cannot be read or written: line number, record type, field and raw value."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def at(start: int, end: int, kind: Kind) -> dict[str, Spec]:
    """A record field's metadata: positions ``start``-``end`` (1-based, inclusive) holding a ``kind``."""
    return {"spec": Spec(start, end, kind)}


def specs(cls: type[Any]) -> list[tuple[str, Spec]]:
    return [(f.name, f.metadata["spec"]) for f in dataclasses.fields(cls) if "spec" in f.metadata]


def century(yy: int) -> int:
    """Two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999."""
    return 2000 + yy if yy < 70 else 1900 + yy


def parse_value(raw: str, spec: Spec) -> Any:
    """The typed value of one field's raw text; ``ValueError`` with a reason when it is malformed."""
    kind = spec.kind
    if kind is Kind.TEXT:
        return raw.rstrip(" ")
    if not raw.isascii() or not raw.isdigit():
        raise ValueError(f"must be {spec.width} digits")
    if kind is Kind.DIGITS:
        return raw
    if kind is Kind.NUMBER:
        return int(raw)
    if set(raw) == {"0"}:
        return None
    day, month = int(raw[0:2]), int(raw[2:4])
    year = century(int(raw[4:6])) if kind is Kind.DATE6 else int(raw[4:8])
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(
            "is not a date (DDMMYY)" if kind is Kind.DATE6 else "is not a date (DDMMYYYY)"
        ) from None


def render_value(value: Any, spec: Spec) -> str:
    """The field's text, exactly ``spec.width`` characters; ``ValueError`` when the value does not fit."""
    width, kind = spec.width, spec.kind
    if kind is Kind.TEXT:
        text = str(value)
        if len(text) > width or any(c in "\r\n" for c in text):
            raise ValueError(f"must be at most {width} characters on one line")
        return text.ljust(width)
    if kind is Kind.DIGITS:
        text = str(value)
        if not text.isascii() or not text.isdigit() or len(text) > width:
            raise ValueError(f"must be at most {width} digits")
        return text.zfill(width)
    if kind is Kind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**width:
            raise ValueError(f"must be a whole number of at most {width} digits")
        return str(value).zfill(width)
    if value is None:
        return "0" * width
    if kind is Kind.DATE6:
        if not 1970 <= value.year <= 2069:
            raise ValueError("must be a date from 1970 to 2069")
        return f"{value.day:02d}{value.month:02d}{value.year % 100:02d}"
    return f"{value.day:02d}{value.month:02d}{value.year:04d}"
