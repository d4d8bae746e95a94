"""Schemas for suppliers and supplier invoices (API.md "Payables").

Amounts are strict integers in minor units (API.md "Money"); the schema checks types and sizes only: the
rules (bank details, totals, payment means, duplicates) are the services' (``services/supplier.py``,
``services/supplier_invoice.py``), so the API and the portal refuse the same things the same way.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt

from betal.api.schemas.base import AmountMinor, CurrencyCode, RequestModel, ResponseModel
from betal.domain.payables import PaymentMeans, PaymentOrder, Supplier, SupplierBankChange, SupplierDocument
from betal.formats.fi_line import FiPaymentLine, render
from betal.services.payment_means import MeansInput
from betal.services.supplier_invoice import InvoiceView, LineInput

Text40 = Annotated[str, Field(max_length=40)]
Quantity = Annotated[Decimal, Field(max_digits=18, decimal_places=6, allow_inf_nan=False)]


class DkAccount(RequestModel):
    reg_no: str = Field(max_length=6, description="4-digit registration number", examples=["0040"])
    account_no: str = Field(max_length=14, description="up to 10 digits", examples=["0440116243"])


class SupplierCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    cvr: str | None = Field(default=None, max_length=12)
    iban: str | None = Field(default=None, max_length=42)
    bic: str | None = Field(default=None, max_length=11)
    dk_account: DkAccount | None = None
    fi_creditor_number: str | None = Field(default=None, max_length=10, description="8 digits (FI-kort)")


class SupplierUpdate(RequestModel):
    """Fields sent replace the supplier's; ``null`` removes one. A change of bank details is recorded."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    cvr: str | None = Field(default=None, max_length=12)
    iban: str | None = Field(default=None, max_length=42)
    bic: str | None = Field(default=None, max_length=11)
    dk_account: DkAccount | None = None
    fi_creditor_number: str | None = Field(default=None, max_length=10)


class DkAccountRead(ResponseModel):
    reg_no: str
    account_no: str


class SupplierRead(ResponseModel):
    id: str
    name: str
    cvr: str | None
    iban: str | None
    bic: str | None
    dk_account: DkAccountRead | None
    fi_creditor_number: str | None
    country: str | None
    needs_dual_approval: bool = Field(
        description="its bank details changed: the next payment needs 2 approvals"
    )
    bank_details_changed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, supplier: Supplier) -> SupplierRead:
        account = None
        if supplier.dk_reg_no and supplier.dk_account_no:
            account = DkAccountRead(reg_no=supplier.dk_reg_no, account_no=supplier.dk_account_no)
        return cls(
            id=supplier.id, name=supplier.name, cvr=supplier.cvr, iban=supplier.iban, bic=supplier.bic,
            dk_account=account, fi_creditor_number=supplier.fi_creditor_number, country=supplier.country,
            needs_dual_approval=supplier.needs_dual_approval,
            bank_details_changed_at=supplier.bank_details_changed_at, created_at=supplier.created_at,
            updated_at=supplier.updated_at,
        )  # fmt: skip


class BankChangeRead(ResponseModel):
    id: str
    before: dict[str, Any]
    after: dict[str, Any]
    changed_by: str | None
    created_at: datetime

    @classmethod
    def of(cls, change: SupplierBankChange) -> BankChangeRead:
        return cls(
            id=change.id, before=change.before, after=change.after, changed_by=change.changed_by,
            created_at=change.created_at,
        )  # fmt: skip


class PaymentMeansWrite(RequestModel):
    kind: Literal["fi_card", "domestic", "iban"]
    fi_card_type: str | None = Field(default=None, max_length=2, description="71, 73, 75 or 04")
    fi_creditor_number: str | None = Field(default=None, max_length=10)
    fi_payment_id: str | None = Field(default=None, max_length=20, description="with its check digit")
    reg_no: str | None = Field(default=None, max_length=6)
    account_no: str | None = Field(default=None, max_length=14)
    iban: str | None = Field(default=None, max_length=42)
    bic: str | None = Field(default=None, max_length=11)

    def domain(self) -> MeansInput:
        return MeansInput(**self.model_dump())


class InvoiceLineWrite(RequestModel):
    description: str = Field(min_length=1, max_length=500)
    amount: StrictInt = Field(ge=-(10**12), le=10**12, description="the line's net amount in minor units")
    quantity: Quantity | None = None
    unit_price: Quantity | None = None
    vat_percent: Quantity | None = None

    def domain(self) -> LineInput:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return LineInput(
            self.description, self.amount, text(self.quantity), text(self.unit_price), text(self.vat_percent)
        )


