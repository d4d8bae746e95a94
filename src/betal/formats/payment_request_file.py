"""Files of payment requests for bulk creation: CSV (RFC 4180) or a JSON (RFC 8259) array.

Pure reading, no validation of values: ``parse(fmt, text)`` returns the records with their line
numbers, or raises ``FileError`` (with the line) when the file cannot be read as rows at all. The
columns and rules are described in ``betal.services.bulk``; checking each row's values is its job.

- CSV: a header row naming the columns, separated by commas or (as Danish spreadsheets export)
  semicolons, detected from the header; unknown, repeated or missing columns refuse the file.
  A record's line is the physical line where it starts (the header is line 1).
- JSON: an array of objects; a record's line is its 1-based position in the array.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MAX_ROWS = 100_000
REQUIRED = ("amount", "currency", "due_date", "description", "allowed_methods")
COLUMNS = frozenset({*REQUIRED, "customer_id", "customer_external_id", "reference", "vat_amount"})


class FileFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


class FileError(ValueError):
    """The file cannot be read as rows; ``line`` says where."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class RawRow:
    """One record as read: strings from CSV (``textual``), JSON values from JSON."""

    line: int
    values: Mapping[str, Any]
    textual: bool
    problem: str | None = None  # the record itself is unusable (wrong field count, not an object)


def parse(fmt: FileFormat, text: str) -> list[RawRow]:
    """The file's records, unchecked; ``FileError`` when it cannot be read as rows."""
    if not text.strip():
        raise FileError(1, "the file is empty")
    rows = _csv_rows(text) if fmt is FileFormat.CSV else _json_rows(text)
    if len(rows) > MAX_ROWS:
        raise FileError(rows[MAX_ROWS].line, f"the file has more than {MAX_ROWS} rows; split it")
    return rows


def _csv_header(names: list[str]) -> list[str]:
    header = [n.strip().lower() for n in names]
    problems = [f"unknown column {n!r}" for n in header if n not in COLUMNS]
    problems += [f"column {n!r} appears twice" for n in sorted(set(header)) if header.count(n) > 1]
    problems += [f"missing column {n!r}" for n in REQUIRED if n not in header]
    if "customer_id" not in header and "customer_external_id" not in header:
        problems.append("missing column 'customer_id' or 'customer_external_id'")
    if problems:
        raise FileError(1, "; ".join(problems))
    return header


def _csv_rows(text: str) -> list[RawRow]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[RawRow] = []
    start = 1
    try:
        header = _csv_header(next(reader))
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(v.strip() for v in record):
                continue  # blank line
            if len(record) != len(header):
                problem = f"has {len(record)} fields; the header has {len(header)}"
                rows.append(RawRow(line, {}, True, problem))
            else:
                rows.append(RawRow(line, dict(zip(header, record, strict=True)), True))
    except csv.Error as exc:
        raise FileError(start, f"the record cannot be read: {exc}") from None
    if not rows:
        raise FileError(2, "the file has a header but no rows")
    return rows


def _json_rows(text: str) -> list[RawRow]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileError(exc.lineno, f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise FileError(1, "invalid JSON: nested too deeply") from None
    except ValueError:  # an integer of more digits than int() converts (sys.get_int_max_str_digits)
        raise FileError(1, "invalid JSON: a number has too many digits") from None
    if not isinstance(items, list):
        raise FileError(1, "must be a JSON array of payment requests")
    if not items:
        raise FileError(1, "the array is empty")
    return [
        RawRow(n, item, False) if isinstance(item, dict) else RawRow(n, {}, False, "must be a JSON object")
        for n, item in enumerate(items, start=1)
    ]
