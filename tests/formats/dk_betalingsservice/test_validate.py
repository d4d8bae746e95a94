"""Whole-delivery checks: totals, sections per delivery type, PBS numbers and sign codes."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from betal.formats import dk_betalingsservice as bs

DATA = Path(__file__).parent / "data"
DAY = date(2026, 4, 1)


def _collections(*amounts: int) -> bs.Delivery:
    start = bs.DeliveryStart("25313763", "BS1", "0601", "0000000001", DAY)
    section = bs.CollectionSectionStart("12345678", "0112", "00001", "", DAY, "3409", "1234567", "")
    records = [
        bs.Collection("12345678", "0280", n, "00001", str(n), "0", DAY, 1, amount, f"r{n}")
        for n, amount in enumerate(amounts, start=1)
    ]
    return bs.delivery(start, [bs.section(section, records)])


def _fields(problems: list[bs.Problem]) -> list[tuple[int, str, str]]:
    return [(p.lineno, p.record, p.field) for p in problems]


class TestValidate:
    @pytest.mark.parametrize("path", sorted((DATA / "valid").glob("*.txt")), ids=lambda p: p.name)
    def test_the_valid_samples_are_consistent(self, path: Path) -> None:
        assert bs.validate(bs.parse(path.read_bytes())) == []

    def test_a_built_delivery_is_consistent(self) -> None:
        assert bs.validate(_collections(100, 200)) == []

    def test_start_record(self) -> None:
        delivery = _collections(100)
        start = dataclasses.replace(delivery.start, subsystem="BS2", delivery_type="0609")
        problems = bs.validate(dataclasses.replace(delivery, start=start))
        assert _fields(problems)[:2] == [(1, "BS002", "subsystem"), (1, "BS002", "delivery_type")]

    def test_end_record_must_match_start_and_totals(self) -> None:
        delivery = _collections(100, 200)
        end = dataclasses.replace(
            delivery.end, data_supplier="99999999", subsystem="BS2", delivery_type="0602",
            section_count=2, count_042=3, amount=301,
        )  # fmt: skip
        problems = bs.validate(dataclasses.replace(delivery, end=end))
        assert {f for _, r, f in _fields(problems) if r == "BS992"} == {
            "data_supplier", "subsystem", "delivery_type", "section_count", "count_042", "amount",
        }  # fmt: skip
        assert {p.lineno for p in problems if p.record == "BS992"} == {6}

    def test_section_end_must_match_its_start_and_records(self) -> None:
        delivery = _collections(100)
        section = delivery.sections[0]
        end = dataclasses.replace(section.end, pbs_number="87654321", section="0117", count_042=2, amount=99)
        broken = dataclasses.replace(delivery, sections=(dataclasses.replace(section, end=end),))
        problems = [p for p in bs.validate(broken) if p.record == "BS092"]
        assert {(p.lineno, p.field) for p in problems} == {
            (4, "pbs_number"), (4, "section"), (4, "count_042"), (4, "amount"),
        }  # fmt: skip

    def test_detail_records(self) -> None:
        delivery = _collections(100, 200, 300)
        section = delivery.sections[0]
        first, second, _ = section.records
        records = (
            dataclasses.replace(first, pbs_number="87654321"),
            dataclasses.replace(second, due_date=None, sign=3),
            bs.PaymentInfo("12345678", "0236", "00001", "1", "1", DAY, 1, 300, "r3", None, None, 0),
        )
        broken = dataclasses.replace(delivery, sections=(dataclasses.replace(section, records=records),))
        problems = [p for p in bs.validate(broken) if p.record == "BS042"]
        assert _fields(problems) == [
            (3, "BS042", "pbs_number"),
            (4, "BS042", "sign"),
            (4, "BS042", "due_date"),
            (5, "BS042", "transaction_code"),
        ]

    def test_sign_and_amount_agree(self) -> None:
        delivery = _collections(100)
        section = delivery.sections[0]
        zero = dataclasses.replace(section.records[0], amount=0)
        broken = dataclasses.replace(delivery, sections=(bs.section(section.start, [zero]),))
        broken = bs.delivery(broken.start, broken.sections)
        assert _fields(bs.validate(broken)) == [(3, "BS042", "sign")]

    def test_a_section_with_the_wrong_layout(self) -> None:
        start = bs.DeliveryStart("25313763", "BS1", "0602", "0000000001", DAY)
        section = bs.section(
            bs.CollectionSectionStart("12345678", "0211", "00001", "", DAY, "0", "0", ""), []
        )
        problems = bs.validate(bs.delivery(start, [section]))
        assert [(p.field, p.message) for p in problems] == [("section", "has the layout of another delivery")]

    def test_an_unknown_delivery_type_allows_no_section(self) -> None:
        start = bs.DeliveryStart("25313763", "BS1", "0609", "0000000001", DAY)
        section = bs.section(bs.SectionStart("12345678", "0211", "00001", "", DAY), [])
        fields = _fields(bs.validate(bs.delivery(start, [section])))
        assert (1, "BS002", "delivery_type") in fields
        assert (2, "BS012", "section") in fields
