"""Posting rules: which accounts every money movement debits and credits (docs/ledger.md has the table).

Each function returns the ``JournalDraft`` for one flow; services hand it to ``uow.post`` in the same
transaction as the state change. Money received by a method goes through that method's clearing
account, and the bank statement line that brings it to the bank clears it (``bank_receipt``), so the
clearing accounts hold exactly what is on its way from a provider to the bank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from betal.domain.dunning import ChargeKind
from betal.domain.errors import InvalidInput
from betal.domain.ledger import CLEARING, AccountRole, JournalDraft, Line, compact, credit, debit
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest

R = AccountRole


def _draft(org: str, day: date, text: str, source: tuple[str, str], *lines: Line) -> JournalDraft:
    return JournalDraft(org, day, text[:200], source[0], source[1], compact(lines))


def request_issued(request: PaymentRequest, day: date) -> JournalDraft:
    """Receivables up by the amount; sales (net of the VAT it includes) and output VAT up."""
    cur, amount, vat = request.currency, request.amount_minor, request.vat_minor
    return _draft(
        request.organisation_id, day, f"Betalingsanmodning {request.reference or request.id}",
        ("payment_request", request.id),
        debit(R.RECEIVABLES, amount, cur), credit(R.SALES, amount - vat, cur), credit(R.OUTPUT_VAT, vat, cur),
    )  # fmt: skip


_CHARGE_ROLE = {
    ChargeKind.REMINDER_FEE: R.FEE_INCOME,
    ChargeKind.COMPENSATION: R.FEE_INCOME,
    ChargeKind.INTEREST: R.INTEREST_INCOME,
}


def charge_added(
    organisation_id: str, request_id: str, charge_id: str, kind: ChargeKind, amount_minor: int, currency: str,
    day: date,
) -> JournalDraft:  # fmt: skip
    """A reminder fee, compensation or interest added to what the customer owes (no VAT: renteloven)."""
    return _draft(
        organisation_id, day, f"{kind.value.replace('_', ' ').capitalize()} på {request_id}",
        ("charge", charge_id),
        debit(R.RECEIVABLES, amount_minor, currency), credit(_CHARGE_ROLE[kind], amount_minor, currency),
    )  # fmt: skip


def payment_received(
    organisation_id: str, payment_id: str, method: Method, applied_minor: int, overpaid_minor: int,
    currency: str, day: date,
) -> JournalDraft:  # fmt: skip
    """A payment succeeded: the method's clearing account up; receivables down, any excess owed back."""
    return _draft(
        organisation_id, day, f"Betaling {payment_id} ({method.value})", ("payment", payment_id),
        debit(CLEARING[method], applied_minor + overpaid_minor, currency),
        credit(R.RECEIVABLES, applied_minor, currency), credit(R.CUSTOMER_CREDIT, overpaid_minor, currency),
    )  # fmt: skip


def refund_paid(
    organisation_id: str, payment_id: str, method: Method, amount_minor: int, from_credit_minor: int,
    currency: str, day: date,
) -> JournalDraft:  # fmt: skip
    """Money paid back through the provider: an overpayment is settled first, the rest reduces sales."""
    if not 0 <= from_credit_minor <= amount_minor:
        raise InvalidInput("the refunded overpayment must be between 0 and the refund", field="amount")
    return _draft(
        organisation_id, day, f"Refusion af {payment_id}", ("payment", payment_id),
        debit(R.CUSTOMER_CREDIT, from_credit_minor, currency),
        debit(R.SALES, amount_minor - from_credit_minor, currency),
        credit(CLEARING[method], amount_minor, currency),
    )  # fmt: skip


def request_cancelled(request: PaymentRequest, day: date) -> JournalDraft:
    """What was still owed is written back: charges off their income account, the rest off sales."""
    cur = request.currency
    charges_left = request.outstanding_minor - request.principal_outstanding_minor
    return _draft(
        request.organisation_id, day, f"Annullering af {request.reference or request.id}",
        ("payment_request", request.id),
        debit(R.SALES, request.principal_outstanding_minor, cur), debit(R.FEE_INCOME, charges_left, cur),
        credit(R.RECEIVABLES, request.outstanding_minor, cur),
    )  # fmt: skip


