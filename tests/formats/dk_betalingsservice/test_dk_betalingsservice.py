"""parse / render of whole deliveries: golden sample files byte for byte, invalid files against their
``*.expected.json`` sidecars (strict and lenient), line endings, encoding, and a Hypothesis round trip."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from betal.formats import dk_betalingsservice as bs
from tests.formats.dk_betalingsservice.strategies import deliveries

DATA = Path(__file__).parent / "data"
VALID = sorted((DATA / "valid").glob("*.txt"))
INVALID = sorted((DATA / "invalid").glob("*.txt"))


def _problems(problems: Any) -> list[dict[str, Any]]:
    return [{"lineno": p.lineno, "record": p.record, "field": p.field} for p in problems]


def _outcome(data: bytes, *, strict: bool) -> dict[str, Any]:
    try:
        delivery = bs.parse(data, strict=strict)
    except bs.InvalidDelivery as exc:
        return {"error": "InvalidDelivery", "problems": _problems(exc.problems)}
    except bs.RecordError as exc:
        p = exc.problem
        return {"error": "RecordError", "lineno": p.lineno, "record": p.record, "field": p.field}
    return {"problems": _problems(delivery.problems)}


class TestGolden:
    @pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
    def test_byte_exact_round_trip(self, path: Path) -> None:
        data = path.read_bytes()
        delivery = bs.parse(data)
        assert delivery.problems == ()
        assert bs.render(delivery, line_ending="\n") == data

    def test_collection_delivery(self) -> None:
        delivery = bs.parse((DATA / "valid" / "collection-0601.txt").read_bytes())
        assert (delivery.start.data_supplier, delivery.start.delivery_type) == ("25313763", "0601")
        assert delivery.start.created == date(2026, 3, 2)
        (section,) = delivery.sections
        assert isinstance(section.start, bs.CollectionSectionStart)
        assert (section.start.reg_no, section.start.account_no, section.start.advice_text) == (
            "3409", "0001234567", "Husleje marts",
        )  # fmt: skip
        first = section.records[0]
        assert isinstance(first, bs.Collection)
        assert (first.customer_no, first.due_date, first.amount) == (
            "000000000000042",
            date(2026, 4, 1),
            1250000,
        )
        assert first.reference == "pay_01JNQ7W3K2X9V8T6R5P4M3N2B1"
        assert (delivery.end.count_042, delivery.end.amount) == (3, 1349951)

    def test_payment_information_holds_the_vector(self) -> None:
        delivery = bs.parse((DATA / "valid" / "payment-information-0602.txt").read_bytes())
        codes = [(type(r).__name__, r.transaction_code) for r in delivery.details()]
        assert codes == [
            ("PaymentInfo", "0236"),
            ("PaymentInfo", "0237"),
            ("PaymentInfo", "0238"),
            ("SlipPayment", "0297"),
        ]
        completed = next(iter(delivery.details()))
        assert isinstance(completed, bs.PaymentInfo)
        assert (completed.customer_no, completed.amount, completed.reference) == (
            "000000000012313",
            12755,
            "000000125",
        )

    def test_mandate_information(self) -> None:
        delivery = bs.parse((DATA / "valid" / "mandate-information-0603.txt").read_bytes())
        records = list(delivery.details())
        assert all(isinstance(r, bs.MandateInfo) for r in records)
        assert [(r.transaction_code, r.customer_no[-3:]) for r in records] == [
            ("0230", "073"), ("0231", "074"), ("0233", "075"),
        ]  # fmt: skip
        cancelled = records[2]
        assert isinstance(cancelled, bs.MandateInfo)
        assert cancelled.cancellation_date == date(2009, 10, 1)


class TestInvalid:
    @pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
    def test_matches_its_sidecar(self, path: Path) -> None:
        expected = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
        data = path.read_bytes()
        assert _outcome(data, strict=True) == expected["strict"]
        assert _outcome(data, strict=False) == expected["lenient"]

    def test_every_invalid_file_has_a_sidecar(self) -> None:
        assert INVALID
        assert all(p.with_suffix(".expected.json").exists() for p in INVALID)

    def test_empty_file(self) -> None:
        with pytest.raises(bs.RecordError, match=r"line 1 .*expected BS002: the file ends"):
            bs.parse(b"")

    def test_lenient_trims_blanks_after_128_characters(self) -> None:
        data = (DATA / "valid" / "collection-0601.txt").read_bytes()
        padded = data.replace(b"\n", b"   \n", 1)
        delivery = bs.parse(padded, strict=False)
        assert [(p.lineno, p.message) for p in delivery.problems] == [
            (1, "trailing blanks after 128 characters")
        ]
        assert bs.render(delivery, line_ending="\n") == data
        with pytest.raises(bs.RecordError, match="131 characters"):
            bs.parse(padded)


class TestEncodingAndLineEndings:
    def test_crlf_is_the_default_and_both_are_read(self) -> None:
        delivery = bs.parse((DATA / "valid" / "two-sections-0601.txt").read_bytes())
        crlf = bs.render(delivery)
        assert crlf.count(b"\r\n") == 9
        assert dataclasses.replace(bs.parse(crlf), lines=()) == dataclasses.replace(delivery, lines=())

    def test_text_is_iso_8859_1_unless_told(self) -> None:
        delivery = bs.parse((DATA / "valid" / "collection-0601.txt").read_bytes())
        section = delivery.sections[0]
        start = dataclasses.replace(section.start, advice_text="Kontingent for året")
        changed = dataclasses.replace(delivery, sections=(dataclasses.replace(section, start=start),))
        latin = bs.render(changed)
        assert "året".encode("iso-8859-1") in latin
        assert bs.parse(latin).sections[0].start.advice_text == "Kontingent for året"
        utf8 = bs.render(changed, encoding="utf-8")
        assert bs.parse(utf8, encoding="utf-8").sections[0].start.advice_text == "Kontingent for året"


class TestRoundTrip:
    @settings(max_examples=60)
    @given(deliveries())
    def test_render_then_parse(self, delivery: bs.Delivery) -> None:
        data = bs.render(delivery)
        parsed = bs.parse(data)
        assert dataclasses.replace(parsed, lines=()) == delivery
        assert bs.render(parsed) == data
