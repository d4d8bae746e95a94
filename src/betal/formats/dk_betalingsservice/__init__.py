"""Betalingsservice (Nets / Mastercard Payment Services) delivery files: fixed-width, 128-character records.

Spec: shared/standards/danish-payments.md §3 (Betalingsservice): deliveries 0601 (collections sent to
Betalingsservice), 0602 (payment information) and 0603 (mandate information); record framing §3.2, sections
and transaction codes §3.3, field positions §3.4, test vectors §3.5. Background: the Nets partner page
nets.eu/dk-da/partner/teknik/Pages/Betalingsservice.aspx and the 0602/0603 guides of January 2012.

``parse(data, strict=True)`` reads a delivery and checks its totals; ``strict=False`` turns known quirks
(records whose trailing blanks were cut off, fillers that are neither blank nor zero, record types this
module does not model such as BS022 / BS052, totals that do not match) into ``Delivery.problems``.
``render(delivery)`` writes it back byte for byte; encoding and line ending are explicit parameters.
This package is pure: it imports nothing from betal outside itself.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from betal.formats.dk_betalingsservice.delivery import (
    COLLECTIONS,
    MANDATE_INFORMATION,
    PAYMENT_INFORMATION,
    SUBSYSTEM,
    Delivery,
    Section,
    delivery,
    section,
)
from betal.formats.dk_betalingsservice.fields import RECORD_LENGTH, Problem, RecordError
from betal.formats.dk_betalingsservice.records import (
    Collection,
    CollectionSectionStart,
    DeliveryEnd,
    DeliveryStart,
    Detail,
    MandateInfo,
    PaymentInfo,
    Record,
    SectionEnd,
    SectionStart,
    SlipPayment,
    record_class,
)
from betal.formats.dk_betalingsservice.validate import validate

R = TypeVar("R", bound=Record)
ENCODING = "iso-8859-1"
LINE_ENDING = "\r\n"


class InvalidDelivery(ValueError):
    """A delivery whose records parse but do not add up; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _lines(data: bytes, encoding: str, strict: bool, problems: list[Problem]) -> list[tuple[int, str]]:
    lines = []
    for lineno, raw in enumerate(data.decode(encoding).splitlines(), start=1):
        line = raw
        if not strict and len(line) > RECORD_LENGTH and not line[RECORD_LENGTH:].strip():
            line = line[:RECORD_LENGTH]
            problems.append(Problem(lineno, line[:5], "record", "", "trailing blanks after 128 characters"))
        elif not strict and line.strip() and len(line) < RECORD_LENGTH:
            problems.append(Problem(lineno, line[:5], "record", "", f"only {len(line)} characters, padded"))
            line = line.ljust(RECORD_LENGTH)
        if line.strip():
            lines.append((lineno, line))
    return lines


def _records(lines: list[tuple[int, str]], strict: bool, problems: list[Problem]) -> list[tuple[int, Record]]:
    out: list[tuple[int, Record]] = []
    for lineno, line in lines:
        try:
            cls = record_class(line, lineno)
        except RecordError as exc:
            if strict:
                raise
            problems.append(exc.problem)  # e.g. BS022 / BS052, which this module does not model: skipped
            continue
        out.append((lineno, cls.parse(line, lineno, None if strict else problems)))
    return out


class _Reader:
    """Walks the parsed records in order: start, (section start, details, section end)*, end."""

    def __init__(self, records: list[tuple[int, Record]]) -> None:
        self.records = records
        self.i = 0

    def peek(self) -> Record | None:
        return self.records[self.i][1] if self.i < len(self.records) else None

    def take(self, kind: type[R]) -> R:
        if self.i >= len(self.records):
            last = self.records[-1][0] if self.records else 0
            raise RecordError(
                Problem(last + 1, "", "record_type", "", f"expected {kind.RECORD}: the file ends")
            )
        lineno, record = self.records[self.i]
        if not isinstance(record, kind):
            raise RecordError(
                Problem(lineno, record.RECORD, "record_type", record.RECORD, f"expected {kind.RECORD}")
            )
        self.i += 1
        return record

    def section(self) -> Section:
        start: SectionStart | CollectionSectionStart
        if isinstance(self.peek(), CollectionSectionStart):
            start = self.take(CollectionSectionStart)
        else:
            start = self.take(SectionStart)
        details: list[Detail] = []
        while isinstance(record := self.peek(), Detail):
            details.append(record)
            self.i += 1
        return Section(start, tuple(details), self.take(SectionEnd))


def _assemble(records: list[tuple[int, Record]]) -> Delivery:
    reader = _Reader(records)
    start = reader.take(DeliveryStart)
    sections = []
    while isinstance(reader.peek(), SectionStart | CollectionSectionStart):
        sections.append(reader.section())
    end = reader.take(DeliveryEnd)
    if reader.peek() is not None:
        lineno, extra = records[reader.i]
        raise RecordError(
            Problem(lineno, extra.RECORD, "record_type", extra.RECORD, "after the delivery end")
        )
    return Delivery(start, tuple(sections), end, lines=tuple(lineno for lineno, _ in records))


def parse(data: bytes, *, strict: bool = True, encoding: str = ENCODING) -> Delivery:
    """The delivery in ``data``: ``RecordError`` for a record that cannot be read (line, type, field,
    raw value), ``InvalidDelivery`` when strict and the totals or codes do not add up."""
    problems: list[Problem] = []
    parsed = _assemble(_records(_lines(data, encoding, strict, problems), strict, problems))
    problems += validate(parsed)
    if strict and problems:
        raise InvalidDelivery(problems)
    return replace(parsed, problems=tuple(problems))


def render(delivery: Delivery, *, encoding: str = ENCODING, line_ending: str = LINE_ENDING) -> bytes:
    """The delivery as a file: every record 128 characters, each followed by ``line_ending``."""
    records: list[Record] = [delivery.start]
    for s in delivery.sections:
        records += [s.start, *s.records, s.end]
    records.append(delivery.end)
    return "".join(r.render() + line_ending for r in records).encode(encoding)


__all__ = [
    "COLLECTIONS",
    "ENCODING",
    "MANDATE_INFORMATION",
    "PAYMENT_INFORMATION",
    "SUBSYSTEM",
    "Collection",
    "CollectionSectionStart",
    "Delivery",
    "DeliveryEnd",
    "DeliveryStart",
    "Detail",
    "InvalidDelivery",
    "MandateInfo",
    "PaymentInfo",
    "Problem",
    "RecordError",
    "Section",
    "SectionEnd",
    "SectionStart",
    "SlipPayment",
    "delivery",
    "parse",
    "render",
    "section",
    "validate",
]
