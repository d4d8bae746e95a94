"""What betal reads from an OIOUBL 2.1 or Peppol BIS Billing 3.0 invoice or credit note, and its errors.

Spec: shared/standards/danish-payments.md §5 (payment information), §1 (FI-kort), §2 (accounts, IBAN).
The same model serves both profiles: profile quirks are resolved by the reader (OIOUBL's
``TaxExclusiveAmount`` holds the VAT total; here ``Totals.tax_exclusive`` is always the amount without
VAT), so callers never need to know which profile a document came in.

Money is an :class:`Amount`: integer minor units of the document currency, with the ``Decimal`` value
beside it. The currency exponents are ISO 4217's (List One, the codes whose minor unit is not 2), kept
here because this package imports nothing from betal outside ``formats``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

Profile = Literal["peppol", "oioubl"]
DocumentType = Literal["invoice", "credit_note"]
PaymentKind = Literal["fi_card", "domestic", "iban", "other"]

PEPPOL: Profile = "peppol"
OIOUBL: Profile = "oioubl"

# ISO 4217 minor-unit exponents other than 2 (every other currency has 2).
_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF"), 0),
    **dict.fromkeys(("UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def exponent(currency: str) -> int:
    """Number of minor-unit digits of ``currency`` (DKK and EUR 2, JPY 0, KWD 3)."""
    return _EXPONENTS.get(currency, 2)


@dataclass(frozen=True)
class Amount:
    """A money amount in the document currency: ``minor`` units, ``exponent`` digits after the point."""

    minor: int
    exponent: int = 2

    @property
    def value(self) -> Decimal:
        """The amount as a ``Decimal`` with exactly ``exponent`` decimals (``Decimal('2500.00')``)."""
        return Decimal(self.minor).scaleb(-self.exponent)

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class Party:
    """Supplier or buyer. ``cvr`` is the 8-digit Danish company number when one is given, else None."""

    name: str
    cvr: str | None = None
    endpoint_id: str | None = None
    endpoint_scheme: str | None = None
    vat_id: str | None = None  # PartyTaxScheme/CompanyID as written (DK12345674, or a DK:SE number)
    country: str | None = None  # PostalAddress/Country/IdentificationCode


@dataclass(frozen=True)
class Line:
    """One invoice or credit-note line; ``price`` is the unit price, which may carry more decimals."""

    id: str
    name: str
    quantity: Decimal
    line_extension: Amount
    description: str | None = None
    unit_code: str | None = None
    price: Decimal | None = None
    vat_category: str | None = None
    vat_percent: Decimal | None = None


@dataclass(frozen=True)
class AllowanceCharge:
    """A document-level allowance (``is_charge`` False, e.g. a discount) or charge (e.g. freight)."""

    is_charge: bool
    amount: Amount
    reason: str | None = None
    vat_category: str | None = None
    vat_percent: Decimal | None = None


@dataclass(frozen=True)
class TaxSubtotal:
    """VAT for one category and rate: ``tax`` is ``taxable`` × ``percent`` / 100, rounded."""

    category: str
    percent: Decimal | None
    taxable: Amount
    tax: Amount


@dataclass(frozen=True)
class Totals:
    """LegalMonetaryTotal plus the VAT total; ``tax_exclusive`` is without VAT in both profiles."""

    line_extension: Amount
    tax_exclusive: Amount
    tax: Amount
    tax_inclusive: Amount
    payable: Amount
    allowance: Amount
    charge: Amount
    prepaid: Amount
    payable_rounding: Amount


@dataclass(frozen=True)
class PaymentMeans:
    """How to pay, as the supplier asked.

    ``kind`` is ``fi_card`` (FI-kort 71/73/75 or giro 01/04/15: ``fi_creditor_number`` is the account
    after ``+`` on the code line, the 8-digit creditor number or the giro account), ``domestic`` (Danish
    reg.no. + account), ``iban`` (IBAN, maybe a BIC) or ``other`` (cash, card, direct debit, NemKonto:
    nothing for the payer to transfer to). ``payment_id`` is ``cbc:PaymentID`` as written.
    """

    code: str
    kind: PaymentKind
    channel: str | None = None
    fi_card_type: str | None = None
    fi_payment_id: str | None = None
    fi_creditor_number: str | None = None
    reg_no: str | None = None
    account_no: str | None = None
    iban: str | None = None
    bic: str | None = None
    due_date: date | None = None
    payment_id: str | None = None


@dataclass(frozen=True)
class Attachment:
    """An embedded PDF (``AdditionalDocumentReference/Attachment``), base64-decoded."""

    document_id: str
    filename: str | None
    content: bytes = field(repr=False)
    mime_code: str = "application/pdf"


@dataclass(frozen=True)
class UblInvoice:
    """An invoice or credit note whose totals, VAT and payment means have been checked."""

    profile: Profile
    document_type: DocumentType
    invoice_number: str
    issue_date: date
    due_date: date | None
    currency: str
    supplier: Party
    buyer: Party
    lines: tuple[Line, ...]
    tax_subtotals: tuple[TaxSubtotal, ...]
    totals: Totals
    payment_means: tuple[PaymentMeans, ...]
    allowance_charges: tuple[AllowanceCharge, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    buyer_reference: str | None = None
    billing_reference: str | None = None  # a credit note's credited invoice number

    @property
    def pdf(self) -> Attachment | None:
        """The first embedded PDF, the human-readable copy of the invoice, if there is one."""
        return self.attachments[0] if self.attachments else None


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a document: the element's line (None when unknown), a stable code, a reason."""

    line: int | None
    code: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason


class UblError(ValueError):
    """The document cannot be accepted; ``reason`` and ``line`` are the first problem's, ``problems`` all."""

    def __init__(
        self, reason: str, line: int | None = None, *, code: str = "invalid", field: str = "document"
    ) -> None:
        self.problems = [Problem(line, code, field, reason)]
        self.reason = reason
        self.line = line
        super().__init__(str(self.problems[0]))

    @classmethod
    def of(cls, problems: list[Problem]) -> UblError:
        """One error carrying every problem found, so a single upload reports them all."""
        first = problems[0]
        error = cls(first.reason, first.line, code=first.code, field=first.field)
        error.problems = list(problems)
        error.args = ("; ".join(str(p) for p in problems),)
        return error
