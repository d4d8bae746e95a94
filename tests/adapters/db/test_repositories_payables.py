"""Payables repositories: suppliers and their bank-change history, invoices with payment means and lines,
the duplicate number refused by the unique constraint inside a savepoint, and documents by organisation."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from betal import bootstrap
from betal.domain.ids import new_id
from betal.domain.payables import (
    DocumentKind,
    DuplicateInvoice,
    InvoiceSource,
    InvoiceStatus,
    PaymentMeans,
    PaymentMeansKind,
    Supplier,
    SupplierBankChange,
    SupplierDocument,
    SupplierInvoice,
)
from betal.services.organisation import CreatedOrganisation

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_CLOCK = itertools.count(1_700_000_000_000)


def _next_id(prefix: str) -> str:
    """Ids in the order they are made (two made in one millisecond may otherwise sort either way)."""
    return new_id(prefix, now_ms=next(_CLOCK))


def a_supplier(
    org: CreatedOrganisation, name: str = "Kontorland A/S", cvr: str | None = "13748136"
) -> Supplier:
    return Supplier(
        _next_id("sup"), org.organisation.id, name, cvr, None, None, "0040", "0440116243", None, "DK", None,
        False, AT, AT,
    )  # fmt: skip


def an_invoice(supplier: Supplier, number: str = "F-1", means: PaymentMeans | None = None) -> SupplierInvoice:
    return SupplierInvoice(
        id=_next_id("sinv"), organisation_id=supplier.organisation_id, supplier_id=supplier.id,
        invoice_number=number, issue_date=date(2026, 3, 2), due_date=date(2026, 3, 16), currency="DKK",
        net_minor=100_000, vat_minor=25_000, gross_minor=125_000, means=means, source=InvoiceSource.TYPED,
        status=InvoiceStatus.BOOKED, description="Kontorartikler",
        lines=({"description": "Papir", "amount": 100_000, "quantity": "10"},), base_gross_minor=125_000,
        fx_rate=None, created_by="usr_1", created_at=AT, updated_at=AT,
    )  # fmt: skip


def _add(container: bootstrap.Container, *items: Supplier | SupplierInvoice) -> None:
    with container.uow() as uow:
        for item in items:
            if isinstance(item, Supplier):
                uow.suppliers.add(item)
            else:
                uow.supplier_invoices.add(item)
        uow.commit()


class TestSuppliers:
    def test_round_trip_lookups_and_pages(
        self, container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        first, second = a_supplier(org), a_supplier(org, "Nordlys Software ApS", None)
        theirs = a_supplier(other_org, "Kontorland A/S")
        _add(container, first, second, theirs)
        with container.uow() as uow:
            assert uow.suppliers.get(org.organisation.id, first.id) == first
            assert uow.suppliers.get(other_org.organisation.id, first.id) is None
            assert uow.suppliers.find_by_cvr(org.organisation.id, "13748136") == first
            assert uow.suppliers.find_by_name(org.organisation.id, "NORDLYS software aps") == second
            assert uow.suppliers.find_by_name(org.organisation.id, "Ukendt") is None
            assert [s.id for s in uow.suppliers.list_page(org.organisation.id, None, 10)] == [
                first.id,
                second.id,
            ]
            assert [s.id for s in uow.suppliers.list_page(org.organisation.id, first.id, 10)] == [second.id]

    def test_save_and_bank_changes_newest_first(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = a_supplier(org)
        _add(container, supplier)
        changed = replace(
            supplier, iban="DK5000400440116243", needs_dual_approval=True, bank_details_changed_at=AT
        )
        old = SupplierBankChange(
            _next_id("sbc"), org.organisation.id, supplier.id, {"iban": None}, {"iban": "X"}, None, AT
        )
        new = replace(old, id=_next_id("sbc"), changed_by="usr_2", created_at=AT.replace(minute=5))
        with container.uow() as uow:
            uow.suppliers.save(changed)
            uow.suppliers.add_bank_change(old)
            uow.suppliers.add_bank_change(new)
            uow.commit()
        with container.uow() as uow:
            assert uow.suppliers.get(org.organisation.id, supplier.id, for_update=True) == changed
            assert uow.suppliers.bank_changes(org.organisation.id, supplier.id) == [new, old]


class TestInvoices:
    def test_round_trip_with_means_and_lines(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = a_supplier(org)
        means = PaymentMeans(PaymentMeansKind.FI_CARD, "71", "85799665", "000000067097535")
        invoice = an_invoice(supplier, means=means)
        plain = an_invoice(supplier, "F-2")
        _add(container, supplier, invoice, plain)
        with container.uow() as uow:
            assert uow.supplier_invoices.get(org.organisation.id, invoice.id) == invoice
            assert uow.supplier_invoices.get(org.organisation.id, plain.id) == plain
            assert uow.supplier_invoices.get_by_number(org.organisation.id, supplier.id, "F-2") == plain
            uow.supplier_invoices.save(replace(invoice, status=InvoiceStatus.PAID))
            uow.commit()
        with container.uow() as uow:
            stored = uow.supplier_invoices.get(org.organisation.id, invoice.id, for_update=True)
            assert stored is not None
            assert (stored.status, stored.means) == (InvoiceStatus.PAID, means)

    def test_filters_and_pages(
        self, container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        mine, other_supplier, theirs = a_supplier(org), a_supplier(org, "B", None), a_supplier(other_org)
        first, second = (
            an_invoice(mine, "1"),
            replace(an_invoice(other_supplier, "2"), status=InvoiceStatus.PAID),
        )
        _add(container, mine, other_supplier, theirs, first, second, an_invoice(theirs, "1"))
        with container.uow() as uow:
            page = uow.supplier_invoices.list_page
            org_id = org.organisation.id
            assert [i.id for i in page(org_id, status=None, supplier_id=None, after_id=None, limit=9)] == [
                first.id, second.id,
            ]  # fmt: skip
            assert [i.id for i in page(org_id, status="paid", supplier_id=None, after_id=None, limit=9)] == [
                second.id
            ]
            assert [i.id for i in page(org_id, status=None, supplier_id=mine.id, after_id=None, limit=9)] == [
                first.id
            ]
            assert page(org_id, status=None, supplier_id=None, after_id=first.id, limit=9)[0].id == second.id

    def test_a_taken_number_is_a_conflict_and_the_unit_goes_on(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = a_supplier(org)
        first = an_invoice(supplier)
        _add(container, supplier, first)
        with container.uow() as uow:
            with pytest.raises(DuplicateInvoice) as caught:
                uow.supplier_invoices.add(
                    an_invoice(supplier)
                )  # the check the service makes first is skipped
            assert caught.value.existing_id == first.id
            assert caught.value.code == "supplier_invoice.duplicate"
            uow.supplier_invoices.add(an_invoice(supplier, "F-2"))  # the savepoint kept the unit usable
            uow.commit()
        with container.uow() as uow:
            assert uow.supplier_invoices.get_by_number(org.organisation.id, supplier.id, "F-2") is not None


class TestDocuments:
    def test_listed_without_content_and_read_by_organisation(
        self, container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        supplier = a_supplier(org)
        invoice = an_invoice(supplier)
        _add(container, supplier, invoice)
        xml = SupplierDocument(
            _next_id("sdoc"),
            org.organisation.id,
            invoice.id,
            DocumentKind.UBL,
            "F-1.xml",
            "application/xml",
            6,
            AT,
        )
        pdf = replace(
            xml,
            id=_next_id("sdoc"),
            kind=DocumentKind.PDF,
            filename="F-1.pdf",
            content_type="application/pdf",
        )
        with container.uow() as uow:
            uow.supplier_documents.add(xml, b"<x/>\n")
            uow.supplier_documents.add(pdf, b"%PDF-1")
            uow.commit()
        with container.uow() as uow:
            assert uow.supplier_documents.list_for_invoice(org.organisation.id, invoice.id) == [xml, pdf]
            assert uow.supplier_documents.list_for_invoice(other_org.organisation.id, invoice.id) == []
            assert uow.supplier_documents.content(org.organisation.id, invoice.id, pdf.id) == (pdf, b"%PDF-1")
            assert uow.supplier_documents.content(other_org.organisation.id, invoice.id, pdf.id) is None
            assert uow.supplier_documents.content(org.organisation.id, "sinv_other", pdf.id) is None
