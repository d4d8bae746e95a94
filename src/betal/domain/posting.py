"""Posting rules: which accounts every money movement debits and credits (docs/ledger.md has the table).

Each function returns the ``JournalDraft`` for one flow; services hand it to ``uow.post`` in the same
transaction as the state change. Money received by a method goes through that method's clearing
account, and the bank statement line that brings it to the bank clears it (``bank_receipt``), so the
clearing accounts hold exactly what is on its way from a provider to the bank.

Output VAT is booked when a request is issued (the amount includes it) and taken back pro rata when the
amount is written back or refunded. A line in a foreign currency without a DKK value is valued at the
entry date's rate when it is posted; a flow that settles an item booked earlier passes ``Fx`` so the item
leaves at its booked value and the difference becomes an exchange gain or loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from betal.domain.dunning import Charge, ChargeKind
from betal.domain.errors import InvalidInput
from betal.domain.ledger import (
    BASE_CURRENCY,
    CLEARING,
    AccountRole,
    JournalDraft,
    Line,
    compact,
    credit,
    debit,
    to_base,
)
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest

R = AccountRole


def _draft(org: str, day: date, text: str, source: tuple[str, str], *lines: Line) -> JournalDraft:
    return JournalDraft(org, day, text[:200], source[0], source[1], compact(lines))


# -- Foreign currency ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """What one item (a request) holds on one account, on the account's own side: amount and DKK value."""

    amount_minor: int
    base_minor: int

    def release(self, amount_minor: int) -> int | None:
        """The DKK value of taking ``amount_minor`` off the item, at the value it was booked at.

        All of it when the item closes, else its share, so an item settled in parts leaves no DKK behind;
        ``None`` when the item holds less than that (it was corrected by hand).
        """
        if not 0 < amount_minor <= self.amount_minor:
            return None
        if amount_minor == self.amount_minor:
            return self.base_minor
        return round(Fraction(self.base_minor * amount_minor, self.amount_minor))


@dataclass(frozen=True)
class Fx:
    """A flow in a foreign currency: the day's rate (DKK per unit) and what the item holds on the account
    the flow takes it off (receivables, or the customer's credit)."""

    rate: Decimal
    held: Held


def _at_rate(fx: Fx | None, amount_minor: int, currency: str) -> int | None:
    return None if fx is None or currency == BASE_CURRENCY else to_base(amount_minor, currency, fx.rate)


def _released(fx: Fx | None, amount_minor: int, currency: str) -> int | None:
    if fx is None or currency == BASE_CURRENCY:
        return None
    held = fx.held.release(amount_minor)
    return to_base(amount_minor, currency, fx.rate) if held is None else held


def _with_difference(fx: Fx | None, currency: str, lines: list[Line]) -> list[Line]:
    """Close the entry's DKK gap with an exchange gain or loss (a line with no foreign amount)."""
    if fx is None or currency == BASE_CURRENCY:
        return lines
    gap = sum(line.base for line in lines)  # debits exceed credits in DKK: the item was worth less
    if gap == 0:
        return lines
    return [*lines, Line(R.FX_GAINS if gap > 0 else R.FX_LOSSES, 0, currency, -gap)]


# -- VAT and charges ---------------------------------------------------------------------------------


def vat_share(request: PaymentRequest, principal_minor: int) -> int:
    """The output VAT included in ``principal_minor`` of the request's amount, rounded half to even.

    Taken cumulatively (VAT of everything written back so far minus VAT of what was before), parts add
    up to exactly the request's VAT.
    """
    if request.amount_minor == 0:
        return 0
    return round(Fraction(request.vat_minor * principal_minor, request.amount_minor))


_CHARGE_ROLE = {
    ChargeKind.REMINDER_FEE: R.FEE_INCOME,
    ChargeKind.COMPENSATION: R.FEE_INCOME,
    ChargeKind.INTEREST: R.INTEREST_INCOME,
}


_KIND_ORDER = {ChargeKind.COMPENSATION: 0, ChargeKind.REMINDER_FEE: 1, ChargeKind.INTEREST: 2}


def _charge_order(charge: Charge) -> tuple[datetime, int, date, str]:
    """The order charges are owed in (and paid): as added; of one reminder, the fee before its interest."""
    start = charge.period_start or charge.created_at.date()
    return charge.created_at, _KIND_ORDER[charge.kind], start, charge.id


def _latest_charges(charges: Sequence[Charge], skip_minor: int, take_minor: int) -> list[tuple[R, int]]:
    """``take_minor`` of the charges by income account, latest charge first, after skipping ``skip_minor``.

    Payments cover charges oldest first, so what is still owed (or paid back) is the latest. Any part the
    list does not cover (charges not given) is a reminder fee.
    """
    taken: list[tuple[R, int]] = []
    for charge in sorted(charges, key=_charge_order, reverse=True):
        passed = min(skip_minor, charge.amount_minor)
        skip_minor -= passed
        part = min(take_minor, charge.amount_minor - passed)
        if part:
            taken.append((_CHARGE_ROLE[charge.kind], part))
            take_minor -= part
    if take_minor:
        taken.append((R.FEE_INCOME, take_minor))
    return taken


# -- Receivables -------------------------------------------------------------------------------------


