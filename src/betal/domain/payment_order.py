"""Payment orders' rules: the kind of bank payment a payment means makes, and the execution date.

Spec: the payables issue, item 3; DESIGN.md "Money, time and identifiers" (execution dates that fall on a
Danish bank holiday or weekend move to the next banking day); EPC409-09 "SEPA schemes' geographical
scope"; shared/standards/danish-payments.md §1 (FI-kort card types) and §6 (banking days).

- ``order_type``: an FI-kort or giro payment is ``fi_card``; a Danish reg.no. + account, or a Danish IBAN
  in DKK, is ``domestic``; an IBAN of a SEPA country in EUR is ``sepa``; any other IBAN or currency is
  ``international``. FI-kort and Danish accounts are paid in DKK only.
- ``execution_dates``: the date asked for, or the due date, on the next banking day; never in the past (a
  date asked for in the past is refused; a due date already past gives today or the next banking day).
- ``execution_note``: why an order runs on another day than asked.
"""

from __future__ import annotations

from datetime import date, timedelta

from betal.domain.calendar import business_date, is_banking_day, next_banking_day
from betal.domain.errors import InvalidInput
from betal.domain.payables import OrderType, PaymentMeans, PaymentMeansKind, PaymentOrder

MAX_DAYS_AHEAD = 366
FI_CARD_TYPES = frozenset({"71", "73", "75", "04"})
# EPC "SEPA schemes' geographical scope" (EPC409-09, v. 2024): the EEA, Switzerland, the UK, Monaco,
# San Marino, Andorra, Vatican City and Albania, Moldova, Montenegro and North Macedonia.
_EEA = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IS IE IT LV LI LT LU MT NL NO PL PT RO SK SI ES SE"
SEPA_COUNTRIES = frozenset([*_EEA.split(" "), "CH", "GB", "MC", "SM", "AD", "VA", "AL", "MD", "ME", "MK"])


def _means_problem(means: PaymentMeans) -> str | None:
    if means.kind is PaymentMeansKind.FI_CARD:
        if means.fi_card_type not in FI_CARD_TYPES or not means.fi_creditor_number:
            return "the FI-kort payment means lacks its card type or creditor number"
        if means.fi_card_type != "73" and not means.fi_payment_id:
            return f"an FI-kort {means.fi_card_type} payment needs its payment id"
    elif means.kind is PaymentMeansKind.DOMESTIC and not (means.reg_no and means.account_no):
        return "the Danish account lacks its reg.no. or account number"
    elif means.kind is PaymentMeansKind.IBAN and not means.iban:
        return "the payment means lacks its IBAN"
    return None


def order_type(means: PaymentMeans, currency: str) -> OrderType:
    """The kind of bank payment for ``means`` in ``currency``; ``InvalidInput`` for one that cannot be."""
    problem = _means_problem(means)
    if problem is not None:
        raise InvalidInput(problem, field="supplier_invoice_id", code="payment_order.invalid_payment_means")
    if means.kind is PaymentMeansKind.IBAN:
        country = (means.iban or "")[:2]
        if country == "DK" and currency == "DKK":
            return OrderType.DOMESTIC
        if country in SEPA_COUNTRIES and currency == "EUR":
            return OrderType.SEPA
        return OrderType.INTERNATIONAL
    if currency != "DKK":
        raise InvalidInput(
            f"an FI-kort or Danish account payment is made in DKK, not {currency}",
            field="supplier_invoice_id",
            code="payment_order.invalid_payment_means",
        )
    return OrderType.FI_CARD if means.kind is PaymentMeansKind.FI_CARD else OrderType.DOMESTIC


def execution_dates(requested: date | None, due: date, today: date) -> tuple[date, date]:
    """(the date asked for, the banking day the order executes): never in the past."""
    if requested is not None:
        if requested < today:
            raise InvalidInput(
                f"the execution date {requested} is in the past (today is {today})",
                field="execution_date",
                code="payment_order.execution_date_in_past",
            )
        if requested > today + timedelta(days=MAX_DAYS_AHEAD):
            raise InvalidInput(
                f"the execution date must be within {MAX_DAYS_AHEAD} days",
                field="execution_date",
                code="payment_order.execution_date_too_late",
            )
        return requested, next_banking_day(requested)
    return due, next_banking_day(max(due, today))


def execution_note(order: PaymentOrder) -> str | None:
    """Why the order executes on another day than asked: ``due_date_passed`` (made after the due date),
    ``not_a_banking_day`` (moved to the next one) or ``approved_late`` (approved after its date)."""
    if order.execution_date == order.requested_date:
        return None
    if order.requested_date < business_date(order.created_at):
        return "due_date_passed"
    if not is_banking_day(order.requested_date) and order.execution_date == next_banking_day(
        order.requested_date
    ):
        return "not_a_banking_day"
    return "approved_late"
