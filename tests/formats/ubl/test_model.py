"""Tests for betal.formats.ubl.model: currency exponents, amounts, problems and errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from betal.formats.ubl.model import (
    Amount,
    Attachment,
    Party,
    Problem,
    Totals,
    UblError,
    UblInvoice,
    exponent,
)


class TestExponent:
    @pytest.mark.parametrize(
        ("currency", "expected"),
        [("DKK", 2), ("EUR", 2), ("SEK", 2), ("JPY", 0), ("ISK", 0), ("KWD", 3), ("CLF", 4)],
    )
    def test_iso_4217_minor_units(self, currency: str, expected: int) -> None:
        assert exponent(currency) == expected


class TestAmount:
    def test_value_has_exactly_the_currency_decimals(self) -> None:
        assert str(Amount(250000).value) == "2500.00"
        assert Amount(250000).value == Decimal("2500")
        assert str(Amount(-5, 2)) == "-0.05"
        assert str(Amount(1500, 0)) == "1500"
        assert str(Amount(1, 3)) == "0.001"

    def test_equal_by_minor_units_and_exponent(self) -> None:
        assert Amount(100, 2) == Amount(100, 2)
        assert Amount(100, 2) != Amount(100, 0)


class TestProblem:
    def test_str_names_the_line_when_known(self) -> None:
        assert str(Problem(12, "missing", "ID", "ID is missing")) == "line 12: ID is missing"
        assert str(Problem(None, "missing", "ID", "ID is missing")) == "ID is missing"


class TestUblError:
    def test_one_problem(self) -> None:
        error = UblError("not XML", 3, code="malformed_xml")
        assert (error.reason, error.line) == ("not XML", 3)
        assert error.problems == [Problem(3, "malformed_xml", "document", "not XML")]
        assert str(error) == "line 3: not XML"

    def test_of_keeps_every_problem_and_leads_with_the_first(self) -> None:
        problems = [
            Problem(4, "missing", "ID", "ID is missing"),
            Problem(9, "vat_mismatch", "TaxSubtotal[1]", "VAT"),
        ]
        error = UblError.of(problems)
        assert error.problems == problems
        assert (error.reason, error.line, error.problems[0].code) == ("ID is missing", 4, "missing")
        assert str(error) == "line 4: ID is missing; line 9: VAT"


class TestUblInvoicePdf:
    def _invoice(self, attachments: tuple[Attachment, ...]) -> UblInvoice:
        zero = Amount(0)
        totals = Totals(zero, zero, zero, zero, zero, zero, zero, zero, zero)
        return UblInvoice(
            "peppol",
            "invoice",
            "1",
            date(2026, 1, 1),
            None,
            "DKK",
            Party("A"),
            Party("B"),
            (),
            (),
            totals,
            (),
            attachments=attachments,
        )

    def test_the_first_attachment_or_none(self) -> None:
        first, second = Attachment("1", "a.pdf", b"%PDF-1"), Attachment("2", None, b"%PDF-2")
        assert self._invoice((first, second)).pdf == first
        assert self._invoice(()).pdf is None

    def test_repr_leaves_out_the_pdf_bytes(self) -> None:
        assert "PDF" not in repr(Attachment("1", "a.pdf", b"%PDF-1"))
