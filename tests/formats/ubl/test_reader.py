"""Tests for betal.formats.ubl.reader over the samples in data/ubl/{valid,invalid}, plus edge cases.

Each valid sample has an ``*.expected.json`` sidecar with every field the reader extracts; each invalid
one lists the problems (line, code, field, reason) it must be refused with.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from betal.formats import ubl
from betal.formats.ubl.reader import MAX_ATTACHMENT_BYTES, SBDH
from tests.formats.ubl.expected import as_json
from tests.formats.ubl.schema import schema_errors

DATA = Path(__file__).parents[1] / "data" / "ubl"
VALID = sorted((DATA / "valid").glob("*.xml"))
INVALID = sorted((DATA / "invalid").glob("*.xml"))


def sidecar(path: Path) -> Any:
    return json.loads(path.with_name(f"{path.stem}.expected.json").read_text("utf-8"))


def sample(name: str) -> bytes:
    return (DATA / "valid" / name).read_bytes()


def problems_of(data: bytes) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ubl.UblError) as caught:
        ubl.read(data)
    return [(p.line, p.code, p.reason) for p in caught.value.problems]


class TestSamples:
    def test_there_are_samples_of_each_kind(self) -> None:
        names = {p.name for p in VALID}
        assert {
            "peppol-fik71-pdf.xml",
            "peppol-sepa-eur.xml",
            "oioubl-fik73.xml",
            "oioubl-bank.xml",
            "peppol-creditnote.xml",
        } <= names
        assert len(INVALID) >= 20

    @pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
    def test_every_field_of_a_valid_sample(self, path: Path) -> None:
        assert as_json(ubl.read(path.read_bytes())) == sidecar(path)

    @pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
    def test_valid_samples_are_valid_ubl_2_1(self, path: Path) -> None:
        assert schema_errors(path.read_bytes()) == []

    @pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
    def test_invalid_sample_is_refused_with_its_problems(self, path: Path) -> None:
        expected = [(p["line"], p["code"], p["reason"]) for p in sidecar(path)["problems"]]
        assert problems_of(path.read_bytes()) == expected
        with pytest.raises(ubl.UblError) as caught:
            ubl.read(path.read_bytes())
        assert [p.field for p in caught.value.problems] == [p["field"] for p in sidecar(path)["problems"]]


class TestRead:
    def test_the_embedded_pdf(self) -> None:
        invoice = ubl.read(sample("peppol-fik71-pdf.xml"))
        assert invoice.pdf is not None
        assert invoice.pdf.content.startswith(b"%PDF-1.4")
        assert invoice.pdf.content.rstrip().endswith(b"%%EOF")
        assert invoice.pdf.filename == "faktura-2026-0417.pdf"

    def test_oioubl_tax_exclusive_is_the_amount_without_vat(self) -> None:
        """The sample states 1113.13 (the VAT total) in TaxExclusiveAmount, as OIOUBL does."""
        totals = ubl.read(sample("oioubl-fik73.xml")).totals
        assert (totals.tax_exclusive.value, totals.tax.value) == (
            ubl.Amount(445250).value,
            ubl.Amount(111313).value,
        )

    def test_amounts_in_minor_units(self) -> None:
        totals = ubl.read(sample("peppol-sepa-eur.xml")).totals
        assert (totals.payable.minor, totals.prepaid.minor, totals.allowance.minor) == (240000, 50000, 9100)

    @pytest.mark.parametrize("customization", ["OIOUBL-2.1", "OIOUBL-2.02", "OIOUBL-2.01", " OIOUBL-2.1 "])
    def test_oioubl_customizations(self, customization: str) -> None:
        data = sample("oioubl-fik73.xml").replace(b">OIOUBL-2.1<", f">{customization}<".encode())
        assert ubl.read(data).profile == "oioubl"

    def test_a_non_pdf_attachment_is_left_alone(self) -> None:
        data = sample("peppol-fik71-pdf.xml").replace(b'mimeCode="application/pdf"', b'mimeCode="image/png"')
        assert ubl.read(data).attachments == ()

    def test_an_invoice_in_jpy_counts_whole_yen(self) -> None:
        """Zero decimals written out (1900.00) are fine; a fraction of a yen is not."""
        data = sample("peppol-creditnote.xml").replace(b'currencyID="DKK"', b'currencyID="JPY"')
        data = data.replace(b"<cbc:DocumentCurrencyCode>DKK<", b"<cbc:DocumentCurrencyCode>JPY<")
        assert ubl.read(data).totals.payable == ubl.Amount(2375, 0)
        data = data.replace(b">2375.00</cbc:PayableAmount>", b">2375.50</cbc:PayableAmount>")
        assert problems_of(data) == [
            (
                92,
                "invalid_amount",
                "LegalMonetaryTotal/PayableAmount 2375.50 has more than 0 decimals, which JPY does not allow",
            )
        ]

    def test_a_foreign_supplier_may_use_codes_outside_the_danish_list(self) -> None:
        data = sample("peppol-sepa-eur.xml").replace(b'name="SEPA credit transfer">58', b">30")
        assert [m.code for m in ubl.read(data).payment_means] == ["30"]


class TestRefused:
    @pytest.mark.parametrize(
        ("data", "line", "code"),
        [
            (b"", 1, "malformed_xml"),
            (b"Faktura 2026-0417, 15.093,75 kr.", 1, "malformed_xml"),
            (b"<Invoice>\n<cbc:ID>1</cbc:ID></Invoice>", 2, "malformed_xml"),  # unbound prefix
            (b"<Invoice/>", 1, "not_ubl"),
            (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]><Invoice/>', 2, "malformed_xml"),
        ],
    )
    def test_not_a_ubl_document(self, data: bytes, line: int | None, code: str) -> None:
        assert [(p[0], p[1]) for p in problems_of(data)] == [(line, code)]

    def test_no_root_invoice_in_no_namespace(self) -> None:
        assert (
            problems_of(b"<Invoice/>")[0][2]
            == "not a UBL 2 Invoice or CreditNote: the root element is Invoice in no namespace"
        )

    def test_missing_customization(self) -> None:
        data = sample("peppol-creditnote.xml").replace(b"<cbc:CustomizationID>", b"<cbc:Note>")
        data = data.replace(b"billing:3.0</cbc:CustomizationID>", b"billing:3.0</cbc:Note>")
        (problem,) = problems_of(data)
        assert problem[1] == "unsupported_customization"
        assert problem[2].startswith("unsupported customization (no CustomizationID): betal reads Peppol BIS")

    @pytest.mark.parametrize(
        ("currency", "reason"),
        [
            (b"", "DocumentCurrencyCode is missing; it must be an ISO 4217 code such as DKK"),
            (b"dkk", "DocumentCurrencyCode 'dkk' is not an ISO 4217 code such as DKK"),
        ],
    )
    def test_document_currency(self, currency: bytes, reason: str) -> None:
        data = sample("oioubl-bank.xml").replace(
            b"<cbc:DocumentCurrencyCode>DKK<", b"<cbc:DocumentCurrencyCode>" + currency + b"<"
        )
        assert problems_of(data) == [(13, "invalid_currency", reason)]

    def test_bad_base64_in_the_pdf(self) -> None:
        data = sample("peppol-fik71-pdf.xml").replace(b"JVBERi0xLjQK", b"JVBERi0x*jQK")
        assert problems_of(data) == [(18, "invalid_attachment", "the embedded PDF is not valid base64")]

    def test_a_pdf_over_the_size_limit(self) -> None:
        data = sample("peppol-fik71-pdf.xml")
        start = data.index(b">", data.index(b"<cbc:EmbeddedDocumentBinaryObject")) + 1
        end = data.index(b"</cbc:EmbeddedDocumentBinaryObject>")
        big = base64.b64encode(b"%PDF-1.4\n" + b"0" * MAX_ATTACHMENT_BYTES)
        reason = f"the embedded PDF is larger than {MAX_ATTACHMENT_BYTES} bytes"
        assert problems_of(data[:start] + big + data[end:]) == [(18, "invalid_attachment", reason)]

    def test_missing_issue_date(self) -> None:
        data = sample("peppol-creditnote.xml").replace(b"<cbc:IssueDate>2026-03-06</cbc:IssueDate>", b"")
        assert problems_of(data) == [(4, "missing", "IssueDate is missing")]


class TestDueDate:
    PEPPOL_DUE = b"<cbc:DueDate>2026-03-16</cbc:DueDate>"
    TERMS = b"<cac:PaymentTerms>\n    <cbc:Note>Netto 14 dage</cbc:Note>"

    @pytest.mark.parametrize(
        ("terms", "expected"),
        [
            (b"<cbc:PaymentDueDate>2026-03-20</cbc:PaymentDueDate>", "2026-03-20"),
            (
                b"<cac:SettlementPeriod><cbc:EndDate>2026-03-31</cbc:EndDate></cac:SettlementPeriod>",
                "2026-03-31",
            ),
            (b"", None),
        ],
    )
    def test_from_the_payment_terms_when_nothing_else_gives_it(
        self, terms: bytes, expected: str | None
    ) -> None:
        data = sample("peppol-fik71-pdf.xml").replace(self.PEPPOL_DUE, b"")
        data = data.replace(self.TERMS, self.TERMS + terms)
        due = ubl.read(data).due_date
        assert (due.isoformat() if due else None) == expected

    def test_the_document_due_date_comes_first(self) -> None:
        terms = b"<cbc:PaymentDueDate>2026-03-20</cbc:PaymentDueDate>"
        data = sample("peppol-fik71-pdf.xml").replace(self.TERMS, self.TERMS + terms)
        assert str(ubl.read(data).due_date) == "2026-03-16"


class TestDetails:
    def test_an_external_document_reference_is_not_fetched(self) -> None:
        start = b"<cac:Attachment>"
        data = sample("peppol-fik71-pdf.xml")
        external = b"<cac:Attachment><cac:ExternalReference><cbc:URI>https://example.com/f.pdf</cbc:URI>"
        end = data.index(b"</cac:Attachment>")
        data = data[: data.index(start)] + external + b"</cac:ExternalReference>" + data[end:]
        assert ubl.read(data).attachments == ()

    def test_an_oioubl_supplier_without_country_is_danish(self) -> None:
        """OIOUBL is the Danish profile: its payment means are held to the Danish code list (DK-R-005)."""
        data = sample("oioubl-fik73.xml").replace(
            b"<cbc:IdentificationCode>DK</cbc:IdentificationCode>", b"", 1
        )
        data = data.replace(b"<cbc:PaymentMeansCode>93<", b"<cbc:PaymentMeansCode>30<")
        assert [p[1] for p in problems_of(data)] == ["invalid_payment_means"]

    def test_a_document_in_its_peppol_envelope(self) -> None:
        """Access points deliver a StandardBusinessDocument (SBDH) around it; lines stay the file's."""
        wrapped = (DATA / "peppol-creditnote-sbdh.xml").read_bytes()
        assert ubl.read(wrapped) == ubl.read(sample("peppol-creditnote.xml"))
        bad = wrapped.replace(b">2375.00</cbc:PayableAmount>", b">2374.00</cbc:PayableAmount>")
        assert [(p[0], p[1]) for p in problems_of(bad)] == [(121, "totals_mismatch")]

    def test_an_envelope_without_one_document_is_not_ubl(self) -> None:
        data = f'<StandardBusinessDocument xmlns="{SBDH}"/>'.encode()
        assert [p[1] for p in problems_of(data)] == ["not_ubl"]
