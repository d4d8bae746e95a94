"""Supplier invoices as UBL 2.1 XML: OIOUBL 2.1 and Peppol BIS Billing 3.0, invoices and credit notes.

Spec: shared/standards/danish-payments.md §5 (DK-R-005..011, OIOUBL payment channels, the OIOUBL
``TaxExclusiveAmount`` convention), §1 (FI-kort payment ids) and §2 (Danish accounts, IBAN); Peppol BIS
Billing 3.0 (https://docs.peppol.eu/poacc/billing/3.0/); OASIS UBL 2.1. Described in docs/e-invoices.md.

``read(data)`` returns a checked :class:`UblInvoice` (supplier, number, dates, lines, VAT, totals,
payment means, embedded PDF) or raises :class:`UblError` with every problem and its line.
``write_peppol(invoice)`` and ``write_oioubl(invoice)`` write one back; ``compute`` gives the VAT
breakdown and totals of a new document. This package is pure: it imports nothing from betal outside
``formats``.
"""

from betal.formats.ubl.model import (
    OIOUBL,
    PEPPOL,
    AllowanceCharge,
    Amount,
    Attachment,
    Line,
    Party,
    PaymentMeans,
    Problem,
    TaxSubtotal,
    Totals,
    UblError,
    UblInvoice,
    exponent,
)
from betal.formats.ubl.reader import read
from betal.formats.ubl.totals import compute, vat
from betal.formats.ubl.writer import write_oioubl, write_peppol

__all__ = [
    "OIOUBL",
    "PEPPOL",
    "AllowanceCharge",
    "Amount",
    "Attachment",
    "Line",
    "Party",
    "PaymentMeans",
    "Problem",
    "TaxSubtotal",
    "Totals",
    "UblError",
    "UblInvoice",
    "compute",
    "exponent",
    "read",
    "vat",
    "write_oioubl",
    "write_peppol",
]
