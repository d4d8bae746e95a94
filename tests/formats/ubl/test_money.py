"""Tests for betal.formats.ubl.money: lines, allowances and charges, VAT breakdown, totals (OIOUBL quirk)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from betal.formats.ubl.model import AllowanceCharge, Amount, Line, TaxSubtotal, Totals
from betal.formats.ubl.money import read_allowance_charges, read_lines, read_tax, read_totals
from betal.formats.ubl.tree import Doc
from tests.formats.ubl.fragments import element

S25 = "<cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent></cac:TaxCategory>"


def reasons(doc: Doc) -> list[str]:
    return [p.reason for p in doc.problems]


class TestReadLines:
    def test_invoice_line(self) -> None:
        root = element(
            "<cac:InvoiceLine><cbc:ID>1</cbc:ID>"
            '<cbc:InvoicedQuantity unitCode="HUR">7.5</cbc:InvoicedQuantity>'
            '<cbc:LineExtensionAmount currencyID="DKK">7125.00</cbc:LineExtensionAmount>'
            "<cac:Item><cbc:Description>Februar</cbc:Description><cbc:Name>Timer</cbc:Name>"
            "<cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent></cac:ClassifiedTaxCategory>"
            '</cac:Item><cac:Price><cbc:PriceAmount currencyID="DKK">950.0000</cbc:PriceAmount></cac:Price>'
            "</cac:InvoiceLine>"
        )
        doc = Doc("DKK")
        assert read_lines(doc, root, "invoice") == (
            Line(
                "1",
                "Timer",
                Decimal("7.5"),
                Amount(712500),
                "Februar",
                "HUR",
                Decimal("950"),
                "S",
                Decimal("25"),
            ),
        )
        assert doc.problems == []

    def test_credit_note_line_with_the_category_only_in_its_tax_total(self) -> None:
        """OIOUBL lines may carry their VAT category in the line's TaxTotal; the description names it."""
        root = element(
            "<cac:CreditNoteLine><cbc:ID>1</cbc:ID><cbc:CreditedQuantity>2</cbc:CreditedQuantity>"
            '<cbc:LineExtensionAmount currencyID="DKK">-50.00</cbc:LineExtensionAmount>'
            f"<cac:TaxTotal><cac:TaxSubtotal>{S25}</cac:TaxSubtotal></cac:TaxTotal>"
            "<cac:Item><cbc:Description>Beslag</cbc:Description></cac:Item></cac:CreditNoteLine>"
        )
        (line,) = read_lines(Doc("DKK"), root, "credit_note")
        assert line == Line(
            "1", "Beslag", Decimal("2"), Amount(-5000), "Beslag", None, None, "S", Decimal("25")
        )

    def test_missing_parts_are_problems(self) -> None:
        doc = Doc("DKK")
        (line,) = read_lines(doc, element("<cac:InvoiceLine/>"), "invoice")
        assert line == Line("", "", Decimal(0), Amount(0))
        assert reasons(doc) == [
            "InvoiceLine[1] has no quantity",
            "InvoiceLine[1]/ID is missing",
            "InvoiceLine[1]/LineExtensionAmount is missing",
        ]

    def test_no_lines_is_a_problem(self) -> None:
        doc = Doc("DKK")
        assert read_lines(doc, element(""), "credit_note") == ()
        assert reasons(doc) == ["the document has no lines"]


class TestReadAllowanceCharges:
    def test_allowance_and_charge(self) -> None:
        root = element(
            "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
            "<cbc:AllowanceChargeReason>Rabat</cbc:AllowanceChargeReason>"
            '<cbc:Amount currencyID="DKK">10</cbc:Amount>'
            f"{S25}</cac:AllowanceCharge>"
            "<cac:AllowanceCharge><cbc:ChargeIndicator>1</cbc:ChargeIndicator><cbc:Amount>5.50</cbc:Amount>"
            "</cac:AllowanceCharge>"
        )
        doc = Doc("DKK")
        assert read_allowance_charges(doc, root) == (
            AllowanceCharge(False, Amount(1000), "Rabat", "S", Decimal("25")),
            AllowanceCharge(True, Amount(550)),
        )
        assert doc.problems == []

    def test_charge_indicator_must_be_a_boolean(self) -> None:
        doc = Doc("DKK")
        root = element(
            "<cac:AllowanceCharge><cbc:ChargeIndicator>yes</cbc:ChargeIndicator><cbc:Amount>1</cbc:Amount></cac:AllowanceCharge>"
        )
        read_allowance_charges(doc, root)
        assert reasons(doc) == ["AllowanceCharge[1]/ChargeIndicator must be true or false"]


