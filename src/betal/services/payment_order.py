"""Payment orders: pay a booked supplier invoice, one at a time or many at once; read, list and cancel.

Spec: the payables issue, item 3; API.md "Payables" (``POST /v1/payment-orders``); DESIGN.md "State
machines" (PaymentOrder) and "Money, time and identifiers"; docs/payables.md "Payment orders".

- The type follows the payment means (the invoice's, else the supplier's bank details) and the execution
  date the date asked for or the due date, on a banking day and never in the past: the rules are
  ``domain.payment_order``'s.
- A foreign-currency order records the FX rate of the day it was made, that day and the DKK amount.
- The order's id is its end-to-end id in the bank file (at most 35 characters).
- An invoice has at most one live order (cancelled and failed ones do not count). Many orders are made
  all or nothing: every problem is reported at once and nothing is written.
- Reading needs ``READ``; creating and cancelling need ``BOOK``. Each call is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from betal.domain.calendar import business_date
from betal.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from betal.domain.events import NewEvent
from betal.domain.ids import new_id
from betal.domain.payables import (
    InvoiceStatus,
    OrderStatus,
    PaymentMeans,
    PaymentOrder,
    Supplier,
    SupplierInvoice,
    move_order,
)
from betal.domain.payment_order import execution_dates, order_type
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork
from betal.services import fx
from betal.services.payment_means import effective_means

MAX_BULK = 500


@dataclass(frozen=True)
class NewPaymentOrder:
    supplier_invoice_id: str
    execution_date: date | None = None  # None: the invoice's due date


def means_for(invoice: SupplierInvoice, supplier: Supplier) -> PaymentMeans:
    """The invoice's payment means, else its supplier's (``services.payment_means``); ``InvalidInput``
    when there are none for the invoice's currency."""
    means, _ = effective_means(invoice, supplier)
    if means is None:
        raise InvalidInput(
            f"the invoice has no payment means and the supplier no bank details for {invoice.currency}",
            field="supplier_invoice_id",
            code="payment_order.no_payment_means",
        )
    return means


def _fx(
    uow: UnitOfWork, amount_minor: int, currency: str, day: date
) -> tuple[str | None, date | None, int | None]:
    """(rate in DKK per unit, the rate's day, the DKK amount) for a foreign order; all None for DKK."""
    if currency == "DKK":
        return None, None, None
    try:
        converted = fx.convert_on(uow, amount_minor, currency, "DKK", day)
    except NotFound as exc:
        raise InvalidInput(exc.detail, field="supplier_invoice_id", code=exc.code) from None
    return str(converted.rate), converted.rate_date, converted.amount_minor


def _payable_invoice(uow: UnitOfWork, org: str, invoice_id: str) -> tuple[SupplierInvoice, Supplier]:
    invoice = uow.supplier_invoices.get(org, invoice_id, for_update=True)
    supplier = None if invoice is None else uow.suppliers.get(org, invoice.supplier_id)
    if invoice is None or supplier is None:
        raise NotFound(f"no supplier invoice {invoice_id}", code="supplier_invoice.not_found")
    if invoice.status is not InvoiceStatus.BOOKED:
        raise Conflict(
            f"the invoice is {invoice.status.value}, not payable", code="supplier_invoice.not_payable"
        )
    live = uow.payment_orders.active_for_invoice(org, invoice.id)
    if live:
        raise Conflict(f"the invoice already has the payment order {live[0].id}", code="payment_order.exists")
    return invoice, supplier


