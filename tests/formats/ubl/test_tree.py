"""Tests for betal.formats.ubl.tree: typed values from UBL elements, problems instead of exceptions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from betal.formats.ubl.model import Amount
from betal.formats.ubl.tree import Doc, find, find_all, line_of, text
from tests.formats.ubl.fragments import element


def amount_in(doc: Doc, xml: str, *, required: bool = True) -> Amount:
    return doc.amount(element(xml), "cbc:PayableAmount", "PayableAmount", required=required)


class TestText:
    def test_stripped_text_or_none(self) -> None:
        root = element("<cbc:ID> 17 </cbc:ID><cbc:Note>  </cbc:Note><cbc:UUID/>")
        assert text(root, "cbc:ID") == "17"
        assert text(root, "cbc:Note") is None
        assert text(root, "cbc:UUID") is None
        assert text(root, "cbc:Missing") is None
        assert text(None) is None
        assert text(find(root, "cbc:ID")) == "17"

    def test_find_all_and_line_of(self) -> None:
        root = element("<cbc:Note>a</cbc:Note>\n<cbc:Note>b</cbc:Note>")
        notes = find_all(root, "cbc:Note")
        assert [text(n) for n in notes] == ["a", "b"]
        assert [line_of(n) for n in notes] == [1, 2]
        assert line_of(None) is None


class TestRequired:
    def test_missing_is_a_problem_at_the_parent(self) -> None:
        doc = Doc("DKK")
        assert doc.required(element("<cbc:ID>F-1</cbc:ID>"), "cbc:ID", "ID") == "F-1"
        assert doc.required(element(""), "cbc:IssueDate", "IssueDate") == ""
        assert [(p.line, p.code, p.reason) for p in doc.problems] == [(1, "missing", "IssueDate is missing")]


class TestAmount:
    @pytest.mark.parametrize(
        ("raw", "minor"),
        [("2500.00", 250000), ("2500", 250000), ("-1.5", -150), ("+0.01", 1), ("100.500", 10050), ("0", 0)],
    )
    def test_minor_units(self, raw: str, minor: int) -> None:
        doc = Doc("DKK")
        assert amount_in(doc, f'<cbc:PayableAmount currencyID="DKK">{raw}</cbc:PayableAmount>') == Amount(
            minor, 2
        )
        assert doc.problems == []

    def test_the_currency_exponent_is_used(self) -> None:
        doc = Doc("JPY", 0)
        assert amount_in(doc, '<cbc:PayableAmount currencyID="JPY">1500</cbc:PayableAmount>') == Amount(
            1500, 0
        )
        assert amount_in(doc, '<cbc:PayableAmount currencyID="JPY">1500.5</cbc:PayableAmount>') == Amount(
            0, 0
        )
        assert (
            doc.problems[0].reason
            == "PayableAmount 1500.5 has more than 0 decimals, which JPY does not allow"
        )

    @pytest.mark.parametrize(
        ("raw", "reason"),
        [
            ("1,50", "PayableAmount '1,50' is not an amount"),
            ("1e3", "PayableAmount '1e3' is not an amount"),
            ("NaN", "PayableAmount 'NaN' is not an amount"),
            ("12.345", "PayableAmount 12.345 has more than 2 decimals, which DKK does not allow"),
        ],
    )
    def test_bad_amounts_are_problems_and_counted(self, raw: str, reason: str) -> None:
        doc = Doc("DKK")
        assert amount_in(doc, f"<cbc:PayableAmount>{raw}</cbc:PayableAmount>") == Amount(0)
        assert [(p.code, p.reason) for p in doc.problems] == [("invalid_amount", reason)]
        assert doc.bad_amounts == 1

    def test_another_currency_is_a_problem(self) -> None:
        doc = Doc("DKK")
        assert amount_in(doc, '<cbc:PayableAmount currencyID=" EUR ">10.00</cbc:PayableAmount>') == Amount(
            1000
        )
        assert [(p.code, p.reason) for p in doc.problems] == [
            ("currency_mismatch", "PayableAmount is in EUR, but the document currency is DKK")
        ]
        assert doc.bad_amounts == 1

    def test_missing_is_zero_and_a_problem_only_when_required(self) -> None:
        doc = Doc("DKK")
        assert amount_in(doc, "", required=False) == Amount(0)
        assert doc.problems == []
        assert amount_in(doc, "<cbc:PayableAmount> </cbc:PayableAmount>") == Amount(0)
        assert [(p.code, p.reason) for p in doc.problems] == [("missing", "PayableAmount is missing")]
        assert doc.bad_amounts == 1


class TestDecimal:
    def test_decimal_or_none(self) -> None:
        doc = Doc("DKK")
        root = element("<cbc:Percent>12.5</cbc:Percent><cbc:Quantity>-3</cbc:Quantity><cbc:Bad>25%</cbc:Bad>")
        assert doc.decimal(root, "cbc:Percent", "Percent") == Decimal("12.5")
        assert doc.decimal(root, "cbc:Quantity", "Quantity") == Decimal("-3")
        assert doc.decimal(root, "cbc:Missing", "Missing") is None
        assert doc.decimal(root, "cbc:Bad", "Percent") is None
        assert [(p.code, p.reason) for p in doc.problems] == [
            ("invalid_number", "Percent '25%' is not a decimal number")
        ]
        assert doc.bad_amounts == 0


class TestDate:
    @pytest.mark.parametrize("raw", ["2026-03-02", "2026-03-02Z", "2026-03-02+01:00", " 2026-03-02 "])
    def test_xsd_dates(self, raw: str) -> None:
        doc = Doc("DKK")
        assert doc.date(
            element(f"<cbc:IssueDate>{raw}</cbc:IssueDate>"), "cbc:IssueDate", "IssueDate"
        ) == date(2026, 3, 2)
        assert doc.problems == []

    @pytest.mark.parametrize("raw", ["02-03-2026", "2026-02-30", "2026-3-2", "20260302"])
    def test_bad_dates_are_problems(self, raw: str) -> None:
        doc = Doc("DKK")
        assert doc.date(element(f"<cbc:DueDate>{raw}</cbc:DueDate>"), "cbc:DueDate", "DueDate") is None
        assert [(p.code, p.reason) for p in doc.problems] == [
            ("invalid_date", f"DueDate {raw.strip()!r} is not a date (YYYY-MM-DD)")
        ]

    def test_absent_is_none_without_a_problem(self) -> None:
        doc = Doc("DKK")
        assert doc.date(element(""), "cbc:DueDate", "DueDate") is None
        assert doc.problems == []
