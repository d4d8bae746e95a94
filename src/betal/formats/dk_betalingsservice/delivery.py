"""A Betalingsservice delivery (leverance): start, sections of detail records, end; and builders that
compute the section and delivery totals.

Spec: shared/standards/danish-payments.md §3.1 (deliveries 0601 collections, 0602 payment information,
0603 mandate information), §3.3 (sections and transaction codes) and §3.4 (BS092 / BS992 totals).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from betal.formats.dk_betalingsservice.fields import Problem
from betal.formats.dk_betalingsservice.records import (
    CollectionSectionStart,
    DeliveryEnd,
    DeliveryStart,
    Detail,
    MandateInfo,
    SectionEnd,
    SectionStart,
    signed,
)

COLLECTIONS, PAYMENT_INFORMATION, MANDATE_INFORMATION = "0601", "0602", "0603"
SUBSYSTEM = "BS1"


@dataclass(frozen=True)
class Section:
    start: SectionStart | CollectionSectionStart
    records: tuple[Detail, ...]
    end: SectionEnd


@dataclass(frozen=True)
class Delivery:
    start: DeliveryStart
    sections: tuple[Section, ...]
    end: DeliveryEnd
    problems: tuple[Problem, ...] = ()  # what a lenient parse tolerated (never rendered)
    lines: tuple[int, ...] = ()  # each record's line number in the parsed file, in order (else 1, 2, ...)

    def line(self, ordinal: int) -> int:
        """The line number of the ``ordinal``-th record (1-based), as read or as it would be rendered."""
        return self.lines[ordinal - 1] if len(self.lines) >= ordinal else ordinal

    def details(self) -> Iterator[Detail]:
        for section in self.sections:
            yield from section.records


def net_amount(records: Sequence[Detail]) -> int:
    """The net of the records' amounts in øre: debits count positive, credits negative."""
    return sum(0 if isinstance(r, MandateInfo) else signed(r.sign, r.amount) for r in records)


def section(start: SectionStart | CollectionSectionStart, records: Sequence[Detail]) -> Section:
    """A section with its BS092 end computed from ``records``."""
    end = SectionEnd(
        pbs_number=start.pbs_number,
        section=start.section,
        debtor_group=start.debtor_group,
        count_042=len(records),
        amount=net_amount(records),
        count_052=0,
        count_022=0,
    )
    return Section(start, tuple(records), end)


def delivery(start: DeliveryStart, sections: Sequence[Section]) -> Delivery:
    """A delivery with its BS992 end computed from ``sections``."""
    end = DeliveryEnd(
        data_supplier=start.data_supplier,
        subsystem=start.subsystem,
        delivery_type=start.delivery_type,
        section_count=len(sections),
        count_042=sum(len(s.records) for s in sections),
        amount=sum(s.end.amount for s in sections),
        count_052=0,
        count_022=0,
    )
    return Delivery(start, tuple(sections), end)
