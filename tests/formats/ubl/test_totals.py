"""Tests for betal.formats.ubl.totals: VAT rounding, computing a document's totals, checking a read one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.formats.ubl.model import (
    AllowanceCharge,
    Amount,
    Line,
    Party,
    PaymentMeans,
    TaxSubtotal,
    Totals,
    UblInvoice,
)
from betal.formats.ubl.totals import check, compute, vat
from tests.formats.ubl.strategies import invoices

P25 = Decimal("25")


def line(minor: int, category: str | None = "S", percent: Decimal | None = P25) -> Line:
    return Line("1", "x", Decimal(1), Amount(minor), vat_category=category, vat_percent=percent)


def invoice(lines: list[Line], acs: list[AllowanceCharge] | None = None) -> UblInvoice:
    subtotals, totals = compute(lines, acs or [])
    return UblInvoice(
        "peppol",
        "invoice",
        "1",
        date(2026, 1, 1),
        None,
        "DKK",
        Party("A"),
        Party("B"),
        tuple(lines),
        subtotals,
        totals,
        (PaymentMeans("1", "other"),),
        tuple(acs or []),
    )


class TestVat:
    @pytest.mark.parametrize(
        ("taxable", "percent", "expected"),
        [
            (445250, "25", 111313),  # 1113.125 rounds half up
            (-445250, "25", -111313),  # and away from zero when negative
            (1000, "12.5", 125),
            (199, "25", 50),  # 0.4975 -> 0.50
            (100000, "0", 0),
        ],
    )
    def test_rounded_half_up_to_the_minor_unit(self, taxable: int, percent: str, expected: int) -> None:
        assert vat(Amount(taxable), Decimal(percent)) == Amount(expected)

    def test_no_rate_no_vat(self) -> None:
        assert vat(Amount(100000, 0), None) == Amount(0, 0)


class TestCompute:
    def test_subtotals_per_category_and_rate_with_allowances_and_charges(self) -> None:
        lines = [line(100000), line(50000, "Z", Decimal(0)), line(20000)]
        acs = [
            AllowanceCharge(False, Amount(10000), "Rabat", "S", P25),
            AllowanceCharge(True, Amount(5000), None, "Z", Decimal(0)),
        ]
        subtotals, totals = compute(lines, acs, prepaid=30000, payable_rounding=-25)
        assert subtotals == (
            TaxSubtotal("S", P25, Amount(110000), Amount(27500)),
            TaxSubtotal("Z", Decimal(0), Amount(55000), Amount(0)),
        )
        assert totals == Totals(
            line_extension=Amount(170000),
            tax_exclusive=Amount(165000),
            tax=Amount(27500),
            tax_inclusive=Amount(192500),
            payable=Amount(162475),
            allowance=Amount(10000),
            charge=Amount(5000),
            prepaid=Amount(30000),
            payable_rounding=Amount(-25),
        )

    def test_the_exponent_is_the_currencys(self) -> None:
        lines = [Line("1", "x", Decimal(1), Amount(1001, 0), vat_category="S", vat_percent=P25)]
        subtotals, totals = compute(lines, exponent=0)
        assert subtotals[0].tax == Amount(250, 0)
        assert totals.payable == Amount(1251, 0)

    def test_every_line_needs_a_category(self) -> None:
        with pytest.raises(ValueError, match="VAT category"):
            compute([line(100, None, None)])


class TestCheck:
    @given(invoices("peppol", "invoice"))
    def test_computed_totals_always_add_up(self, inv: UblInvoice) -> None:
        assert check(inv, {}) == []

    @pytest.mark.parametrize(
        ("field", "change", "reason", "also"),
        [
            (
                "LegalMonetaryTotal/LineExtensionAmount",
                {"line_extension": Amount(100001)},
                "LineExtensionAmount 1000.01 does not add up: the sum of the line amounts = 1000.00",
                ["LegalMonetaryTotal/TaxExclusiveAmount"],
            ),
            (
                "LegalMonetaryTotal/AllowanceTotalAmount",
                {"allowance": Amount(1)},
                "AllowanceTotalAmount 0.01 does not add up: the sum of the document allowances = 0.00",
                ["LegalMonetaryTotal/TaxExclusiveAmount"],
            ),
            (
                "LegalMonetaryTotal/ChargeTotalAmount",
                {"charge": Amount(1)},
                "ChargeTotalAmount 0.01 does not add up: the sum of the document charges = 0.00",
                ["LegalMonetaryTotal/TaxExclusiveAmount"],
            ),
            (
                "LegalMonetaryTotal/TaxExclusiveAmount",
                {"tax_exclusive": Amount(99999)},
                "TaxExclusiveAmount 999.99 does not add up:"
                " LineExtensionAmount - allowances + charges = 1000.00",
                ["LegalMonetaryTotal/TaxInclusiveAmount"],
            ),
            (
                "TaxTotal/TaxAmount",
                {"tax": Amount(25001)},
                "TaxAmount 250.01 does not add up: the sum of the VAT subtotals = 250.00",
                ["LegalMonetaryTotal/TaxInclusiveAmount"],
            ),
            (
                "LegalMonetaryTotal/TaxInclusiveAmount",
                {"tax_inclusive": Amount(125001)},
                "TaxInclusiveAmount 1250.01 does not add up:"
                " the amount without VAT + the VAT total = 1250.00",
                ["LegalMonetaryTotal/PayableAmount"],
            ),
            (
                "LegalMonetaryTotal/PayableAmount",
                {"payable": Amount(125100)},
                "PayableAmount 1251.00 does not add up:"
                " TaxInclusiveAmount - PrepaidAmount + PayableRoundingAmount = 1250.00",
                [],
            ),
        ],
    )
    def test_each_total_that_does_not_add_up(
        self, field: str, change: dict[str, Amount], reason: str, also: list[str]
    ) -> None:
        """Each total is checked against the stated totals it is made of, as EN 16931 BR-CO-10..16 are.

        A changed total shows where it disagrees with its parts and where the next total disagrees with
        it; a total computed consistently from a wrong one is not blamed.
        """
        inv = invoice([line(60000), line(40000)])
        bad = replace(inv, totals=replace(inv.totals, **change))
        problems = check(bad, {field: 42})
        assert (problems[0].line, problems[0].code, problems[0].field, problems[0].reason) == (
            42,
            "totals_mismatch",
            field,
            reason,
        )
        assert [p.field for p in problems[1:]] == also

    def test_a_wrong_vat_total_carried_on_consistently_is_reported_once(self) -> None:
        inv = invoice([line(100000)])
        totals = replace(inv.totals, tax=Amount(24000), tax_inclusive=Amount(124000), payable=Amount(124000))
        assert [p.field for p in check(replace(inv, totals=totals), {})] == ["TaxTotal/TaxAmount"]

    @pytest.mark.parametrize(("tax", "ok"), [(25001, True), (24999, True), (25002, False), (24998, False)])
    def test_vat_per_subtotal_may_be_off_by_one_minor_unit(self, tax: int, ok: bool) -> None:
        inv = invoice([line(100000)])
        subtotal = replace(inv.tax_subtotals[0], tax=Amount(tax))
        totals = replace(
            inv.totals, tax=Amount(tax), tax_inclusive=Amount(100000 + tax), payable=Amount(100000 + tax)
        )
        problems = check(replace(inv, tax_subtotals=(subtotal,), totals=totals), {"TaxSubtotal[1]": 7})
        expected = (
            []
            if ok
            else [(7, "vat_mismatch", f"VAT {Amount(tax)} for category S should be 250.00 (1000.00 × 25%)")]
        )
        assert [(p.line, p.code, p.reason) for p in problems] == expected

    def test_a_category_without_rate_has_no_vat(self) -> None:
        inv = invoice([line(100000, "O", None)])
        subtotal = replace(inv.tax_subtotals[0], tax=Amount(500))
        totals = replace(inv.totals, tax=Amount(500), tax_inclusive=Amount(100500), payable=Amount(100500))
        problems = check(replace(inv, tax_subtotals=(subtotal,), totals=totals), {})
        assert [(p.line, p.reason) for p in problems] == [
            (None, "VAT 5.00 for category O should be 0.00 (no rate)")
        ]

    @given(st.integers(-(10**6), 10**6).filter(bool))
    def test_any_change_to_the_payable_amount_is_caught(self, delta: int) -> None:
        inv = invoice([line(123456), line(-2345)])
        bad = replace(inv, totals=replace(inv.totals, payable=Amount(inv.totals.payable.minor + delta)))
        assert [p.field for p in check(bad, {})] == ["LegalMonetaryTotal/PayableAmount"]
