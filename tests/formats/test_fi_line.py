"""Tests for betal.formats.fi_line over the vectors in data/fi_lines.json, plus Hypothesis round trips."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from betal.formats.fi_line import (
    CARD_TYPES,
    CREDITOR_CARD_TYPES,
    FiLineError,
    FiPaymentLine,
    make_payment_id,
    parse,
    render,
)

VECTORS: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "fi_lines.json").read_text("utf-8"))


def rows(group: str) -> list[Any]:
    return [pytest.param(row, id=row.get("note") or row.get("reason")) for row in VECTORS[group]]


@st.composite
def lines(draw: st.DrawFn) -> FiPaymentLine:
    """Any valid line: ids made with make_payment_id (or random 16 digits for kortart 15)."""
    card_type = draw(st.sampled_from(sorted(CARD_TYPES)))
    payment_id: str | None = None
    if card_type == "15":
        payment_id = draw(st.text("0123456789", min_size=16, max_size=16))
    elif card_type in ("71", "75", "04"):
        width = 14 if card_type == "71" else 15
        payment_id = make_payment_id(card_type, draw(st.integers(min_value=0, max_value=10**width - 1)))
    sizes = (8, 8) if card_type in CREDITOR_CARD_TYPES else (7, 8)
    account = draw(st.text("0123456789", min_size=sizes[0], max_size=sizes[1]))
    return FiPaymentLine(card_type, payment_id, account)


class TestParse:
    @pytest.mark.parametrize("row", rows("valid"))
    def test_valid(self, row: dict[str, Any]) -> None:
        line = parse(row["text"])
        assert line == FiPaymentLine(row["card_type"], row["payment_id"], row["account"])

    def test_real_invoice_line(self) -> None:
        line = parse("+71< 000000067097535+85799665<")
        assert (line.card_type, line.payment_id, line.account) == ("71", "000000067097535", "85799665")
        assert luhn.is_valid(str(line.payment_id))

    @pytest.mark.parametrize("row", rows("invalid"))
    def test_invalid(self, row: dict[str, str]) -> None:
        with pytest.raises(FiLineError) as caught:
            parse(row["text"])
        assert caught.value.field == row["field"]
        assert isinstance(caught.value, ValueError)
        assert caught.value.message == str(caught.value)

    def test_error_keeps_the_raw_text(self) -> None:
        with pytest.raises(FiLineError) as caught:
            parse("  hello  ")
        assert caught.value.value == "  hello  "

    @given(st.text(alphabet="+<>0123456789 #\t\nA", max_size=40) | st.text(max_size=40))
    def test_never_fails_with_anything_but_fi_line_error(self, text: str) -> None:
        try:
            line = parse(text)
        except FiLineError:
            return
        assert parse(render(line)) == line


class TestRender:
    @pytest.mark.parametrize("row", rows("valid"))
    def test_canonical_form(self, row: dict[str, Any]) -> None:
        assert render(parse(row["text"])) == row["canonical"]

    @pytest.mark.parametrize("row", rows("valid"))
    def test_canonical_form_round_trips_byte_for_byte(self, row: dict[str, Any]) -> None:
        assert render(parse(row["canonical"])) == row["canonical"]

    @given(lines())
    def test_round_trip(self, line: FiPaymentLine) -> None:
        text = render(line)
        assert parse(text) == line
        assert render(parse(text)) == text


class TestMakePaymentId:
    @pytest.mark.parametrize("row", rows("payment_ids"))
    def test_vectors(self, row: dict[str, Any]) -> None:
        assert make_payment_id(row["card_type"], row["payload"]) == row["payment_id"]

    @pytest.mark.parametrize("row", rows("bad_payloads"))
    def test_refuses(self, row: dict[str, Any]) -> None:
        with pytest.raises(FiLineError) as caught:
            make_payment_id(row["card_type"], row["payload"])
        assert caught.value.field == row["field"]

    @given(st.sampled_from(["71", "75", "04"]), st.integers(min_value=0, max_value=10**14 - 1))
    def test_ids_pass_luhn_and_parse(self, card_type: str, payload: int) -> None:
        payment_id = make_payment_id(card_type, payload)
        assert luhn.is_valid(payment_id)
        assert int(payment_id[:-1]) == payload
        assert parse(f"+{card_type}<{payment_id}+85799665<").payment_id == payment_id

    @given(st.integers(min_value=0, max_value=10**14 - 1))
    def test_zero_padding_does_not_change_the_check_digit(self, payload: int) -> None:
        assert make_payment_id("71", payload)[-1] == make_payment_id("75", payload)[-1]


class TestFiPaymentLine:
    def test_is_immutable(self) -> None:
        line = FiPaymentLine("73", None, "85799665")
        with pytest.raises(dataclasses.FrozenInstanceError):
            line.account = "85799666"  # type: ignore[misc]

    @pytest.mark.parametrize(
        ("card_type", "payment_id", "account", "field"),
        [
            (71, "000000067097535", "85799665", "card_type"),
            ("7", None, "85799665", "card_type"),
            ("73", "", "85799665", "payment_id"),
            ("71", None, "85799665", "payment_id"),
            ("71", "00000006709753５", "85799665", "payment_id"),
            ("71", "000000067097535", "８５７９９６６５", "account"),
            ("01", None, "123456", "account"),
        ],
    )
    def test_validates_on_construction(
        self, card_type: Any, payment_id: Any, account: str, field: str
    ) -> None:
        with pytest.raises(FiLineError) as caught:
            FiPaymentLine(card_type, payment_id, account)
        assert caught.value.field == field

    def test_kortart_15_id_is_not_check_digit_tested(self) -> None:
        assert FiPaymentLine("15", "1234567890123450", "1234567").payment_id == "1234567890123450"
        assert FiPaymentLine("15", "1234567890123451", "1234567").payment_id == "1234567890123451"