class SupplierInvoiceCreate(RequestModel):
    supplier_id: Text40
    invoice_number: str = Field(min_length=1, max_length=100)
    issue_date: date
    due_date: date
    currency: CurrencyCode
    net_amount: StrictInt | None = Field(default=None, description="without VAT; default total - vat_amount")
    vat_amount: StrictInt = Field(ge=0, description="the input VAT, in minor units")
    total: AmountMinor = Field(description="with VAT: net_amount + vat_amount")
    lines: list[InvoiceLineWrite] = Field(default_factory=list, max_length=1000)
    payment_means: PaymentMeansWrite | None = None
    description: str | None = Field(default=None, max_length=500)


class PaymentMeansRead(ResponseModel):
    kind: str
    fi_card_type: str | None = None
    fi_creditor_number: str | None = None
    fi_payment_id: str | None = None
    fi_code_line: str | None = Field(default=None, description="the FI code line: +71<…+…<")
    reg_no: str | None = None
    account_no: str | None = None
    iban: str | None = None
    bic: str | None = None

    @classmethod
    def of(cls, means: PaymentMeans | None) -> PaymentMeansRead | None:
        if means is None:
            return None
        line = None
        if means.fi_card_type and means.fi_creditor_number:
            line = render(FiPaymentLine(means.fi_card_type, means.fi_payment_id, means.fi_creditor_number))
        return cls(
            kind=means.kind.value, fi_card_type=means.fi_card_type,
            fi_creditor_number=means.fi_creditor_number, fi_payment_id=means.fi_payment_id, fi_code_line=line,
            reg_no=means.reg_no,
            account_no=means.account_no, iban=means.iban, bic=means.bic,
        )  # fmt: skip


class SupplierDocumentRead(ResponseModel):
    id: str
    kind: str = Field(description="ubl or pdf")
    filename: str
    content_type: str
    size: int
    created_at: datetime
    url: str

    @classmethod
    def of(cls, document: SupplierDocument) -> SupplierDocumentRead:
        return cls(
            id=document.id, kind=document.kind.value, filename=document.filename,
            content_type=document.content_type, size=document.size, created_at=document.created_at,
            url=f"/v1/supplier-invoices/{document.supplier_invoice_id}/documents/{document.id}",
        )  # fmt: skip


class PaymentOrderSummary(ResponseModel):
    id: str
    type: str
    status: str
    amount: int
    currency: str
    execution_date: date

    @classmethod
    def of(cls, order: PaymentOrder) -> PaymentOrderSummary:
        return cls(
            id=order.id, type=order.type.value, status=order.status.value, amount=order.amount_minor,
            currency=order.currency, execution_date=order.execution_date,
        )  # fmt: skip


class SupplierInvoiceRead(ResponseModel):
    id: str
    supplier_id: str
    supplier_name: str
    invoice_number: str
    issue_date: date
    due_date: date
    currency: str
    net_amount: int
    vat_amount: int
    total: int
    base_total: int = Field(description="the total in DKK as booked (at the issue date's rate if foreign)")
    fx_rate: str | None = Field(description="DKK per unit used for a foreign invoice")
    status: str = Field(description="booked, paid or cancelled")
    source: str = Field(description="typed, oioubl or peppol")
    description: str | None
    lines: list[dict[str, Any]]
    payment_means: PaymentMeansRead | None = Field(
        description="where it is paid: the invoice's or the supplier's"
    )
    payment_means_source: str | None = Field(description="invoice or supplier")
    payable: bool = Field(description="whether a payment order can be made for it")
    payable_problem: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: InvoiceView) -> SupplierInvoiceRead:
        invoice = view.invoice
        return cls(
            id=invoice.id, supplier_id=invoice.supplier_id, supplier_name=view.supplier.name,
            invoice_number=invoice.invoice_number, issue_date=invoice.issue_date, due_date=invoice.due_date,
            currency=invoice.currency, net_amount=invoice.net_minor, vat_amount=invoice.vat_minor,
            total=invoice.gross_minor, base_total=invoice.base_gross_minor, fx_rate=invoice.fx_rate,
            status=invoice.status.value, source=invoice.source.value, description=invoice.description,
            lines=list(invoice.lines), payment_means=PaymentMeansRead.of(view.means),
            payment_means_source=view.means_source, payable=view.payable,
            payable_problem=view.payable_problem, created_at=invoice.created_at,
            updated_at=invoice.updated_at,
        )  # fmt: skip


class SupplierInvoiceDetail(SupplierInvoiceRead):
    documents: list[SupplierDocumentRead]
    payment_orders: list[PaymentOrderSummary] = Field(
        description="its orders that are not cancelled or failed"
    )

    @classmethod
    def of(cls, view: InvoiceView) -> SupplierInvoiceDetail:
        return cls(
            **SupplierInvoiceRead.of(view).model_dump(),
            documents=[SupplierDocumentRead.of(d) for d in view.documents],
            payment_orders=[PaymentOrderSummary.of(o) for o in view.orders],
        )
