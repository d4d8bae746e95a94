"""Payables: suppliers, their invoices, payment orders and the only legal moves of an order.

DESIGN.md "State machines": ``draft → awaiting_approval → approved → submitted → executed``;
``awaiting_approval → rejected``; ``submitted → failed``; ``approved|awaiting_approval → cancelled``.
A rejected order goes back to the bookkeeper, who may send it for approval again
(``rejected → awaiting_approval``) or cancel it (``rejected → cancelled``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from betal.domain.errors import Conflict, IllegalTransition


class PaymentMeansKind(StrEnum):
    FI_CARD = "fi_card"  # FI-kort 71/73/75 or giro 04: creditor number (+ payment id)
    DOMESTIC = "domestic"  # Danish reg.no. + account number
    IBAN = "iban"  # IBAN (+ BIC): SEPA in EUR, international otherwise


class OrderType(StrEnum):
    FI_CARD = "fi_card"
    DOMESTIC = "domestic"
    SEPA = "sepa"
    INTERNATIONAL = "international"


class InvoiceStatus(StrEnum):
    BOOKED = "booked"
    PAID = "paid"
    CANCELLED = "cancelled"


class InvoiceSource(StrEnum):
    TYPED = "typed"
    OIOUBL = "oioubl"
    PEPPOL = "peppol"


class OrderStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    SUBMITTED = "submitted"
    EXECUTED = "executed"
    REJECTED = "rejected"
    FAILED = "failed"
    CANCELLED = "cancelled"


OS = OrderStatus
ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OS.DRAFT: frozenset({OS.AWAITING_APPROVAL, OS.CANCELLED}),
    OS.AWAITING_APPROVAL: frozenset({OS.APPROVED, OS.REJECTED, OS.CANCELLED}),
    OS.APPROVED: frozenset({OS.SUBMITTED, OS.CANCELLED}),
    OS.SUBMITTED: frozenset({OS.EXECUTED, OS.FAILED}),
    OS.REJECTED: frozenset({OS.AWAITING_APPROVAL, OS.CANCELLED}),
    OS.EXECUTED: frozenset(),
    OS.FAILED: frozenset(),
    OS.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class PaymentMeans:
    """Where a supplier is paid: exactly the fields its kind needs."""

    kind: PaymentMeansKind
    fi_card_type: str | None = None  # 71 | 73 | 75 | 04
    fi_creditor_number: str | None = None
    fi_payment_id: str | None = None
    reg_no: str | None = None
    account_no: str | None = None
    iban: str | None = None
    bic: str | None = None


@dataclass(frozen=True)
class Supplier:
    id: str
    organisation_id: str
    name: str
    cvr: str | None
    iban: str | None
    bic: str | None
    dk_reg_no: str | None
    dk_account_no: str | None
    fi_creditor_number: str | None
    country: str | None
    bank_details_changed_at: datetime | None  # the last change after creation
    needs_dual_approval: bool  # set by a bank-details change, cleared when an order to it is executed
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SupplierInvoice:
    id: str
    organisation_id: str
    supplier_id: str
    invoice_number: str
    issue_date: date
    due_date: date
    currency: str
    net_minor: int
    vat_minor: int
    gross_minor: int
    means: PaymentMeans | None
    source: InvoiceSource
    status: InvoiceStatus
    description: str | None
    lines: tuple[dict[str, Any], ...]
    base_gross_minor: int  # the DKK value booked (at the invoice date's rate for a foreign invoice)
    fx_rate: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PaymentOrder:
    id: str
    organisation_id: str
    supplier_invoice_id: str
    supplier_id: str
    type: OrderType
    amount_minor: int
    currency: str
    requested_date: date  # what the bookkeeper asked for (the due date by default)
    execution_date: date  # a banking day, never in the past
    status: OrderStatus
    required_approvals: int
    fx_rate: str | None  # for a foreign-currency order: DKK per unit, and the day of the rate
    fx_rate_date: date | None
    dkk_amount_minor: int | None
    bank_file_id: str | None
    end_to_end_id: str
    rejection_comment: str | None
    failure_reason: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    payment_account_id: str | None = None  # the organisation's account it is paid from (set on approval)
    creditor: dict[str, Any] | None = None  # where it pays, as approved (payment-redirection defence)


def move_order(order: PaymentOrder, target: OrderStatus, now: datetime, **changes: Any) -> PaymentOrder:
    """The order in ``target`` state, or ``IllegalTransition`` (409)."""
    if target not in ORDER_TRANSITIONS[order.status]:
        raise IllegalTransition("payment_order", order.status.value, target.value)
    return replace(order, status=target, updated_at=now, **changes)


@dataclass(frozen=True)
class SupplierBankChange:
    """One change of a supplier's bank details: what they were, what they became, and who changed them."""

    id: str
    organisation_id: str
    supplier_id: str
    before: dict[str, Any]
    after: dict[str, Any]
    changed_by: str | None
    created_at: datetime


class DocumentKind(StrEnum):
    UBL = "ubl"  # the e-invoice as received
    PDF = "pdf"  # embedded in the UBL or uploaded


@dataclass(frozen=True)
class SupplierDocument:
    """A file of a supplier invoice (its content is read separately: it may be megabytes)."""

    id: str
    organisation_id: str
    supplier_invoice_id: str
    kind: DocumentKind
    filename: str
    content_type: str
    size: int
    created_at: datetime


class DuplicateInvoice(Conflict):
    """The same supplier's invoice number is booked already: the error names the invoice booked."""

    code = "supplier_invoice.duplicate"

    def __init__(self, existing_id: str, invoice_number: str) -> None:
        super().__init__(f"invoice {invoice_number} from this supplier is already booked as {existing_id}")
        self.existing_id = existing_id
