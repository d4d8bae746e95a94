"""Tests for betal.formats.ubl.writer: output valid against the OASIS UBL 2.1 XSD, and read back unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from betal.formats import ubl
from betal.formats.ubl.model import DocumentType, Profile
from betal.formats.ubl.tree import NS
from tests.formats.ubl.schema import schema_errors
from tests.formats.ubl.strategies import invoices

DATA = Path(__file__).parents[1] / "data" / "ubl" / "valid"
SAMPLES = sorted(DATA.glob("*.xml"))
WRITERS: dict[Profile, Callable[[ubl.UblInvoice], bytes]] = {
    "peppol": ubl.write_peppol,
    "oioubl": ubl.write_oioubl,
}


def read_sample(name: str) -> ubl.UblInvoice:
    return ubl.read((DATA / name).read_bytes())


def values(data: bytes, path: str) -> list[str]:
    return [str(node.text) for node in etree.fromstring(data).findall(path, NS)]


class TestWriteSamples:
    @pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
    def test_round_trip_in_the_samples_own_profile(self, path: Path) -> None:
        invoice = ubl.read(path.read_bytes())
        data = WRITERS[invoice.profile](invoice)
        assert schema_errors(data) == []
        assert ubl.read(data) == invoice

    @pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
    def test_the_other_profile_carries_the_same_invoice(self, path: Path) -> None:
        """Only profile, payment-means encoding and where the due date sits differ."""
        invoice = ubl.read(path.read_bytes())
        other: Profile = "oioubl" if invoice.profile == "peppol" else "peppol"
        data = WRITERS[other](invoice)
        assert schema_errors(data) == []
        back = ubl.read(data)
        assert back.profile == other
        same = (
            "lines",
            "totals",
            "tax_subtotals",
            "allowance_charges",
            "attachments",
            "supplier",
            "buyer",
            "invoice_number",
            "issue_date",
            "due_date",
            "currency",
            "document_type",
            "billing_reference",
        )
        assert {f: getattr(back, f) for f in same} == {f: getattr(invoice, f) for f in same}
        fields = (
            "kind",
            "fi_card_type",
            "fi_payment_id",
            "fi_creditor_number",
            "reg_no",
            "account_no",
            "iban",
            "bic",
        )
        assert [[getattr(m, f) for f in fields] for m in back.payment_means] == [
            [getattr(m, f) for f in fields] for m in invoice.payment_means
        ]

    def test_writing_is_deterministic(self) -> None:
        invoice = read_sample("oioubl-bank.xml")
        assert ubl.write_oioubl(invoice) == ubl.write_oioubl(invoice)


class TestWritePeppol:
    def test_fik_and_due_date(self) -> None:
        data = ubl.write_peppol(read_sample("peppol-fik71-pdf.xml"))
        assert values(data, "cbc:CustomizationID") == [
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
        ]
        assert values(data, "cbc:DueDate") == ["2026-03-16"]
        assert values(data, "cac:PaymentMeans/cbc:PaymentID") == ["71#000020260004179"]
        assert values(data, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == ["87654321"]
        assert values(data, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == ["12075.00"]

    def test_a_credit_note_has_its_due_date_in_the_payment_means(self) -> None:
        data = ubl.write_peppol(read_sample("peppol-creditnote.xml"))
        assert etree.QName(etree.fromstring(data)).localname == "CreditNote"
        assert values(data, "cbc:DueDate") == []
        assert values(data, "cac:PaymentMeans/cbc:PaymentDueDate") == ["2026-03-20"]
        assert values(data, "cac:CreditNoteLine/cbc:CreditedQuantity") == ["2"]


class TestWriteOioubl:
    def test_oioubl_conventions(self) -> None:
        invoice = read_sample("peppol-fik71-pdf.xml")
        data = ubl.write_oioubl(invoice)
        assert values(data, "cbc:CustomizationID") == ["OIOUBL-2.1"]
        assert values(data, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == ["3018.75"]  # the VAT total
        assert values(data, "cac:PaymentMeans/cbc:PaymentChannelCode") == ["DK:FIK"]
        assert values(data, "cac:PaymentMeans/cbc:PaymentID") == ["71"]
        assert values(data, "cac:PaymentMeans/cbc:InstructionID") == ["000020260004179"]
        assert values(data, "cac:PaymentMeans/cac:CreditAccount/cbc:AccountID") == ["87654321"]
        assert values(data, "cac:PaymentMeans/cbc:PaymentDueDate") == ["2026-03-16"]
        assert values(data, "cac:InvoiceLine/cac:TaxTotal/cbc:TaxAmount") == ["1781.25", "1200.00"]
        assert values(data, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID") == [
            "DK31000009"
        ]

    def test_giro_and_bic(self) -> None:
        invoice = read_sample("oioubl-bank.xml")
        giro = ubl.PaymentMeans("50", "fi_card", None, "04", "2150263480000023", "1234567", payment_id="04")
        data = ubl.write_oioubl(replace(invoice, payment_means=(giro, *invoice.payment_means)))
        assert values(data, "cac:PaymentMeans/cbc:PaymentChannelCode") == ["DK:GIRO", "DK:BANK", "IBAN"]
        assert values(data, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == [
            "1234567",
            "0440116243",
            "DK5000400440116243",
        ]
        branch = "cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch"
        path = f"{branch}/cac:FinancialInstitution/cbc:ID"
        assert values(data, path) == ["NDEADKKK"]
        assert ubl.read(data).payment_means[0].fi_payment_id == "2150263480000023"


class TestOptionalParts:
    def test_parts_without_vat_category_or_names(self) -> None:
        """What the reader can return, the writer can write: uncategorised charges, lines without a name."""
        invoice = read_sample("peppol-fik71-pdf.xml")
        charge = replace(invoice.allowance_charges[0], vat_category=None, vat_percent=None)
        line = replace(invoice.lines[1], name="", description=None)
        invoice = replace(invoice, allowance_charges=(charge,), lines=(invoice.lines[0], line))
        for writer in WRITERS.values():
            data = writer(invoice)
            assert schema_errors(data) == []
            assert ubl.read(data).allowance_charges == (charge,)
            assert ubl.read(data).lines[1] == line


class TestRoundTrip:
    @pytest.mark.parametrize(
        ("profile", "document_type"),
        [("peppol", "invoice"), ("peppol", "credit_note"), ("oioubl", "invoice"), ("oioubl", "credit_note")],
    )
    @settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(data=st.data())
    def test_read_of_write_is_identity(
        self, profile: Profile, document_type: DocumentType, data: st.DataObject
    ) -> None:
        invoice = data.draw(invoices(profile, document_type))
        written = WRITERS[profile](invoice)
        assert schema_errors(written) == []
        assert ubl.read(written) == invoice
