"""Shared set-up for supplier and supplier-invoice tests: principals, a supplier, a typed invoice, the
e-invoice files in ``data/supplier_invoices`` and a count of everything a booking writes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import text

from betal.bootstrap import Container
from betal.domain.payables import Supplier, SupplierInvoice
from betal.domain.tenancy import Principal, Role
from betal.services import fx
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_means import MeansInput
from betal.services.supplier import SupplierInput, create_supplier
from betal.services.supplier_invoice import InvoiceInput, create_invoice

DATA = Path(__file__).parent / "data" / "supplier_invoices"
FIK71 = MeansInput(
    "fi_card", fi_card_type="71", fi_creditor_number="85799665", fi_payment_id="000000067097535"
)
WRITTEN = ("suppliers", "supplier_invoices", "supplier_documents", "journal_entries", "events", "audit_log")


def principal(org: CreatedOrganisation, role: Role = Role.BOOKKEEPER) -> Principal:
    return Principal(org.organisation.id, role, "user", "usr_bookkeeper")


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def make_supplier(container: Container, org: CreatedOrganisation, **values: str | None) -> Supplier:
    data = SupplierInput(**({"name": "Kontorland A/S", "cvr": "13748136"} | values))  # type: ignore[arg-type]
    with container.uow() as uow:
        return create_supplier(uow, principal(org), data)


def typed(supplier_id: str, **changes: object) -> InvoiceInput:
    """A DKK invoice of 1.250,00 with 250,00 VAT, paid by FI-kort 71."""
    data = InvoiceInput(
        supplier_id=supplier_id, invoice_number="F-1001", issue_date=date(2026, 3, 2),
        due_date=date(2026, 3, 16), currency="DKK", vat_minor=25_000, gross_minor=125_000, means=FIK71,
    )  # fmt: skip
    return replace(data, **changes)  # type: ignore[arg-type]


def book(container: Container, org: CreatedOrganisation, data: InvoiceInput) -> SupplierInvoice:
    with container.uow() as uow:
        return create_invoice(uow, principal(org), data)


def import_rates(container: Container) -> None:
    with container.uow() as uow:
        fx.import_rates(uow, load("eurofxref-2026-03.xml"))


def counts(container: Container) -> dict[str, int]:
    """Rows in every table a booking writes to: compared before and after a refused booking."""
    with container.engine.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()) for t in WRITTEN}