def _what(request: PaymentRequest) -> str:
    """How an entry names a request: its reference, else its description (the id is the entry's source)."""
    return request.reference or request.description


def request_issued(request: PaymentRequest, day: date) -> JournalDraft:
    """Receivables up by the amount; sales (net of the VAT it includes) and output VAT up."""
    cur, amount, vat = request.currency, request.amount_minor, request.vat_minor
    return _draft(
        request.organisation_id, day, f"Betalingsanmodning {_what(request)}",
        ("payment_request", request.id),
        debit(R.RECEIVABLES, amount, cur), credit(R.SALES, amount - vat, cur), credit(R.OUTPUT_VAT, vat, cur),
    )  # fmt: skip


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
    currency: str, day: date, *, fx: Fx | None = None,
) -> JournalDraft:  # fmt: skip
    """A payment succeeded: the method's clearing account up; receivables down, any excess owed back.

    In a foreign currency (``fx``) the money received is valued at the day's rate and the receivable
    leaves at the value it was booked at; the difference is an exchange gain or loss.
    """
    total = applied_minor + overpaid_minor
    lines = [
        debit(CLEARING[method], total, currency, _at_rate(fx, total, currency)),
        credit(R.RECEIVABLES, applied_minor, currency, _released(fx, applied_minor, currency)),
        credit(R.CUSTOMER_CREDIT, overpaid_minor, currency, _at_rate(fx, overpaid_minor, currency)),
    ]
    return _draft(
        organisation_id, day, f"Betaling {payment_id} ({method.value})", ("payment", payment_id),
        *_with_difference(fx, currency, lines),
    )  # fmt: skip


def refund_paid(
    request: PaymentRequest, payment_id: str, method: Method, amount_minor: int, day: date, *,
    credit_minor: int | None = None, charges: Sequence[Charge] = (), fx: Fx | None = None,
) -> JournalDraft:  # fmt: skip
    """Money paid back through the provider, from ``request`` as it stood before the refund.

    The overpayment is paid back first (off the customer's credit: ``credit_minor``, what the ledger holds
    for the request, or by default every overpayment not yet refunded); then the amount, as a credit note
    that takes back sales and the VAT they include; then the charges, latest first. In a foreign currency
    the credit leaves at the value it was booked at, the rest at the day's rate.
    """
    refundable = request.paid_minor + request.overpaid_minor - request.refunded_minor
    if not 0 < amount_minor <= refundable:
        raise InvalidInput(f"at most {refundable} can be refunded", field="amount", code="refund.too_large")
    cur = request.currency
    credit_left = max(
        0, request.overpaid_minor - request.refunded_minor if credit_minor is None else credit_minor
    )
    from_credit = min(amount_minor, credit_left)
    from_credit_before = min(request.refunded_minor, max(0, request.overpaid_minor - credit_left))
    earlier = request.refunded_minor - from_credit_before  # refunded before beyond the credit
    principal_paid = max(0, request.paid_minor - request.charges_minor)
    principal_before = min(principal_paid, earlier)
    principal = min(amount_minor - from_credit, principal_paid - principal_before)
    vat = vat_share(request, principal_before + principal) - vat_share(request, principal_before)
    from_charges = _latest_charges(
        charges, earlier - principal_before, amount_minor - from_credit - principal
    )
    lines = [
        debit(R.CUSTOMER_CREDIT, from_credit, cur, _released(fx, from_credit, cur)),
        debit(R.SALES, principal - vat, cur, _at_rate(fx, principal - vat, cur)),
        debit(R.OUTPUT_VAT, vat, cur, _at_rate(fx, vat, cur)),
        *(debit(role, part, cur, _at_rate(fx, part, cur)) for role, part in from_charges),
        credit(CLEARING[method], amount_minor, cur, _at_rate(fx, amount_minor, cur)),
    ]
    return _draft(
        request.organisation_id, day, f"Refusion af {payment_id}", ("payment", payment_id),
        *_with_difference(fx, cur, lines),
    )  # fmt: skip


def request_cancelled(
    request: PaymentRequest, day: date, charges: Sequence[Charge] = (), *, fx: Fx | None = None
) -> JournalDraft:
    """What was still owed is written back: the amount off sales and output VAT, charges off their income.

    ``charges`` are the request's charges (payments covered the oldest first); in a foreign currency the
    receivable leaves at the value it was booked at and the income accounts at the day's rate.
    """
    cur = request.currency
    principal = request.principal_outstanding_minor
    vat = request.vat_minor - vat_share(request, request.amount_minor - principal)
    uncovered = _latest_charges(charges, 0, request.outstanding_minor - principal)
    lines = [
        debit(R.SALES, principal - vat, cur, _at_rate(fx, principal - vat, cur)),
        debit(R.OUTPUT_VAT, vat, cur, _at_rate(fx, vat, cur)),
        *(debit(role, part, cur, _at_rate(fx, part, cur)) for role, part in uncovered),
        credit(R.RECEIVABLES, request.outstanding_minor, cur, _released(fx, request.outstanding_minor, cur)),
    ]
    return _draft(
        request.organisation_id, day, f"Annullering af {_what(request)}",
        ("payment_request", request.id), *_with_difference(fx, cur, lines),
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
