"""Hypothesis strategies for Betalingsservice records and deliveries, built from the records' field specs."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from hypothesis import strategies as st

from betal.formats import dk_betalingsservice as bs
from betal.formats.dk_betalingsservice.fields import Kind, Spec, specs
from betal.formats.dk_betalingsservice.records import Record

# Characters a text field may hold in an ISO-8859-1 file: printable, and never a line break.
TEXT_ALPHABET = st.sampled_from([chr(c) for c in range(0x20, 0x7F)] + list("æøåÆØÅéüÉÜ§½"))


def value(spec: Spec) -> st.SearchStrategy[Any]:
    width = spec.width
    if spec.kind is Kind.DIGITS:
        return st.text("0123456789", min_size=width, max_size=width)
    if spec.kind is Kind.NUMBER:
        return st.integers(min_value=0, max_value=10**width - 1)
    if spec.kind is Kind.TEXT:
        return st.text(TEXT_ALPHABET, max_size=width).map(lambda s: s.rstrip(" "))
    if spec.kind is Kind.DATE6:
        return st.none() | st.dates(date(1970, 1, 1), date(2069, 12, 31))
    return st.none() | st.dates(date(1000, 1, 1), date(9999, 12, 31))


def records(cls: type[Record], **fixed: Any) -> st.SearchStrategy[Any]:
    """Any record of ``cls`` (field values drawn by kind), with ``fixed`` fields given."""
    fields = {name: value(spec) for name, spec in specs(cls) if name not in fixed}
    return st.builds(cls, **fields, **{k: st.just(v) for k, v in fixed.items()})


ALL_RECORDS = [
    bs.DeliveryStart, bs.SectionStart, bs.CollectionSectionStart, bs.Collection, bs.PaymentInfo,
    bs.SlipPayment, bs.MandateInfo, bs.SectionEnd, bs.DeliveryEnd,
]  # fmt: skip

# delivery type -> [(section, record class, codes)]
LAYOUT = {
    "0601": [("0112", bs.Collection, ["0280", "0285"]), ("0117", bs.Collection, ["0280", "0285"])],
    "0602": [
        ("0211", bs.PaymentInfo, ["0236", "0237", "0238", "0239"]),
        ("0215", bs.SlipPayment, ["0297", "0299"]),
    ],
    "0603": [("0210", bs.MandateInfo, ["0230"]), ("0212", bs.MandateInfo, ["0231", "0232", "0233", "0234"])],
}  # fmt: skip


@st.composite
def detail(draw: st.DrawFn, cls: type[Record], pbs_number: str, codes: list[str]) -> Any:
    record = draw(records(cls, pbs_number=pbs_number, transaction_code=draw(st.sampled_from(codes))))
    if cls is bs.MandateInfo:
        return record
    amount = draw(st.integers(min_value=0, max_value=10**11))
    changes: dict[str, Any] = {"amount": amount, "sign": 1 if amount else 0}
    if cls is bs.Collection and record.due_date is None:
        changes["due_date"] = date(2026, 4, 1)
    return dataclasses.replace(record, **changes)


@st.composite
def deliveries(draw: st.DrawFn) -> bs.Delivery:
    """Any consistent delivery: the builders compute the ends, so strict parsing accepts it."""
    delivery_type = draw(st.sampled_from(sorted(LAYOUT)))
    start = draw(records(bs.DeliveryStart, subsystem="BS1", delivery_type=delivery_type))
    sections = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        number, cls, codes = draw(st.sampled_from(LAYOUT[delivery_type]))
        start_cls = bs.CollectionSectionStart if delivery_type == "0601" else bs.SectionStart
        section_start = draw(records(start_cls, section=number))
        details = draw(st.lists(detail(cls, section_start.pbs_number, codes), max_size=4))
        sections.append(bs.section(section_start, details))
    return bs.delivery(start, sections)
