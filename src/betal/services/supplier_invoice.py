"""Supplier invoices: typed in or read from an e-invoice, checked, booked, and paid from their payment means.

Spec: the payables issue, item 2; API.md "Payables" (``POST /v1/supplier-invoices``); docs/payables.md
"Supplier invoices". E-invoices are read by ``formats.ubl`` (OIOUBL 2.1 and Peppol BIS Billing 3.0).

- Booking is creating: the invoice is ``booked`` and the journal entry (expense and input VAT against
  payables, ``domain.posting.supplier_invoice_booked``) is posted in the same transaction, with the event
  ``supplier_invoice.booked`` and an audit entry. A foreign-currency invoice is valued in DKK at the ECB
  reference rate of its issue date (``services.fx``: the latest on or before it); without one the booking
  is refused (422 ``supplier_invoice.no_rate``) until the rates are imported.
- The same supplier's invoice number twice is refused (409 ``supplier_invoice.duplicate``, naming the
  invoice booked), also when two bookings race (the repository turns the unique constraint into the error).
- Totals must add up (net + VAT = total; the lines, when given, add up to the net amount). Payment means
  are validated: an FI payment id's check digit (``formats.fi_line``), the creditor number, IBAN and BIC,
  reg.no. and account number; FI-kort and Danish accounts take DKK only.
- An invoice without payment means uses its supplier's bank details; with neither it can still be booked,
  but no payment order can be made for it (``payable_problem`` says why).
- Every check runs before anything is written: a refused invoice leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from betal.domain.errors import InvalidInput, NotFound
from betal.domain.events import NewEvent
from betal.domain.ids import new_id
from betal.domain.ledger import BASE_CURRENCY
from betal.domain.money import currency, validate_amount
from betal.domain.payables import (
    DuplicateInvoice,
    InvoiceSource,
    InvoiceStatus,
    PaymentMeans,
    PaymentOrder,
    Supplier,
    SupplierDocument,
    SupplierInvoice,
)
from betal.domain.posting import supplier_invoice_booked
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork
from betal.services import fx
from betal.services import supplier_document as documents
from betal.services.payment_means import MeansInput, effective_means, payable_problem, validate_means
from betal.services.supplier import get_supplier

MAX_NUMBER = 100
MAX_DESCRIPTION = 500
MAX_LINES = 1000
_RATE_PLACES = Decimal("1E-10")


@dataclass(frozen=True)
class LineInput:
    description: str
    amount_minor: int  # the line's net amount
    quantity: str | None = None
    unit_price: str | None = None
    vat_percent: str | None = None
    unit_code: str | None = None


@dataclass(frozen=True)
class InvoiceInput:
    supplier_id: str
    invoice_number: str
    issue_date: date
    due_date: date
    currency: str
    vat_minor: int
    gross_minor: int
    net_minor: int | None = None  # net + VAT = gross; derived when not given
    lines: tuple[LineInput, ...] = ()
    means: MeansInput | None = None
    description: str | None = None


@dataclass(frozen=True)
class InvoiceView:
    """An invoice as the API and the portal show it: with its supplier, documents, orders and means."""

    invoice: SupplierInvoice
    supplier: Supplier
    documents: list[SupplierDocument]
    orders: list[PaymentOrder]
    means: PaymentMeans | None  # the invoice's own, else the supplier's
    means_source: str | None  # "invoice" | "supplier"
    payable_problem: str | None

    @property
    def payable(self) -> bool:
        return self.payable_problem is None


# -- Checking an invoice -----------------------------------------------------------------------------


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str | None:
    clean = None if value is None else " ".join(value.split())
    if not clean:
        if required:
            raise InvalidInput("must not be empty", field=field)
        return None
    if len(clean) > limit or not clean.isprintable():
        raise InvalidInput(f"must be at most {limit} printable characters", field=field)
    return clean


def _amounts(data: InvoiceInput, *, check_lines: bool) -> tuple[int, int, int]:
    """(net, VAT, gross), or ``InvalidInput`` (``supplier_invoice.totals``) when they do not add up."""
    gross = validate_amount(data.gross_minor, field="total")
    vat = data.vat_minor
    if not isinstance(vat, int) or isinstance(vat, bool) or not 0 <= vat <= gross:
        raise InvalidInput("must be an integer from 0 to the total", field="vat_amount")
    net = gross - vat if data.net_minor is None else data.net_minor
    if net + vat != gross:
        raise InvalidInput(
            f"net_amount + vat_amount must equal total: {net} + {vat} is {net + vat}, not {gross}",
            field="total", code="supplier_invoice.totals",
        )  # fmt: skip
    lines_total = sum(line.amount_minor for line in data.lines)
    if check_lines and data.lines and lines_total != net:
        raise InvalidInput(
            f"the lines add up to {lines_total}, not to the net amount {net}",
            field="lines", code="supplier_invoice.totals",
        )  # fmt: skip
    return net, vat, gross


def _line(line: LineInput) -> dict[str, object]:
    values = {
        "description": line.description[:500], "amount": line.amount_minor, "quantity": line.quantity,
        "unit_price": line.unit_price, "vat_percent": line.vat_percent, "unit_code": line.unit_code,
    }  # fmt: skip
    return {k: v for k, v in values.items() if v is not None}


def _checked(data: InvoiceInput, *, check_lines: bool) -> tuple[InvoiceInput, tuple[int, int, int]]:
    """The input with clean text and validated means, and its amounts; nothing is read or written."""
    number = _text(data.invoice_number, "invoice_number", MAX_NUMBER, required=True) or ""
    description = _text(data.description, "description", MAX_DESCRIPTION, required=False)
    code = currency(data.currency).code
    if data.due_date < data.issue_date:
        raise InvalidInput("the due date is before the issue date", field="due_date")
    if len(data.lines) > MAX_LINES:
        raise InvalidInput(f"an invoice has at most {MAX_LINES} lines", field="lines")
    amounts = _amounts(data, check_lines=check_lines)
    return replace(data, invoice_number=number, description=description, currency=code), amounts


# -- Booking -----------------------------------------------------------------------------------------


def _dkk(uow: UnitOfWork, code: str, day: date, gross: int, vat: int) -> tuple[int, int, str | None]:
    """The total and VAT in DKK at the ECB rate of ``day`` (the latest on or before it), and that rate."""
    if code == BASE_CURRENCY:
        return gross, vat, None
    try:
        total = fx.convert_on(uow, gross, code, BASE_CURRENCY, day)
        tax = fx.convert_on(uow, vat, code, BASE_CURRENCY, day)
    except NotFound as exc:
        raise InvalidInput(
            f"{exc.detail}: import the ECB reference rates, then book the invoice again",
            field="currency", code="supplier_invoice.no_rate",
        ) from None  # fmt: skip
    return total.amount_minor, tax.amount_minor, format(total.rate.quantize(_RATE_PLACES).normalize(), "f")


def book(
    uow: UnitOfWork, principal: Principal, data: InvoiceInput, *, source: InvoiceSource = InvoiceSource.TYPED,
    files: tuple[documents.NewDocument, ...] = (), check_lines: bool = True,
) -> SupplierInvoice:  # fmt: skip
    """Check and book an invoice with its files in the caller's transaction (no commit)."""
    principal.require(Permission.BOOK)
    org, now = principal.organisation_id, uow.clock.now()
    clean, (net, vat, gross) = _checked(data, check_lines=check_lines)
    means = None if clean.means is None else validate_means(clean.means, clean.currency)
    supplier = uow.suppliers.get(org, clean.supplier_id)
    if supplier is None:
        raise InvalidInput("no such supplier in this organisation", field="supplier_id")
    existing = uow.supplier_invoices.get_by_number(org, supplier.id, clean.invoice_number)
    if existing is not None:
        raise DuplicateInvoice(existing.id, clean.invoice_number)
    base_gross, base_vat, rate = _dkk(uow, clean.currency, clean.issue_date, gross, vat)
    invoice = SupplierInvoice(
        id=new_id("sinv"), organisation_id=org, supplier_id=supplier.id, invoice_number=clean.invoice_number,
        issue_date=clean.issue_date, due_date=clean.due_date, currency=clean.currency, net_minor=net,
        vat_minor=vat, gross_minor=gross, means=means, source=source, status=InvoiceStatus.BOOKED,
        description=clean.description, lines=tuple(_line(line) for line in clean.lines),
        base_gross_minor=base_gross, fx_rate=rate, created_by=principal.actor_id, created_at=now,
        updated_at=now,
    )  # fmt: skip
    uow.supplier_invoices.add(invoice)
    for file in files:
        documents.store(uow, invoice, file)
    foreign = rate is not None
    uow.post(
        supplier_invoice_booked(
            org, invoice.id, supplier.name, gross, vat, invoice.currency, invoice.issue_date,
            base_gross_minor=base_gross if foreign else None, base_vat_minor=base_vat if foreign else None,
        )
    )  # fmt: skip
    _booked(uow, invoice)
    return invoice


