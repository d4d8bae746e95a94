"""Checks of a whole Betalingsservice delivery, returned as a list of problems (one run reports all).

Spec: shared/standards/danish-payments.md §3.3 (which sections and transaction codes belong to which
delivery) and §3.4 ("parsers should check that these totals match the records they read"): BS092 and
BS992 counts and amounts, the PBS number of every record against its section, sign codes against
amounts. Line numbers are those of the parsed file, or the records' places when rendered.
"""

from __future__ import annotations

from betal.formats.dk_betalingsservice.delivery import (
    COLLECTIONS,
    MANDATE_INFORMATION,
    PAYMENT_INFORMATION,
    SUBSYSTEM,
    Delivery,
    Section,
    net_amount,
)
from betal.formats.dk_betalingsservice.fields import Problem
from betal.formats.dk_betalingsservice.records import (
    Collection,
    CollectionSectionStart,
    Detail,
    MandateInfo,
    PaymentInfo,
    SlipPayment,
)

# delivery type -> section -> (record class, transaction codes allowed in it)
SECTIONS: dict[str, dict[str, tuple[type[Detail], frozenset[str]]]] = {
    COLLECTIONS: {
        "0112": (Collection, frozenset({"0280", "0285"})),
        "0117": (Collection, frozenset({"0280", "0285"})),
    },
    PAYMENT_INFORMATION: {
        "0211": (PaymentInfo, frozenset({"0236", "0237", "0238", "0239"})),
        "0215": (SlipPayment, frozenset({"0297", "0299"})),
    },
    MANDATE_INFORMATION: {
        "0210": (MandateInfo, frozenset({"0230"})),
        "0212": (MandateInfo, frozenset({"0231", "0232", "0233", "0234"})),
    },
}


def validate(delivery: Delivery) -> list[Problem]:
    """Every problem found in ``delivery``; an empty list means it is consistent."""
    problems = _delivery_frame(delivery)
    ordinal = 2
    for section in delivery.sections:
        problems += _section(delivery, section, ordinal)
        ordinal += len(section.records) + 2
    return problems


def _delivery_frame(d: Delivery) -> list[Problem]:
    start, end = d.start, d.end
    last = d.line(2 + sum(len(s.records) + 2 for s in d.sections))
    records = sum(len(s.records) for s in d.sections)
    net = sum(net_amount(s.records) for s in d.sections)
    first = d.line(1)
    checks = [
        (first, "BS002", "subsystem", start.subsystem, start.subsystem == SUBSYSTEM, f"must be {SUBSYSTEM}"),
        (first, "BS002", "delivery_type", start.delivery_type, start.delivery_type in SECTIONS, "is unknown"),
        (last, "BS992", "data_supplier", end.data_supplier, end.data_supplier == start.data_supplier,
         f"differs from the start record's {start.data_supplier}"),
        (last, "BS992", "subsystem", end.subsystem, end.subsystem == start.subsystem, "differs"),
        (last, "BS992", "delivery_type", end.delivery_type, end.delivery_type == start.delivery_type,
         f"differs from the start record's {start.delivery_type}"),
        (last, "BS992", "section_count", str(end.section_count), end.section_count == len(d.sections),
         f"says {end.section_count} sections, the delivery has {len(d.sections)}"),
        (last, "BS992", "count_042", str(end.count_042), end.count_042 == records,
         f"says {end.count_042} BS042 records, the delivery has {records}"),
        (last, "BS992", "amount", str(end.amount), end.amount == net,
         f"does not match the net amount of the BS042 records ({net})"),
    ]  # fmt: skip
    return [Problem(n, rec, name, value, msg) for n, rec, name, value, ok, msg in checks if not ok]


def _section(d: Delivery, section: Section, ordinal: int) -> list[Problem]:
    delivery_type, lineno = d.start.delivery_type, d.line(ordinal)
    start, end = section.start, section.end
    allowed = SECTIONS.get(delivery_type, {})
    problems = []
    if start.section not in allowed:
        problems.append(
            Problem(lineno, "BS012", "section", start.section, f"is not a {delivery_type} section")
        )
    if isinstance(start, CollectionSectionStart) != (delivery_type == COLLECTIONS):
        problems.append(
            Problem(lineno, "BS012", "section", start.section, "has the layout of another delivery")
        )
    kind, codes = allowed.get(start.section, (None, frozenset()))
    for offset, record in enumerate(section.records, start=1):
        problems += _detail(record, d.line(ordinal + offset), start.pbs_number, kind, codes)
    last = d.line(ordinal + len(section.records) + 1)
    checks = [
        ("pbs_number", end.pbs_number, end.pbs_number == start.pbs_number, "differs from the section start"),
        ("section", end.section, end.section == start.section, "differs from the section start"),
        ("count_042", str(end.count_042), end.count_042 == len(section.records),
         f"says {end.count_042} records, the section has {len(section.records)}"),
        ("amount", str(end.amount), end.amount == net_amount(section.records),
         "does not match the net amount of the section's records"),
    ]  # fmt: skip
    return problems + [Problem(last, "BS092", name, value, msg) for name, value, ok, msg in checks if not ok]


def _detail(
    record: Detail, lineno: int, pbs_number: str, kind: type[Detail] | None, codes: frozenset[str]
) -> list[Problem]:
    problems = []
    code = record.transaction_code
    if kind is not None and (not isinstance(record, kind) or code not in codes):
        problems.append(Problem(lineno, "BS042", "transaction_code", code, "does not belong in this section"))
    if record.pbs_number != pbs_number:
        problems.append(
            Problem(lineno, "BS042", "pbs_number", record.pbs_number, "differs from the section's")
        )
    if not isinstance(record, MandateInfo):
        problems += _sign(record, lineno)
    if isinstance(record, Collection) and record.due_date is None:
        problems.append(Problem(lineno, "BS042", "due_date", "00000000", "a collection needs a due date"))
    return problems


def _sign(record: Collection | PaymentInfo | SlipPayment, lineno: int) -> list[Problem]:
    if record.sign not in (0, 1, 2):
        return [Problem(lineno, "BS042", "sign", str(record.sign), "must be 0, 1 or 2")]
    if (record.sign == 0) != (record.amount == 0):
        return [Problem(lineno, "BS042", "sign", str(record.sign), "0 exactly when the amount is zero")]
    return []
