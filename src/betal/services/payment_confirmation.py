"""Confirmation of execution: the bank statement's debit that pays a submitted order.

Spec: the payables issue, item 6 ("the camt.053 entry confirms execution and books payables against
bank"); docs/payables.md "Execution"; docs/ledger.md (``payment_order_executed``). Reconciliation calls
``debit_allocations`` for the debits of an import (rule in ``domain.payment_execution``) and
``execute_order`` for each one found, in the import's transaction:

- the order ``executed`` and its invoice ``paid``; the supplier no longer needs two approvals (its changed
  bank details have now been paid to once, with two approvals);
- the posting: payables against bank; a foreign order leaves payables at the invoice's booked DKK value
  and takes the DKK the order was valued at (its recorded rate), the difference an exchange gain or loss;
- one usage record (``services.fees.meter_executed_payment``) and the event ``payment_order.executed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from betal.domain.banking import StatementEntry
from betal.domain.errors import NotFound
from betal.domain.events import NewEvent
from betal.domain.payables import InvoiceStatus, OrderStatus, move_order
from betal.domain.payment_execution import SubmittedOrder, is_debit_matchable, match_debits
from betal.domain.posting import payment_order_executed
from betal.domain.reconciliation import Allocation
from betal.ports import UnitOfWork
from betal.services.fees import meter_executed_payment
from betal.services.payment_order import snapshot


def debit_allocations(
    uow: UnitOfWork, organisation_id: str, entries: Sequence[StatementEntry]
) -> list[Allocation]:
    """The debits among ``entries`` that pay submitted orders of the organisation."""
    ids = sorted({e.end_to_end_id for e in entries if is_debit_matchable(e) and e.end_to_end_id})
    orders = uow.bank_files.submitted_orders(organisation_id, ids)
    by_e2e = {
        o.end_to_end_id: SubmittedOrder(o.id, o.end_to_end_id, o.amount_minor, o.currency) for o in orders
    }
    return match_debits(entries, by_e2e)


def execute_order(uow: UnitOfWork, organisation_id: str, order_id: str, match_id: str, day: date) -> None:
    """The order paid on ``day`` by the statement entry of ``match_id`` (module docstring)."""
    now = uow.clock.now()
    order = uow.payment_orders.get(organisation_id, order_id, for_update=True)
    invoice = None if order is None else uow.supplier_invoices.get(organisation_id, order.supplier_invoice_id)
    if order is None or invoice is None:
        raise NotFound(f"no payment order {order_id}", code="payment_order.not_found")
    executed = move_order(order, OrderStatus.EXECUTED, now)
    uow.payment_orders.save(executed)
    uow.supplier_invoices.save(replace(invoice, status=InvoiceStatus.PAID, updated_at=now))
    paid_base = order.amount_minor if order.currency == "DKK" else order.dkk_amount_minor
    uow.post(
        payment_order_executed(
            organisation_id,
            order.id,
            order.amount_minor,
            order.currency,
            invoice.base_gross_minor,
            invoice.base_gross_minor if paid_base is None else paid_base,
            day,
        )
    )
    supplier = uow.suppliers.get(organisation_id, order.supplier_id, for_update=True)
    if supplier is not None and supplier.needs_dual_approval:
        uow.suppliers.save(replace(supplier, needs_dual_approval=False, updated_at=now))
    meter_executed_payment(uow, organisation_id=organisation_id, payment_order_id=order.id, day=day)
    data = snapshot(executed) | {"bank_file_id": order.bank_file_id, "match_id": match_id,
                                 "executed_on": day.isoformat()}  # fmt: skip
    uow.publish(NewEvent(organisation_id, "payment_order.executed", data))
    uow.audit(organisation_id, "payment_order.executed", "payment_order", order.id, match_id=match_id)