class TestReadTax:
    def test_total_and_subtotals_with_their_lines(self) -> None:
        root = element(
            '<cac:TaxTotal>\n<cbc:TaxAmount currencyID="DKK">25.00</cbc:TaxAmount>\n<cac:TaxSubtotal>'
            '<cbc:TaxableAmount currencyID="DKK">100.00</cbc:TaxableAmount>'
            f"<cbc:TaxAmount>25.00</cbc:TaxAmount>{S25}"
            "</cac:TaxSubtotal></cac:TaxTotal>"
        )
        doc, where = Doc("DKK"), dict[str, int | None]()
        assert read_tax(doc, root, where) == (
            Amount(2500),
            (TaxSubtotal("S", Decimal("25"), Amount(10000), Amount(2500)),),
        )
        assert where == {"TaxTotal/TaxAmount": 2, "TaxSubtotal[1]": 3}
        assert doc.problems == []

    def test_a_tax_total_in_the_tax_currency_is_not_the_one(self) -> None:
        root = element(
            '<cac:TaxTotal><cbc:TaxAmount currencyID="DKK">186.44</cbc:TaxAmount></cac:TaxTotal>'
            '<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">25.00</cbc:TaxAmount></cac:TaxTotal>'
        )
        doc = Doc("EUR")
        assert read_tax(doc, root, {}) == (Amount(2500), ())
        assert doc.problems == []

    def test_missing_or_doubled_tax_total(self) -> None:
        doc = Doc("DKK")
        assert read_tax(doc, element(""), {}) == (Amount(0), ())
        two = '<cac:TaxTotal><cbc:TaxAmount currencyID="DKK">1</cbc:TaxAmount></cac:TaxTotal>' * 2
        read_tax(doc, element(two), {})
        assert reasons(doc) == ["TaxTotal (the VAT total in DKK) is missing", "more than one TaxTotal in DKK"]

    def test_a_tax_total_without_its_amount(self) -> None:
        doc = Doc("DKK")
        assert read_tax(doc, element("<cac:TaxTotal/>"), {}) == (Amount(0), ())
        assert reasons(doc) == ["TaxTotal/TaxAmount is missing"]

    def test_a_subtotal_needs_a_category(self) -> None:
        doc = Doc("DKK")
        root = element(
            "<cac:TaxTotal><cbc:TaxAmount>0</cbc:TaxAmount><cac:TaxSubtotal><cbc:TaxableAmount>0</cbc:TaxableAmount>"
            "<cbc:TaxAmount>0</cbc:TaxAmount></cac:TaxSubtotal></cac:TaxTotal>"
        )
        assert read_tax(doc, root, {})[1] == (TaxSubtotal("", None, Amount(0), Amount(0)),)
        assert reasons(doc) == ["TaxSubtotal[1]/TaxCategory/ID is missing"]


def monetary_total(tax_exclusive: str | None) -> str:
    stated = f"<cbc:TaxExclusiveAmount>{tax_exclusive}</cbc:TaxExclusiveAmount>" if tax_exclusive else ""
    return (
        "<cac:LegalMonetaryTotal><cbc:LineExtensionAmount>2000.00</cbc:LineExtensionAmount>"
        f"{stated}<cbc:TaxInclusiveAmount>2500.00</cbc:TaxInclusiveAmount>"
        "<cbc:PayableAmount>2500.00</cbc:PayableAmount></cac:LegalMonetaryTotal>"
    )


class TestReadTotals:
    def test_peppol_totals(self) -> None:
        root = element(
            "<cac:LegalMonetaryTotal><cbc:LineExtensionAmount>100</cbc:LineExtensionAmount>"
            "<cbc:TaxExclusiveAmount>95</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount>118.75</cbc:TaxInclusiveAmount>"
            "<cbc:AllowanceTotalAmount>10</cbc:AllowanceTotalAmount><cbc:ChargeTotalAmount>5</cbc:ChargeTotalAmount>"
            "<cbc:PrepaidAmount>18.75</cbc:PrepaidAmount><cbc:PayableRoundingAmount>-0.25</cbc:PayableRoundingAmount>"
            "<cbc:PayableAmount>99.75</cbc:PayableAmount></cac:LegalMonetaryTotal>"
        )
        where: dict[str, int | None] = {}
        totals = read_totals(Doc("DKK"), root, "peppol", Amount(2375), where)
        assert totals == Totals(
            Amount(10000),
            Amount(9500),
            Amount(2375),
            Amount(11875),
            Amount(9975),
            Amount(1000),
            Amount(500),
            Amount(1875),
            Amount(-25),
        )
        assert set(where) >= {"LegalMonetaryTotal/PayableAmount", "LegalMonetaryTotal/TaxExclusiveAmount"}

    @pytest.mark.parametrize("stated", ["500.00", "2000.00", None])
    def test_oioubl_tax_exclusive_is_the_vat_total_or_the_net_amount_or_absent(
        self, stated: str | None
    ) -> None:
        doc = Doc("DKK")
        totals = read_totals(doc, element(monetary_total(stated)), "oioubl", Amount(50000), {})
        assert totals.tax_exclusive == Amount(200000)
        assert doc.problems == []

    def test_oioubl_tax_exclusive_that_is_neither(self) -> None:
        doc = Doc("DKK")
        read_totals(doc, element(monetary_total("2500.00")), "oioubl", Amount(50000), {})
        assert [(p.code, p.reason) for p in doc.problems] == [
            (
                "totals_mismatch",
                "TaxExclusiveAmount 2500.00 is neither the VAT total 500.00 (as OIOUBL defines it)"
                " nor the amount"
                " without VAT 2000.00",
            )
        ]

    def test_peppol_needs_tax_exclusive(self) -> None:
        doc = Doc("DKK")
        read_totals(doc, element(monetary_total(None)), "peppol", Amount(50000), {})
        assert reasons(doc) == ["LegalMonetaryTotal/TaxExclusiveAmount is missing"]

    def test_missing_monetary_total(self) -> None:
        doc = Doc("DKK")
        read_totals(doc, element(""), "peppol", Amount(0), {})
        assert reasons(doc) == [
            "LegalMonetaryTotal is missing",
            "LegalMonetaryTotal/LineExtensionAmount is missing",
            "LegalMonetaryTotal/TaxExclusiveAmount is missing",
            "LegalMonetaryTotal/TaxInclusiveAmount is missing",
            "LegalMonetaryTotal/PayableAmount is missing",
        ]
