"""Payment means of supplier invoices: where an invoice is paid, checked before it is booked.

Spec: the payables issue, item 2 ("a missing or invalid payment means -> clear error");
shared/standards/danish-payments.md §1 (FI-kort: kortart, payment id with its Luhn check digit, creditor
number; checked by ``formats.fi_line``) and §2 (reg.no. + account, IBAN, BIC; ``domain.identifiers``).

- ``fi_card``: kortart 71, 73 or 75 with the 8-digit creditor number, or giro 04 with its giro account;
  71, 75 and 04 need a payment id whose check digit is right, 73 takes none. DKK only.
- ``domestic``: a Danish reg.no. and account number. DKK only.
- ``iban``: an IBAN, and a BIC if known. Any currency.
Each kind takes exactly its own fields; a field of another kind is refused rather than ignored.

An invoice without means of its own is paid where its supplier is (``supplier_means``): an IBAN first,
then a Danish account, then the FI creditor number (kortart 73). With neither, no payment order can be made.
"""

from __future__ import annotations

from dataclasses import dataclass

from betal.domain.errors import FieldProblem, InvalidInput
from betal.domain.identifiers import validate_bic, validate_dk_account, validate_iban
from betal.domain.ledger import BASE_CURRENCY
from betal.domain.payables import InvoiceStatus, PaymentMeans, PaymentMeansKind, Supplier, SupplierInvoice
from betal.formats.fi_line import FiLineError, FiPaymentLine

FI_CARD_TYPES = ("71", "73", "75", "04")
_FI_FIELDS = {"card_type": "fi_card_type", "payment_id": "fi_payment_id", "account": "fi_creditor_number"}
_KIND_FIELDS = {
    PaymentMeansKind.FI_CARD: frozenset({"fi_card_type", "fi_creditor_number", "fi_payment_id"}),
    PaymentMeansKind.DOMESTIC: frozenset({"reg_no", "account_no"}),
    PaymentMeansKind.IBAN: frozenset({"iban", "bic"}),
}
MEANS_FIELDS = ("fi_card_type", "fi_creditor_number", "fi_payment_id", "reg_no", "account_no", "iban", "bic")


@dataclass(frozen=True)
class MeansInput:
    kind: str
    fi_card_type: str | None = None
    fi_creditor_number: str | None = None
    fi_payment_id: str | None = None
    reg_no: str | None = None
    account_no: str | None = None
    iban: str | None = None
    bic: str | None = None


def _fi_card(means: MeansInput) -> PaymentMeans:
    card_type = means.fi_card_type or ""
    if card_type not in FI_CARD_TYPES:
        raise InvalidInput(
            f"the FI card type must be one of {', '.join(FI_CARD_TYPES)}", field="payment_means.fi_card_type"
        )
    try:
        line = FiPaymentLine(card_type, means.fi_payment_id or None, means.fi_creditor_number or "")
    except FiLineError as exc:
        field = f"payment_means.{_FI_FIELDS.get(exc.field, 'fi_payment_id')}"
        raise InvalidInput(exc.message, field=field, code="payment_means.invalid") from None
    return PaymentMeans(PaymentMeansKind.FI_CARD, card_type, line.account, line.payment_id)


def _domestic(means: MeansInput) -> PaymentMeans:
    account = validate_dk_account(
        means.reg_no or "", means.account_no or "", field="payment_means.account_no"
    )
    return PaymentMeans(PaymentMeansKind.DOMESTIC, reg_no=account.reg_no, account_no=account.account_no)


def _iban(means: MeansInput) -> PaymentMeans:
    iban = validate_iban(means.iban or "", field="payment_means.iban")
    bic = None if means.bic is None else validate_bic(means.bic, field="payment_means.bic")
    return PaymentMeans(PaymentMeansKind.IBAN, iban=iban, bic=bic)


_VALIDATE = {
    PaymentMeansKind.FI_CARD: _fi_card,
    PaymentMeansKind.DOMESTIC: _domestic,
    PaymentMeansKind.IBAN: _iban,
}


def validate_means(means: MeansInput, currency_code: str) -> PaymentMeans:
    """The checked means, or ``InvalidInput`` naming the field (``payment_means.fi_payment_id``)."""
    try:
        kind = PaymentMeansKind(means.kind)
    except ValueError:
        raise InvalidInput(
            "must be fi_card, domestic or iban", field="payment_means.kind", code="payment_means.invalid"
        ) from None
    extra = [
        name for name in MEANS_FIELDS if getattr(means, name) is not None and name not in _KIND_FIELDS[kind]
    ]
    if extra:
        problems = [FieldProblem(f"payment_means.{name}", f"is not used with {kind.value}") for name in extra]
        raise InvalidInput(problems[0].message, errors=problems, code="payment_means.invalid")
    if kind is not PaymentMeansKind.IBAN and currency_code != BASE_CURRENCY:
        raise InvalidInput(
            f"{kind.value} payments are in DKK only: pay a {currency_code} invoice to an IBAN",
            field="payment_means.kind", code="payment_means.currency",
        )  # fmt: skip
    return _VALIDATE[kind](means)


def supplier_means(supplier: Supplier, currency_code: str) -> PaymentMeans | None:
    """The supplier's own payment route for an invoice in ``currency_code``, if it has one.

    An IBAN first, then (for DKK) the Danish account, then the FI creditor number: the order in which
    ``services.payment_order`` picks them too.
    """
    dkk = currency_code == BASE_CURRENCY
    if supplier.iban:
        return PaymentMeans(PaymentMeansKind.IBAN, iban=supplier.iban, bic=supplier.bic)
    if dkk and supplier.dk_reg_no and supplier.dk_account_no:
        return PaymentMeans(
            PaymentMeansKind.DOMESTIC, reg_no=supplier.dk_reg_no, account_no=supplier.dk_account_no
        )
    if dkk and supplier.fi_creditor_number:
        return PaymentMeans(PaymentMeansKind.FI_CARD, "73", supplier.fi_creditor_number)
    return None


def effective_means(invoice: SupplierInvoice, supplier: Supplier) -> tuple[PaymentMeans | None, str | None]:
    """Where the invoice is paid: its own means, else its supplier's; and which of the two it was."""
    if invoice.means is not None:
        return invoice.means, "invoice"
    means = supplier_means(supplier, invoice.currency)
    return means, None if means is None else "supplier"


def payable_problem(invoice: SupplierInvoice, supplier: Supplier) -> str | None:
    """Why no payment order can be made for the invoice, or None when one can."""
    if invoice.status is not InvoiceStatus.BOOKED:
        return f"the invoice is {invoice.status.value}"
    if effective_means(invoice, supplier)[0] is None:
        return (
            "the invoice has no payment details and the supplier has no bank details for "
            f"{invoice.currency}: add them to the supplier"
        )
    return None
