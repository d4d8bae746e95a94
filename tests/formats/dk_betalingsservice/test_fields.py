"""The fixed-width field kinds: digits, numbers, text and the two date layouts."""

from __future__ import annotations

from datetime import date

import pytest

from betal.formats.dk_betalingsservice.fields import (
    Kind,
    Problem,
    RecordError,
    Spec,
    at,
    century,
    parse_value,
    render_value,
)


class TestParseValue:
    @pytest.mark.parametrize(
        ("raw", "kind", "expected"),
        [
            ("0042", Kind.DIGITS, "0042"),
            ("0042", Kind.NUMBER, 42),
            ("Husleje  ", Kind.TEXT, "Husleje"),
            ("  leading", Kind.TEXT, "  leading"),
            ("101203", Kind.DATE6, date(2003, 12, 10)),
            ("311299", Kind.DATE6, date(1999, 12, 31)),
            ("000000", Kind.DATE6, None),
            ("01042026", Kind.DATE8, date(2026, 4, 1)),
            ("00000000", Kind.DATE8, None),
        ],
    )
    def test_kinds(self, raw: str, kind: Kind, expected: object) -> None:
        assert parse_value(raw, Spec(1, len(raw), kind)) == expected

    @pytest.mark.parametrize(
        ("raw", "kind", "message"),
        [
            ("12a4", Kind.DIGITS, "must be 4 digits"),
            (" 123", Kind.NUMBER, "must be 4 digits"),
            ("١٢٣٤", Kind.NUMBER, "must be 4 digits"),  # Arabic-Indic digits are not ASCII digits
            ("300226", Kind.DATE6, r"not a date \(DDMMYY\)"),
            ("32012026", Kind.DATE8, r"not a date \(DDMMYYYY\)"),
        ],
    )
    def test_malformed(self, raw: str, kind: Kind, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            parse_value(raw, Spec(1, len(raw), kind))


class TestRenderValue:
    @pytest.mark.parametrize(
        ("value", "spec", "expected"),
        [
            ("42", Spec(1, 5, Kind.DIGITS), "00042"),
            (42, Spec(1, 5, Kind.NUMBER), "00042"),
            ("Hi", Spec(1, 5, Kind.TEXT), "Hi   "),
            (None, Spec(1, 6, Kind.DATE6), "000000"),
            (date(2003, 12, 10), Spec(1, 6, Kind.DATE6), "101203"),
            (date(1999, 1, 2), Spec(1, 6, Kind.DATE6), "020199"),
            (date(2026, 4, 1), Spec(1, 8, Kind.DATE8), "01042026"),
            (None, Spec(1, 8, Kind.DATE8), "00000000"),
        ],
    )
    def test_kinds(self, value: object, spec: Spec, expected: str) -> None:
        assert render_value(value, spec) == expected

    @pytest.mark.parametrize(
        ("value", "spec", "message"),
        [
            ("123456", Spec(1, 5, Kind.DIGITS), "at most 5 digits"),
            ("12a", Spec(1, 5, Kind.DIGITS), "at most 5 digits"),
            (100000, Spec(1, 5, Kind.NUMBER), "at most 5 digits"),
            (-1, Spec(1, 5, Kind.NUMBER), "at most 5 digits"),
            (True, Spec(1, 5, Kind.NUMBER), "at most 5 digits"),
            ("123456", Spec(1, 5, Kind.TEXT), "at most 5 characters"),
            ("a\nb", Spec(1, 5, Kind.TEXT), "one line"),
            (date(2070, 1, 1), Spec(1, 6, Kind.DATE6), "1970 to 2069"),
            (date(1969, 12, 31), Spec(1, 6, Kind.DATE6), "1970 to 2069"),
        ],
    )
    def test_does_not_fit(self, value: object, spec: Spec, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            render_value(value, spec)


class TestHelpers:
    def test_century_pivot(self) -> None:
        assert (century(0), century(69), century(70), century(99)) == (2000, 2069, 1970, 1999)

    def test_at_declares_positions(self) -> None:
        spec = at(6, 13, Kind.DIGITS)["spec"]
        assert (spec.start, spec.end, spec.width) == (6, 13, 8)

    def test_problem_and_error_name_the_place(self) -> None:
        problem = Problem(3, "BS042", "amount", "12x", "must be 13 digits")
        assert str(problem) == "line 3 (BS042, amount='12x'): must be 13 digits"
        assert RecordError(problem).problem is problem
        assert str(RecordError(problem)) == str(problem)