def _booked(uow: UnitOfWork, invoice: SupplierInvoice) -> None:
    data = {
        "id": invoice.id, "supplier_id": invoice.supplier_id, "invoice_number": invoice.invoice_number,
        "total": invoice.gross_minor, "currency": invoice.currency, "due_date": invoice.due_date.isoformat(),
        "source": invoice.source.value,
    }  # fmt: skip
    uow.publish(NewEvent(invoice.organisation_id, "supplier_invoice.booked", data))
    uow.audit(
        invoice.organisation_id, "supplier_invoice.booked", "supplier_invoice", invoice.id,
        supplier_id=invoice.supplier_id, invoice_number=invoice.invoice_number, total=invoice.gross_minor,
        currency=invoice.currency, source=invoice.source.value,
    )  # fmt: skip


def create_invoice(
    uow: UnitOfWork, principal: Principal, data: InvoiceInput, files: tuple[documents.NewDocument, ...] = ()
) -> SupplierInvoice:
    """Book a typed-in invoice, with its PDF if one is given (``supplier_document.uploaded_pdf``)."""
    invoice = book(uow, principal, data, files=files)
    uow.commit()
    return invoice


# -- Reading -----------------------------------------------------------------------------------------


def _invoice(uow: UnitOfWork, principal: Principal, invoice_id: str) -> SupplierInvoice:
    principal.require(Permission.READ)
    invoice = uow.supplier_invoices.get(principal.organisation_id, invoice_id)
    if invoice is None:
        raise NotFound(f"no supplier invoice {invoice_id}", code="supplier_invoice.not_found")
    return invoice


