"""Booking typed-in supplier invoices: checks before anything is written, the journal entry, the event and
audit entry of the booking, duplicates (also racing), foreign currency at the ECB rate, reading and the
invoice's PDF documents."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest

from betal import bootstrap
from betal.domain.errors import Forbidden, InvalidInput, NotFound
from betal.domain.ledger import ROLE_CODES, AccountRole
from betal.domain.payables import (
    DocumentKind,
    DuplicateInvoice,
    InvoiceStatus,
    PaymentMeans,
    PaymentMeansKind,
)
from betal.domain.tenancy import Role
from betal.services import supplier_invoice as invoices
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_means import MeansInput
from betal.services.supplier_invoice import LineInput
from tests.services.payables_support import (
    book,
    counts,
    import_rates,
    make_supplier,
    principal,
    typed,
)

PDF = b"%PDF-1.4\n%%EOF\n"


def _postings(container: bootstrap.Container, org: CreatedOrganisation, invoice_id: str) -> dict[str, tuple]:
    with container.uow() as uow:
        (entry,) = uow.ledger.for_source(org.organisation.id, "supplier_invoice", invoice_id)
    return {p.account_code: (p.currency, p.amount_minor, p.base_minor) for p in entry.postings}


class TestBook:
    def test_booked_with_journal_entry_event_and_audit(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = make_supplier(container, org)
        lines = (LineInput("Kopipapir", 60_000, "10", "60.00", "25"), LineInput("Toner", 40_000))
        invoice = book(container, org, typed(supplier.id, lines=lines, description="  Kontor  marts "))
        assert invoice.id.startswith("sinv_")
        assert (invoice.net_minor, invoice.vat_minor, invoice.gross_minor) == (100_000, 25_000, 125_000)
        assert (invoice.status, invoice.base_gross_minor, invoice.fx_rate) == (
            InvoiceStatus.BOOKED,
            125_000,
            None,
        )
        assert invoice.description == "Kontor marts"
        assert invoice.means == PaymentMeans(PaymentMeansKind.FI_CARD, "71", "85799665", "000000067097535")
        assert invoice.lines == (
            {
                "description": "Kopipapir",
                "amount": 60_000,
                "quantity": "10",
                "unit_price": "60.00",
                "vat_percent": "25",
            },
            {"description": "Toner", "amount": 40_000},
        )
        assert invoice.created_by == "usr_bookkeeper"
        assert _postings(container, org, invoice.id) == {
            ROLE_CODES[AccountRole.EXPENSES]: ("DKK", 100_000, 100_000),
            ROLE_CODES[AccountRole.INPUT_VAT]: ("DKK", 25_000, 25_000),
            ROLE_CODES[AccountRole.PAYABLES]: ("DKK", -125_000, -125_000),
        }
        with container.uow() as uow:
            events = uow.events.list_for_subjects(org.organisation.id, [invoice.id], 10)
            audit = uow.audit_log.list_for_target(org.organisation.id, invoice.id)
        assert [(e.type, e.data["total"], e.data["due_date"]) for e in events] == [
            ("supplier_invoice.booked", 125_000, "2026-03-16")
        ]
        assert [(a.action, a.details["invoice_number"]) for a in audit] == [
            ("supplier_invoice.booked", "F-1001")
        ]

    def test_net_amount_given_and_zero_vat(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = make_supplier(container, org)
        invoice = book(container, org, typed(supplier.id, net_minor=125_000, vat_minor=0, means=None))
        assert (invoice.net_minor, invoice.vat_minor, invoice.means) == (125_000, 0, None)

    @pytest.mark.parametrize(
        ("changes", "field", "code"),
        [
            ({"net_minor": 90_000}, "total", "supplier_invoice.totals"),
            ({"lines": (LineInput("Papir", 99_999),)}, "lines", "supplier_invoice.totals"),
            ({"vat_minor": 125_001}, "vat_amount", "invalid_input"),
            ({"vat_minor": -1}, "vat_amount", "invalid_input"),
            ({"gross_minor": 0}, "total", "amount.out_of_range"),
            ({"due_date": date(2026, 3, 1)}, "due_date", "invalid_input"),
            ({"invoice_number": "   "}, "invoice_number", "invalid_input"),
            ({"invoice_number": "F" * 101}, "invoice_number", "invalid_input"),
            ({"currency": "XYZ"}, "currency", "currency.unknown"),
            ({"description": "x\u0000y"}, "description", "invalid_input"),
            ({"supplier_id": "sup_nope"}, "supplier_id", "invalid_input"),
            ({"means": MeansInput("fi_card", fi_card_type="71", fi_creditor_number="85799665",
                                  fi_payment_id="000000067097536")}, "payment_means.fi_payment_id",
             "payment_means.invalid"),
            ({"means": MeansInput("iban", iban="DK5000400440116244")}, "payment_means.iban", "iban.invalid"),
            ({"currency": "EUR"}, "payment_means.kind", "payment_means.currency"),
        ],
    )  # fmt: skip
    def test_refused_and_nothing_written(
        self, container: bootstrap.Container, org: CreatedOrganisation, changes: dict[str, object],
        field: str, code: str,
    ) -> None:  # fmt: skip
        supplier = make_supplier(container, org)
        before = counts(container)
        with pytest.raises(InvalidInput) as caught:
            book(container, org, replace(typed(supplier.id), **changes))  # type: ignore[arg-type]
        assert [p.field for p in caught.value.errors] == [field]
        assert caught.value.code == code
        assert counts(container) == before

    def test_another_organisations_supplier_is_unknown(
        self, container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        theirs = make_supplier(container, other_org)
        with pytest.raises(InvalidInput) as caught:
            book(container, org, typed(theirs.id))
        assert caught.value.errors[0].field == "supplier_id"

    def test_a_duplicate_names_the_invoice_booked(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier, other = make_supplier(container, org), make_supplier(container, org, name="B", cvr=None)
        first = book(container, org, typed(supplier.id))
        before = counts(container)
        with pytest.raises(DuplicateInvoice) as caught:
            book(container, org, typed(supplier.id, means=None, gross_minor=999_00))
        assert caught.value.existing_id == first.id
        assert first.id in caught.value.detail
        assert counts(container) == before
        assert book(container, org, typed(other.id)).invoice_number == "F-1001"  # another supplier's number

    @pytest.mark.parametrize("role", [Role.VIEWER, Role.APPROVER])
    def test_only_roles_that_book(
        self, container: bootstrap.Container, org: CreatedOrganisation, role: Role
    ) -> None:
        supplier = make_supplier(container, org)
        with container.uow() as uow, pytest.raises(Forbidden):
            invoices.create_invoice(uow, principal(org, role), typed(supplier.id))


@pytest.mark.postgres
def test_two_bookings_racing_one_wins(
    backend: str, container: bootstrap.Container, org: CreatedOrganisation
) -> None:
    """Both pass the duplicate check before either commits; the unique constraint decides (PostgreSQL)."""
    supplier = make_supplier(container, org)
    checked = threading.Barrier(2)
    outcomes: list[object] = []

    def run() -> None:
        with container.uow() as uow:
            get_by_number = uow.supplier_invoices.get_by_number

            waited: list[bool] = []

            def checked_then_wait(*args: str) -> object:
                found = get_by_number(*args)
                if not waited:  # the service's check, not the repository's look-up after the conflict
                    waited.append(True)
                    checked.wait(timeout=10)
                return found

            uow.supplier_invoices.get_by_number = checked_then_wait  # type: ignore[method-assign]
            try:
                outcomes.append(invoices.create_invoice(uow, principal(org), typed(supplier.id)))
            except DuplicateInvoice as exc:
                outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    booked = [o for o in outcomes if not isinstance(o, DuplicateInvoice)]
    refused = [o for o in outcomes if isinstance(o, DuplicateInvoice)]
    assert (len(booked), len(refused)) == (1, 1), outcomes
    assert refused[0].existing_id == booked[0].id  # type: ignore[attr-defined]


class TestForeignCurrency:
    def test_valued_at_the_issue_dates_rate(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        import_rates(container)
        supplier = make_supplier(container, org, iban="DE89370400440532013000")
        data = typed(supplier.id, currency="EUR", gross_minor=290_000, vat_minor=0, means=None,
                     issue_date=date(2026, 4, 2), due_date=date(2026, 4, 30))  # fmt: skip
        invoice = book(container, org, data)
        assert (invoice.base_gross_minor, invoice.fx_rate) == (2_163_429, "7.4601")  # the rate of 31 March
        assert _postings(container, org, invoice.id) == {
            ROLE_CODES[AccountRole.EXPENSES]: ("EUR", 290_000, 2_163_429),
            ROLE_CODES[AccountRole.PAYABLES]: ("EUR", -290_000, -2_163_429),
        }

    def test_vat_is_valued_too(self, container: bootstrap.Container, org: CreatedOrganisation) -> None:
        import_rates(container)
        supplier = make_supplier(container, org)
        data = typed(supplier.id, currency="USD", gross_minor=108_000, vat_minor=21_600, means=None,
                     issue_date=date(2026, 3, 31), due_date=date(2026, 4, 30))  # fmt: skip
        invoice = book(container, org, data)
        postings = _postings(container, org, invoice.id)
        assert sum(base for _, _, base in postings.values()) == 0
        assert postings[ROLE_CODES[AccountRole.PAYABLES]][2] == -invoice.base_gross_minor == -746_010
        assert postings[ROLE_CODES[AccountRole.INPUT_VAT]][2] == 149_202

    def test_without_a_rate_nothing_is_booked(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = make_supplier(container, org)
        before = counts(container)
        with pytest.raises(InvalidInput) as caught:
            book(container, org, typed(supplier.id, currency="SEK", means=None))
        assert caught.value.code == "supplier_invoice.no_rate"
        assert "import the ECB reference rates" in caught.value.detail
        assert counts(container) == before


class TestRead:
    def test_view_with_documents_and_means(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = make_supplier(container, org, dk_reg_no="0040", dk_account_no="0440116243")
        invoice = book(container, org, typed(supplier.id, means=None))
        with container.uow() as uow:
            document = invoices.add_document(
                uow, principal(org), invoice.id, "Faktura.pdf", "application/pdf", PDF
            )
        with container.uow() as uow:
            view = invoices.get_invoice(uow, principal(org, Role.VIEWER), invoice.id)
        assert (view.invoice, view.supplier.id, view.orders) == (invoice, supplier.id, [])
        assert view.documents == [document]
        assert (document.kind, document.filename, document.size) == (
            DocumentKind.PDF,
            "Faktura.pdf",
            len(PDF),
        )
        assert view.means == PaymentMeans(PaymentMeansKind.DOMESTIC, reg_no="0040", account_no="0440116243")
        assert (view.means_source, view.payable, view.payable_problem) == ("supplier", True, None)

    def test_an_invoice_without_any_means_is_booked_but_not_payable(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = make_supplier(container, org)
        invoice = book(container, org, typed(supplier.id, means=None))
        with container.uow() as uow:
            view = invoices.get_invoice(uow, principal(org), invoice.id)
        assert not view.payable
        assert "add them to the supplier" in (view.payable_problem or "")

    def test_list_filters(
        self, container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        first, second = make_supplier(container, org), make_supplier(container, org, name="B", cvr=None)
        a = book(container, org, typed(first.id))
        b = book(container, org, typed(second.id, means=None))
        book(container, other_org, typed(make_supplier(container, other_org).id))
        with container.uow() as uow:
            listed = invoices.list_invoices(
                uow, principal(org), status=None, supplier_id=None, after_id=None, limit=9
            )
            assert [(v.invoice.id, v.supplier.name, v.payable) for v in listed] == [
                (a.id, "Kontorland A/S", True), (b.id, "B", False),
            ]  # fmt: skip
            by_supplier = invoices.list_invoices(
                uow, principal(org), status="booked", supplier_id=second.id, after_id=None, limit=9
            )
            assert [v.invoice.id for v in by_supplier] == [b.id]
            assert (
                invoices.list_invoices(
                    uow, principal(org), status="paid", supplier_id=None, after_id=None, limit=9
                )
                == []
            )
            with pytest.raises(InvalidInput):
                invoices.list_invoices(
                    uow, principal(org), status="nope", supplier_id=None, after_id=None, limit=9
                )

    def test_another_organisations_invoice_and_document_are_not_found(
        self, container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        theirs = book(container, other_org, typed(make_supplier(container, other_org).id))
        with container.uow() as uow:
            document = invoices.add_document(
                uow, principal(other_org), theirs.id, "f.pdf", "application/pdf", PDF
            )
        with container.uow() as uow:
            with pytest.raises(NotFound):
                invoices.get_invoice(uow, principal(org), theirs.id)
            with pytest.raises(NotFound):
                invoices.get_document(uow, principal(org), theirs.id, document.id)
            with pytest.raises(NotFound):
                invoices.add_document(uow, principal(org), theirs.id, "f.pdf", "text/html", b"")
            assert invoices.get_document(uow, principal(other_org), theirs.id, document.id) == (document, PDF)
            with pytest.raises(NotFound):
                invoices.get_document(uow, principal(other_org), theirs.id, "sdoc_nope")

    def test_a_bad_document_writes_nothing(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        invoice = book(container, org, typed(make_supplier(container, org).id))
        before = counts(container)
        with container.uow() as uow, pytest.raises(InvalidInput) as caught:
            invoices.add_document(uow, principal(org), invoice.id, "f.pdf", "application/pdf", b"<html>")
        assert caught.value.code == "supplier_document.not_pdf"
        assert counts(container) == before