def _prepare(uow: UnitOfWork, principal: Principal, data: NewPaymentOrder) -> PaymentOrder:
    """The order for one invoice, checked but not yet written (the invoice is locked until commit)."""
    org, now = principal.organisation_id, uow.clock.now()
    today = business_date(now)
    invoice, supplier = _payable_invoice(uow, org, data.supplier_invoice_id)
    kind = order_type(means_for(invoice, supplier), invoice.currency)
    requested, execution = execution_dates(data.execution_date, invoice.due_date, today)
    rate, rate_date, dkk_amount = _fx(uow, invoice.gross_minor, invoice.currency, today)
    order_id = new_id("pord")
    return PaymentOrder(
        id=order_id,
        organisation_id=org,
        supplier_invoice_id=invoice.id,
        supplier_id=supplier.id,
        type=kind,
        amount_minor=invoice.gross_minor,
        currency=invoice.currency,
        requested_date=requested,
        execution_date=execution,
        status=OrderStatus.DRAFT,
        required_approvals=1,
        bank_file_id=None,
        end_to_end_id=order_id,
        rejection_comment=None,
        failure_reason=None,
        created_by=principal.actor_id,
        created_at=now,
        updated_at=now,
        fx_rate=rate,
        fx_rate_date=rate_date,
        dkk_amount_minor=dkk_amount,
    )


def _add(uow: UnitOfWork, order: PaymentOrder) -> None:
    uow.payment_orders.add(order)
    uow.publish(NewEvent(order.organisation_id, "payment_order.created", snapshot(order)))
    uow.audit(
        order.organisation_id,
        "payment_order.created",
        "payment_order",
        order.id,
        supplier_invoice_id=order.supplier_invoice_id,
        amount=order.amount_minor,
        currency=order.currency,
        execution_date=order.execution_date.isoformat(),
    )


def snapshot(order: PaymentOrder) -> dict[str, object]:
    """The order as events carry it."""
    return {
        "id": order.id,
        "supplier_invoice_id": order.supplier_invoice_id,
        "supplier_id": order.supplier_id,
        "type": order.type.value,
        "status": order.status.value,
        "amount": order.amount_minor,
        "currency": order.currency,
        "execution_date": order.execution_date.isoformat(),
        "required_approvals": order.required_approvals,
        "rejection_comment": order.rejection_comment,
    }


def create_payment_order(uow: UnitOfWork, principal: Principal, data: NewPaymentOrder) -> PaymentOrder:
    principal.require(Permission.BOOK)
    order = _prepare(uow, principal, data)
    _add(uow, order)
    uow.commit()
    return order


def create_payment_orders(
    uow: UnitOfWork, principal: Principal, invoice_ids: Sequence[str], execution_date: date | None = None
) -> list[PaymentOrder]:
    """One order per invoice, all or nothing: every invoice's problem is reported, nothing is written."""
    principal.require(Permission.BOOK)
    if not 1 <= len(invoice_ids) <= MAX_BULK or len(set(invoice_ids)) != len(invoice_ids):
        raise InvalidInput(f"give 1 to {MAX_BULK} different invoice ids", field="supplier_invoice_ids")
    orders: list[PaymentOrder] = []
    problems: list[FieldProblem] = []
    for index, invoice_id in enumerate(invoice_ids):
        try:
            orders.append(_prepare(uow, principal, NewPaymentOrder(invoice_id, execution_date)))
        except (InvalidInput, NotFound, Conflict) as exc:
            problems.append(FieldProblem(f"supplier_invoice_ids.{index}", exc.detail))
    if problems:
        detail = f"{len(problems)} of {len(invoice_ids)} invoices cannot be paid; no order was made"
        raise InvalidInput(detail, errors=problems, code="payment_order.bulk_invalid")
    for order in orders:
        _add(uow, order)
    uow.commit()
    return orders


def get_payment_order(uow: UnitOfWork, principal: Principal, order_id: str) -> PaymentOrder:
    principal.require(Permission.READ)
    order = uow.payment_orders.get(principal.organisation_id, order_id)
    if order is None:
        raise NotFound(f"no payment order {order_id}", code="payment_order.not_found")
    return order


def list_payment_orders(
    uow: UnitOfWork, principal: Principal, *, status: str | None, after_id: str | None, limit: int
) -> list[PaymentOrder]:
    principal.require(Permission.READ)
    if status is not None and status not in {s.value for s in OrderStatus}:
        raise InvalidInput(f"is not one of {', '.join(s.value for s in OrderStatus)}", field="status")
    return uow.payment_orders.list_page(
        principal.organisation_id, status=status, after_id=after_id, limit=limit
    )