def _view(invoice: SupplierInvoice, supplier: Supplier) -> InvoiceView:
    means, source = effective_means(invoice, supplier)
    return InvoiceView(invoice, supplier, [], [], means, source, payable_problem(invoice, supplier))


def get_invoice(uow: UnitOfWork, principal: Principal, invoice_id: str) -> InvoiceView:
    """The invoice with its supplier, documents, payment orders and where it is paid."""
    invoice = _invoice(uow, principal, invoice_id)
    org = invoice.organisation_id
    return replace(
        _view(invoice, get_supplier(uow, principal, invoice.supplier_id)),
        documents=uow.supplier_documents.list_for_invoice(org, invoice.id),
        orders=uow.payment_orders.active_for_invoice(org, invoice.id),
    )


def list_invoices(
    uow: UnitOfWork, principal: Principal, *, status: str | None, supplier_id: str | None,
    after_id: str | None, limit: int,
) -> list[InvoiceView]:  # fmt: skip
    """A page of invoices, each with its supplier and where it is paid (no documents or orders)."""
    principal.require(Permission.READ)
    if status is not None and status not in {s.value for s in InvoiceStatus}:
        raise InvalidInput(f"must be one of {', '.join(s.value for s in InvoiceStatus)}", field="status")
    invoices = uow.supplier_invoices.list_page(
        principal.organisation_id, status=status, supplier_id=supplier_id, after_id=after_id, limit=limit
    )
    suppliers = {i: get_supplier(uow, principal, i) for i in {inv.supplier_id for inv in invoices}}
    return [_view(inv, suppliers[inv.supplier_id]) for inv in invoices]


def add_document(
    uow: UnitOfWork, principal: Principal, invoice_id: str, filename: str, content_type: str, content: bytes
) -> SupplierDocument:
    """Attach an uploaded PDF to an invoice (looked up first: another organisation's is ``NotFound``)."""
    principal.require(Permission.BOOK)
    invoice = _invoice(uow, principal, invoice_id)
    document = documents.store(uow, invoice, documents.uploaded_pdf(filename, content_type, content))
    uow.audit(
        invoice.organisation_id, "supplier_invoice.document_added", "supplier_invoice", invoice.id,
        document_id=document.id, kind=document.kind.value, size=document.size,
    )  # fmt: skip
    uow.commit()
    return document


def get_document(
    uow: UnitOfWork, principal: Principal, invoice_id: str, document_id: str
) -> tuple[SupplierDocument, bytes]:
    invoice = _invoice(uow, principal, invoice_id)
    found = uow.supplier_documents.content(invoice.organisation_id, invoice.id, document_id)
    if found is None:
        raise NotFound(f"no document {document_id}", code="supplier_document.not_found")
    return found
