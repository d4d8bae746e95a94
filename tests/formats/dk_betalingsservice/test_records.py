"""Records: the §3.5 vectors decode field by field, every record renders 128 characters and round-trips."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.formats import dk_betalingsservice as bs
from betal.formats.dk_betalingsservice.records import Record, record_class, signed
from tests.formats.dk_betalingsservice.strategies import ALL_RECORDS, records

VECTORS: list[dict[str, Any]] = json.loads((Path(__file__).parent / "data" / "vectors.json").read_text())[
    "vectors"
]


def _expected(fields: dict[str, Any]) -> dict[str, Any]:
    def convert(name: str, value: Any) -> Any:
        return date.fromisoformat(value) if isinstance(value, str) and name.endswith("date") else value

    return {name: convert(name, value) for name, value in fields.items()}


class TestVectors:
    @pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
    def test_decodes_as_the_spec_says(self, vector: dict[str, Any]) -> None:
        line = vector["line"].ljust(128) if vector["truncated"] else vector["line"]
        record = record_class(line, 1).parse(line, 1)
        assert type(record).__name__ == vector["record"]
        assert {name: getattr(record, name) for name in vector["fields"]} == _expected(vector["fields"])
        assert record.render() == line

    @pytest.mark.parametrize("vector", [v for v in VECTORS if v["truncated"]], ids=lambda v: v["name"])
    def test_a_truncated_vector_is_refused_as_it_stands(self, vector: dict[str, Any]) -> None:
        with pytest.raises(bs.RecordError, match="has 61 characters, not 128") as caught:
            bs.MandateInfo.parse(vector["line"], 7)
        assert (caught.value.problem.lineno, caught.value.problem.field) == (7, "record")


class TestRecordClass:
    @pytest.mark.parametrize(
        ("prefix", "cls"),
        [
            ("BS002", bs.DeliveryStart),
            ("BS012123456780211", bs.SectionStart),
            ("BS012123456780112", bs.CollectionSectionStart),
            ("BS012123456780117", bs.CollectionSectionStart),
            ("BS042123456780280", bs.Collection),
            ("BS042123456780285", bs.Collection),
            ("BS042123456780237", bs.PaymentInfo),
            ("BS042123456780299", bs.SlipPayment),
            ("BS042123456780234", bs.MandateInfo),
            ("BS092", bs.SectionEnd),
            ("BS992", bs.DeliveryEnd),
        ],
    )
    def test_dispatch(self, prefix: str, cls: type[Record]) -> None:
        assert record_class(prefix.ljust(128), 1) is cls

    def test_unknown_record_type(self) -> None:
        with pytest.raises(bs.RecordError, match="line 4 \\(BS052, record_type='BS052'\\): is not supported"):
            record_class("BS052".ljust(128), 4)

    def test_unknown_transaction_code(self) -> None:
        with pytest.raises(bs.RecordError) as caught:
            record_class("BS042123456780281".ljust(128), 2)
        assert (caught.value.problem.field, caught.value.problem.value) == ("transaction_code", "0281")


class TestParse:
    def test_wrong_record_type_for_the_class(self) -> None:
        with pytest.raises(bs.RecordError, match="is not BS992"):
            bs.DeliveryEnd.parse("BS002".ljust(128), 1)

    def test_filler_garbage_is_an_error_or_a_problem(self) -> None:
        line = bs.MandateInfo.parse(VECTORS[1]["line"].ljust(128), 1).render()
        dirty = line[:100] + "X" + line[101:]
        with pytest.raises(bs.RecordError, match="filler 62-128"):
            bs.MandateInfo.parse(dirty, 5)
        problems: list[bs.Problem] = []
        assert bs.MandateInfo.parse(dirty, 5, problems).mandate_no == "856862184"
        assert [(p.lineno, p.field, p.value.strip()) for p in problems] == [(5, "filler 62-128", "X")]

    def test_zero_fillers_are_accepted_as_blanks(self) -> None:
        line = VECTORS[0]["line"]
        blank = line[:17] + "   " + line[20:]
        assert bs.PaymentInfo.parse(blank, 1) == bs.PaymentInfo.parse(line, 1)


class TestRender:
    def test_zero_fillers(self) -> None:
        collection = bs.Collection(
            "12345678", "0280", 1, "00001", "42", "0", date(2026, 4, 1), 1, 12500, "pay_01"
        )
        line = collection.render()
        assert line[103:105] == "00"
        assert line[105:] == " " * 23
        assert line[27:42] == "000000000000042"

    def test_a_value_that_does_not_fit_names_the_field(self) -> None:
        start = bs.DeliveryStart("123456789", "BS1", "0601", "1", date(2026, 1, 1))
        with pytest.raises(bs.RecordError, match="data_supplier='123456789'"):
            start.render()

    def test_signed(self) -> None:
        assert (signed(1, 500), signed(2, 500), signed(0, 0)) == (500, -500, 0)


class TestRoundTrip:
    @pytest.mark.parametrize("cls", ALL_RECORDS, ids=lambda c: c.__name__)
    @given(data=st.data())
    def test_parse_render(self, cls: type[Record], data: st.DataObject) -> None:
        record = data.draw(records(cls))
        line = record.render()
        assert len(line) == 128
        assert line[:5] == cls.RECORD
        assert cls.parse(line, 1) == record