def cancel_payment_order(uow: UnitOfWork, principal: Principal, order_id: str) -> PaymentOrder:
    """Cancel an order not yet sent to the bank (draft, awaiting approval, approved or rejected)."""
    principal.require(Permission.BOOK)
    order = uow.payment_orders.get(principal.organisation_id, order_id, for_update=True)
    if order is None:
        raise NotFound(f"no payment order {order_id}", code="payment_order.not_found")
    cancelled = move_order(order, OrderStatus.CANCELLED, uow.clock.now())
    _record_cancel(uow, order, cancelled)
    uow.commit()
    return cancelled


def _record_cancel(uow: UnitOfWork, order: PaymentOrder, cancelled: PaymentOrder) -> None:
    uow.payment_orders.save(cancelled)
    uow.publish(NewEvent(order.organisation_id, "payment_order.cancelled", snapshot(cancelled)))
    uow.audit(
        order.organisation_id, "payment_order.cancelled", "payment_order", order.id, was=order.status.value
    )


def cancel_payment_orders(
    uow: UnitOfWork, principal: Principal, order_ids: Sequence[str]
) -> list[PaymentOrder]:
    """Cancel many orders, all or nothing: every order that cannot be cancelled is reported, none is."""
    principal.require(Permission.BOOK)
    if not 1 <= len(order_ids) <= MAX_BULK or len(set(order_ids)) != len(order_ids):
        raise InvalidInput(f"give 1 to {MAX_BULK} different payment order ids", field="payment_order_ids")
    now = uow.clock.now()
    locked = uow.payment_orders.get_many(principal.organisation_id, order_ids, for_update=True)
    found = {o.id: o for o in locked}
    moves: list[tuple[PaymentOrder, PaymentOrder]] = []
    problems: list[FieldProblem] = []
    for index, order_id in enumerate(order_ids):
        order = found.get(order_id)
        try:
            if order is None:
                raise NotFound(f"no payment order {order_id}", code="payment_order.not_found")
            moves.append((order, move_order(order, OrderStatus.CANCELLED, now)))
        except (NotFound, Conflict) as exc:
            problems.append(FieldProblem(f"payment_order_ids.{index}", exc.detail))
    if problems:
        detail = f"{len(problems)} of {len(order_ids)} payment orders cannot be cancelled; none was"
        raise InvalidInput(detail, errors=problems, code="payment_order.bulk_invalid")
    for order, cancelled in moves:
        _record_cancel(uow, order, cancelled)
    uow.commit()
    return [cancelled for _, cancelled in moves]


@dataclass(frozen=True)
class OrderView:
    """An order as the portal lists it: with its supplier's name and its invoice's number."""

    order: PaymentOrder
    supplier_name: str
    invoice_number: str


def order_views(uow: UnitOfWork, principal: Principal, orders: Sequence[PaymentOrder]) -> list[OrderView]:
    principal.require(Permission.READ)
    org, views = principal.organisation_id, []
    for order in orders:
        supplier = uow.suppliers.get(org, order.supplier_id)
        invoice = uow.supplier_invoices.get(org, order.supplier_invoice_id)
        views.append(
            OrderView(order, supplier.name if supplier else "", invoice.invoice_number if invoice else "")
        )
    return views


def ready_to_pay(uow: UnitOfWork, principal: Principal, limit: int) -> list[tuple[SupplierInvoice, Supplier]]:
    """Booked invoices, oldest first, with payment means and no live order: what can be paid now."""
    principal.require(Permission.READ)
    org, found = principal.organisation_id, []
    booked = uow.supplier_invoices.list_page(
        org, status="booked", supplier_id=None, after_id=None, limit=limit
    )
    for invoice in booked:
        supplier = uow.suppliers.get(org, invoice.supplier_id)
        if supplier is None or effective_means(invoice, supplier)[0] is None:
            continue
        if not uow.payment_orders.active_for_invoice(org, invoice.id):
            found.append((invoice, supplier))
    return found