@dataclass(frozen=True)
class Cleared:
    """Part of a bank credit that clears money held on a method's clearing account."""

    method: Method
    amount_minor: int


def bank_receipt(
    organisation_id: str, match_id: str, entry_amount_minor: int, currency: str, cleared: Sequence[Cleared],
    day: date,
) -> JournalDraft:  # fmt: skip
    """A bank credit matched: bank up, clearing down; what the provider kept is a fee.

    ``cleared`` says how much of which clearing account the credit settles; when the provider paid out
    less than it collected (a settlement net of fees), the difference is booked as provider fees.
    """
    total = sum(c.amount_minor for c in cleared)
    fee = total - entry_amount_minor
    if fee < 0:
        raise InvalidInput(
            "a bank credit cannot clear less than it brings in", field="amount", code="match.overpay"
        )
    lines = [debit(R.BANK, entry_amount_minor, currency), debit(R.PROVIDER_FEES, fee, currency)]
    lines += [credit(CLEARING[c.method], c.amount_minor, currency) for c in cleared]
    return _draft(
        organisation_id, day, f"Bankindbetaling, afstemning {match_id}", ("match", match_id), *lines
    )


def supplier_invoice_booked(
    organisation_id: str, invoice_id: str, supplier_name: str, gross_minor: int, vat_minor: int,
    currency: str, day: date, *, base_gross_minor: int | None = None, base_vat_minor: int | None = None,
) -> JournalDraft:  # fmt: skip
    """Expense and input VAT against payables; a foreign invoice carries its DKK value at the invoice date."""
    if not 0 <= vat_minor <= gross_minor:
        raise InvalidInput("VAT must be between 0 and the invoice total", field="vat")
    base_net = None if base_gross_minor is None else base_gross_minor - (base_vat_minor or 0)
    return _draft(
        organisation_id, day, f"Købsfaktura {supplier_name}", ("supplier_invoice", invoice_id),
        debit(R.EXPENSES, gross_minor - vat_minor, currency, base_net),
        debit(R.INPUT_VAT, vat_minor, currency, base_vat_minor),
        credit(R.PAYABLES, gross_minor, currency, base_gross_minor),
    )  # fmt: skip


def payment_order_executed(
    organisation_id: str, order_id: str, amount_minor: int, currency: str, booked_base_minor: int,
    paid_base_minor: int, day: date,
) -> JournalDraft:  # fmt: skip
    """Payables against bank. A foreign order passes through the conversion account in each currency.

    ``booked_base_minor`` is the DKK value at which the invoice sits in payables; ``paid_base_minor`` what
    the bank took in DKK. The difference is an exchange gain or loss.
    """
    if currency == "DKK":
        return _draft(
            organisation_id, day, f"Betalingsordre {order_id}", ("payment_order", order_id),
            debit(R.PAYABLES, amount_minor, currency), credit(R.BANK, amount_minor, currency),
        )  # fmt: skip
    difference = paid_base_minor - booked_base_minor  # > 0: it cost more DKK than booked, a loss
    return _draft(
        organisation_id, day, f"Betalingsordre {order_id} ({currency})", ("payment_order", order_id),
        debit(R.PAYABLES, amount_minor, currency, booked_base_minor),
        credit(R.FX_CONVERSION, amount_minor, currency, booked_base_minor),
        debit(R.FX_CONVERSION, paid_base_minor, "DKK"),
        credit(R.BANK, paid_base_minor, "DKK"),
        debit(R.FX_LOSSES, max(difference, 0), "DKK"),
        credit(R.FX_GAINS, max(-difference, 0), "DKK"),
        Line(R.FX_CONVERSION, -difference, "DKK"),  # takes back the loss (or gives back the gain)
    )  # fmt: skip
