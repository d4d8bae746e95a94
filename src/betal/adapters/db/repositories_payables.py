"""SQLAlchemy repositories for suppliers (with their bank-detail history), supplier invoices and the
documents an invoice came with (the UBL XML and the PDF).

An invoice is unique per (organisation, supplier, invoice number). ``add`` inserts it inside a savepoint,
so a concurrent booking of the same invoice that wins the race turns into ``Conflict`` here, with the
unit of work still usable, instead of a database error (``DuplicateInvoice``).
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from betal.adapters.db.mapping import to_columns, to_domain
from betal.adapters.db.orm_payables import (
    SupplierBankChangeRow,
    SupplierDocumentRow,
    SupplierInvoiceRow,
    SupplierRow,
)
from betal.domain.payables import (
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

_MEANS_FIELDS = frozenset(f.name for f in fields(PaymentMeans))


class SqlAlchemySupplierRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, supplier: Supplier) -> None:
        self.session.add(SupplierRow(**to_columns(supplier)))
        self.session.flush()

    def save(self, supplier: Supplier) -> None:
        self.session.execute(
            update(SupplierRow).where(SupplierRow.id == supplier.id).values(**to_columns(supplier))
        )

    def get(self, organisation_id: str, supplier_id: str, *, for_update: bool = False) -> Supplier | None:
        query = select(SupplierRow).where(
            SupplierRow.id == supplier_id, SupplierRow.organisation_id == organisation_id
        )
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query.execution_options(populate_existing=True)).first()
        return None if row is None else to_domain(Supplier, row)

    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[Supplier]:
        query = select(SupplierRow).where(SupplierRow.organisation_id == organisation_id)
        if after_id is not None:
            query = query.where(SupplierRow.id > after_id)
        rows = self.session.scalars(query.order_by(SupplierRow.id).limit(limit))
        return [to_domain(Supplier, r) for r in rows]

    def find_by_cvr(self, organisation_id: str, cvr: str) -> Supplier | None:
        """The oldest supplier with this CVR number."""
        query = select(SupplierRow).where(
            SupplierRow.organisation_id == organisation_id, SupplierRow.cvr == cvr
        )
        row = self.session.scalars(query.order_by(SupplierRow.id).limit(1)).first()
        return None if row is None else to_domain(Supplier, row)

    def find_by_name(self, organisation_id: str, name: str) -> Supplier | None:
        """The oldest supplier with this name, ignoring case."""
        query = select(SupplierRow).where(
            SupplierRow.organisation_id == organisation_id, func.lower(SupplierRow.name) == name.lower()
        )
        row = self.session.scalars(query.order_by(SupplierRow.id).limit(1)).first()
        return None if row is None else to_domain(Supplier, row)

    def add_bank_change(self, change: SupplierBankChange) -> None:
        self.session.add(SupplierBankChangeRow(**to_columns(change)))
        self.session.flush()

    def bank_changes(self, organisation_id: str, supplier_id: str) -> list[SupplierBankChange]:
        """The supplier's bank-detail changes, newest first."""
        rows = self.session.scalars(
            select(SupplierBankChangeRow)
            .where(
                SupplierBankChangeRow.organisation_id == organisation_id,
                SupplierBankChangeRow.supplier_id == supplier_id,
            )
            .order_by(SupplierBankChangeRow.created_at.desc(), SupplierBankChangeRow.id.desc())
        )
        return [to_domain(SupplierBankChange, r) for r in rows]


def _means_json(means: PaymentMeans | None) -> dict[str, Any] | None:
    if means is None:
        return None
    return {k: v for k, v in asdict(means).items() if v is not None} | {"kind": means.kind.value}


def _means(data: dict[str, Any] | None) -> PaymentMeans | None:
    if data is None:
        return None
    values = {k: v for k, v in data.items() if k in _MEANS_FIELDS and k != "kind"}
    return PaymentMeans(PaymentMeansKind(data["kind"]), **values)


