"""Booking e-invoices (OIOUBL 2.1, Peppol BIS 3): the supplier found or created, the payment means, lines,
totals and documents taken from the XML; every kind of bad document refused with nothing written."""

from __future__ import annotations

from datetime import date

import pytest

from betal import bootstrap
from betal.domain.errors import InvalidInput
from betal.domain.payables import (
    DocumentKind,
    DuplicateInvoice,
    InvoiceSource,
    PaymentMeans,
    PaymentMeansKind,
    SupplierInvoice,
)
from betal.services import supplier_invoice as invoices
from betal.services import supplier_invoice_ubl as e_invoices
from betal.services.organisation import CreatedOrganisation
from tests.services.payables_support import book, counts, import_rates, load, make_supplier, principal, typed


def _import(container: bootstrap.Container, org: CreatedOrganisation, name: str) -> SupplierInvoice:
    with container.uow() as uow:
        return e_invoices.import_invoice(uow, principal(org), load(name))


class TestImportInvoice:
    def test_peppol_fi_card_with_pdf_creates_its_supplier(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        invoice = _import(container, org, "peppol-fik71-pdf.xml")
        assert (invoice.invoice_number, invoice.source) == ("2026-0417", InvoiceSource.PEPPOL)
        assert (invoice.issue_date, invoice.due_date) == (date(2026, 3, 2), date(2026, 3, 16))
        assert (invoice.net_minor, invoice.vat_minor, invoice.gross_minor) == (1_207_500, 301_875, 1_509_375)
        assert invoice.means == PaymentMeans(PaymentMeansKind.FI_CARD, "71", "87654321", "000020260004179")
        assert invoice.lines[0] == {
            "description": "Konsulenttimer: Konsulentbistand, integration februar", "amount": 712_500,
            "quantity": "7.5", "unit_price": "950.00", "vat_percent": "25", "unit_code": "HUR",
        }  # fmt: skip
        with container.uow() as uow:
            view = invoices.get_invoice(uow, principal(org), invoice.id)
        supplier = view.supplier
        assert (supplier.name, supplier.cvr, supplier.country) == ("Nordlys Software ApS", "31000009", "DK")
        assert (supplier.fi_creditor_number, supplier.needs_dual_approval) == ("87654321", False)
        kept = {d.kind: d for d in view.documents}
        assert {(d.kind, d.filename, d.content_type) for d in view.documents} == {
            (DocumentKind.UBL, "2026-0417.xml", "application/xml"),
            (DocumentKind.PDF, "faktura-2026-0417.pdf", "application/pdf"),
        }
        with container.uow() as uow:
            xml = invoices.get_document(uow, principal(org), invoice.id, kept[DocumentKind.UBL].id)[1]
            pdf = invoices.get_document(uow, principal(org), invoice.id, kept[DocumentKind.PDF].id)[1]
        assert xml == load("peppol-fik71-pdf.xml")
        assert pdf.startswith(b"%PDF-1.4")

    def test_oioubl_bank_account_and_an_existing_supplier_by_cvr(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        known = make_supplier(container, org, name="Kontorhuset", cvr="31000025", iban="DK5000400440116243")
        invoice = _import(container, org, "oioubl-bank.xml")
        assert (invoice.supplier_id, invoice.source) == (known.id, InvoiceSource.OIOUBL)
        assert invoice.means == PaymentMeans(
            PaymentMeansKind.DOMESTIC, reg_no="0040", account_no="0440116243"
        )
        assert (invoice.net_minor, invoice.vat_minor, invoice.gross_minor) == (231_000, 47_250, 278_250)
        with container.uow() as uow:
            supplier = uow.suppliers.get(org.organisation.id, known.id)
        assert supplier == known  # the invoice's own details do not change the supplier's

    def test_a_supplier_without_cvr_is_found_by_name(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        import_rates(container)
        known = make_supplier(container, org, name="BRANDT Maschinenbau GmbH", cvr=None)
        invoice = _import(container, org, "peppol-sepa-eur.xml")
        assert invoice.supplier_id == known.id
        assert invoice.means == PaymentMeans(
            PaymentMeansKind.IBAN, iban="DE89370400440532013000", bic="COBADEFFXXX"
        )
        assert (invoice.currency, invoice.gross_minor, invoice.fx_rate) == ("EUR", 290_000, "7.4601")
        assert invoice.base_gross_minor == 2_163_429

    def test_cash_leaves_the_invoice_without_means(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        invoice = _import(container, org, "peppol-cash.xml")
        assert invoice.means is None
        with container.uow() as uow:
            view = invoices.get_invoice(uow, principal(org), invoice.id)
        assert not view.payable
        assert view.supplier.fi_creditor_number is None

    def test_the_same_invoice_twice_is_a_duplicate(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        first = _import(container, org, "peppol-fik71-pdf.xml")
        before = counts(container)
        with pytest.raises(DuplicateInvoice) as caught:
            _import(container, org, "peppol-fik71-pdf.xml")
        assert caught.value.existing_id == first.id
        assert counts(container) == before

    @pytest.mark.parametrize(
        ("name", "code", "field", "line"),
        [
            ("malformed.xml", "ubl.malformed_xml", "document", "line 3"),
            ("not-ubl.xml", "ubl.not_ubl", "document", "line 2"),
            (
                "peppol-totals-off.xml",
                "ubl.totals_mismatch",
                "LegalMonetaryTotal/TaxInclusiveAmount",
                "line 132",
            ),
            ("peppol-fik71-check-digit.xml", "ubl.invalid_payment_means", "PaymentMeans[1]", "line 94"),
            ("peppol-creditnote.xml", "ubl.credit_note", "document", ""),
            ("peppol-prepaid-eur.xml", "ubl.prepaid", "PrepaidAmount", ""),
        ],
    )
    def test_bad_documents_are_refused_and_nothing_written(
        self,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        name: str,
        code: str,
        field: str,
        line: str,
    ) -> None:
        before = counts(container)
        with pytest.raises(InvalidInput) as caught:
            _import(container, org, name)
        assert caught.value.code == code
        assert caught.value.errors[0].field == field
        assert caught.value.errors[0].message.startswith(line)
        assert counts(container) == before

    def test_every_problem_is_reported(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            _import(container, org, "peppol-totals-off.xml")
        assert [p.field for p in caught.value.errors] == [
            "LegalMonetaryTotal/TaxInclusiveAmount", "LegalMonetaryTotal/PayableAmount",
        ]  # fmt: skip

    def test_a_foreign_invoice_without_a_rate_creates_no_supplier(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        before = counts(container)
        with pytest.raises(InvalidInput) as caught:
            _import(container, org, "peppol-sepa-eur.xml")
        assert caught.value.code == "supplier_invoice.no_rate"
        assert counts(container) == before


class TestReadable:
    def test_the_e_invoice_is_read_again(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        invoice = _import(container, org, "oioubl-bank.xml")
        with container.uow() as uow:
            found = e_invoices.readable(uow, principal(org), invoice.id)
        assert found is not None
        assert (found.invoice_number, found.supplier.name, len(found.payment_means)) == (
            "100482", "Kontorhuset Vest A/S", 2,
        )  # fmt: skip

    def test_a_typed_invoice_has_none(self, container: bootstrap.Container, org: CreatedOrganisation) -> None:
        invoice = book(container, org, typed(make_supplier(container, org).id))
        with container.uow() as uow:
            assert e_invoices.readable(uow, principal(org), invoice.id) is None
