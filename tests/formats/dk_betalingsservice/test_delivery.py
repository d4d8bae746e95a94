"""The delivery model and its builders: section and delivery ends computed from the records."""

from __future__ import annotations

from datetime import date

from betal.formats import dk_betalingsservice as bs
from betal.formats.dk_betalingsservice.delivery import net_amount

DAY = date(2026, 4, 1)


def _collection(number: int, amount: int, sign: int = 1) -> bs.Collection:
    return bs.Collection(
        "12345678", "0280", number, "00001", str(number), "0", DAY, sign, amount, f"ref-{number}"
    )


def _start(section: str = "0112") -> bs.CollectionSectionStart:
    return bs.CollectionSectionStart("12345678", section, "00001", "", DAY, "3409", "1234567", "")


class TestBuilders:
    def test_section_end_counts_and_nets(self) -> None:
        section = bs.section(_start(), [_collection(1, 10_000), _collection(2, 2_500, sign=2)])
        end = section.end
        assert (end.pbs_number, end.section, end.debtor_group) == ("12345678", "0112", "00001")
        assert (end.count_042, end.amount, end.count_052, end.count_022) == (2, 7_500, 0, 0)

    def test_delivery_end_sums_sections(self) -> None:
        start = bs.DeliveryStart("25313763", "BS1", "0601", "0000000001", DAY)
        one = bs.section(_start("0112"), [_collection(1, 100)])
        two = bs.section(_start("0117"), [_collection(2, 200), _collection(3, 300)])
        delivery = bs.delivery(start, [one, two])
        end = delivery.end
        assert (end.data_supplier, end.subsystem, end.delivery_type) == ("25313763", "BS1", "0601")
        assert (end.section_count, end.count_042, end.amount) == (2, 3, 600)
        assert [r.reference for r in delivery.details()] == ["ref-1", "ref-2", "ref-3"]

    def test_mandate_records_carry_no_amount(self) -> None:
        mandate = bs.MandateInfo("12345678", "0231", "00001", "1", "1", DAY, None)
        assert net_amount([mandate, _collection(1, 42)]) == 42

    def test_line_numbers(self) -> None:
        start = bs.DeliveryStart("25313763", "BS1", "0601", "1", DAY)
        built = bs.delivery(start, [])
        assert (built.line(1), built.line(2)) == (1, 2)
        read = bs.parse(bs.render(built, line_ending="\n\n"))
        assert read.lines == (1, 3)
        assert read.line(2) == 3