def _invoice(row: SupplierInvoiceRow) -> SupplierInvoice:
    return SupplierInvoice(
        id=row.id, organisation_id=row.organisation_id, supplier_id=row.supplier_id,
        invoice_number=row.invoice_number, issue_date=row.issue_date, due_date=row.due_date,
        currency=row.currency, net_minor=row.net_minor, vat_minor=row.vat_minor, gross_minor=row.gross_minor,
        means=_means(row.means), source=InvoiceSource(row.source), status=InvoiceStatus(row.status),
        description=row.description, lines=tuple(row.lines), base_gross_minor=row.base_gross_minor,
        fx_rate=row.fx_rate, created_by=row.created_by, created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


def _invoice_columns(invoice: SupplierInvoice) -> dict[str, Any]:
    return to_columns(invoice) | {"means": _means_json(invoice.means), "lines": list(invoice.lines)}


class SqlAlchemySupplierInvoiceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, invoice: SupplierInvoice) -> None:
        """Insert the invoice; ``Conflict`` (naming the one booked) when its number is taken meanwhile."""
        try:
            with self.session.begin_nested():
                self.session.add(SupplierInvoiceRow(**_invoice_columns(invoice)))
        except IntegrityError:
            existing = self.get_by_number(
                invoice.organisation_id, invoice.supplier_id, invoice.invoice_number
            )
            if existing is None:
                raise
            raise DuplicateInvoice(existing.id, invoice.invoice_number) from None

    def save(self, invoice: SupplierInvoice) -> None:
        self.session.execute(
            update(SupplierInvoiceRow)
            .where(SupplierInvoiceRow.id == invoice.id)
            .values(**_invoice_columns(invoice))
        )

    def get(
        self, organisation_id: str, invoice_id: str, *, for_update: bool = False
    ) -> SupplierInvoice | None:
        query = select(SupplierInvoiceRow).where(
            SupplierInvoiceRow.id == invoice_id, SupplierInvoiceRow.organisation_id == organisation_id
        )
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query.execution_options(populate_existing=True)).first()
        return None if row is None else _invoice(row)

    def get_by_number(
        self, organisation_id: str, supplier_id: str, invoice_number: str
    ) -> SupplierInvoice | None:
        row = self.session.scalars(
            select(SupplierInvoiceRow).where(
                SupplierInvoiceRow.organisation_id == organisation_id,
                SupplierInvoiceRow.supplier_id == supplier_id,
                SupplierInvoiceRow.invoice_number == invoice_number,
            )
        ).first()
        return None if row is None else _invoice(row)

    def list_page(
        self, organisation_id: str, *, status: str | None, supplier_id: str | None, after_id: str | None,
        limit: int,
    ) -> list[SupplierInvoice]:  # fmt: skip
        query = select(SupplierInvoiceRow).where(SupplierInvoiceRow.organisation_id == organisation_id)
        if status is not None:
            query = query.where(SupplierInvoiceRow.status == status)
        if supplier_id is not None:
            query = query.where(SupplierInvoiceRow.supplier_id == supplier_id)
        if after_id is not None:
            query = query.where(SupplierInvoiceRow.id > after_id)
        rows = self.session.scalars(query.order_by(SupplierInvoiceRow.id).limit(limit))
        return [_invoice(r) for r in rows]

    def open_until(self, organisation_id: str, issued_until: date) -> list[tuple[SupplierInvoice, str]]:
        """Booked invoices issued on or before the day, with their supplier's name (the payables aging)."""
        rows = self.session.execute(
            select(SupplierInvoiceRow, SupplierRow.name)
            .join(SupplierRow, SupplierRow.id == SupplierInvoiceRow.supplier_id)
            .where(
                SupplierInvoiceRow.organisation_id == organisation_id,
                SupplierInvoiceRow.status == InvoiceStatus.BOOKED.value,
                SupplierInvoiceRow.issue_date <= issued_until,
            )
            .order_by(SupplierInvoiceRow.id)
        )
        return [(_invoice(row), name) for row, name in rows]


class SqlAlchemySupplierDocumentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, document: SupplierDocument, content: bytes) -> None:
        self.session.add(SupplierDocumentRow(**to_columns(document), content=content))
        self.session.flush()

    def list_for_invoice(self, organisation_id: str, invoice_id: str) -> list[SupplierDocument]:
        """The invoice's documents, oldest first, without their content."""
        columns = [getattr(SupplierDocumentRow, f.name) for f in fields(SupplierDocument)]
        rows = self.session.execute(
            select(*columns)
            .where(
                SupplierDocumentRow.organisation_id == organisation_id,
                SupplierDocumentRow.supplier_invoice_id == invoice_id,
            )
            .order_by(SupplierDocumentRow.created_at, SupplierDocumentRow.id)
        )
        return [to_domain(SupplierDocument, r) for r in rows]

    def content(
        self, organisation_id: str, invoice_id: str, document_id: str
    ) -> tuple[SupplierDocument, bytes] | None:
        row = self.session.scalars(
            select(SupplierDocumentRow).where(
                SupplierDocumentRow.id == document_id,
                SupplierDocumentRow.organisation_id == organisation_id,
                SupplierDocumentRow.supplier_invoice_id == invoice_id,
            )
        ).first()
        return None if row is None else (to_domain(SupplierDocument, row), row.content)
