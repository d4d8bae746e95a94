"""The portal's supplier and supplier-invoice forms: read the posted fields into the services' inputs, and
turn the problems the services report into keys ``templates/app/payables/_macros.html`` translates.

Spec: the payables issue, items 1, 2 and 9. Amounts are typed in Danish kroner notation ("1.234,50": "."
groups thousands, "," starts the decimals) and converted exactly, with ``Decimal``, into minor units. An
invoice's payment means are read only from the fields of the kind chosen, so a field left filled in from
another kind does not count.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from starlette.datastructures import UploadFile

from betal.domain.errors import BetalError, InvalidInput
from betal.domain.money import Money
from betal.domain.payables import PaymentMeans, Supplier
from betal.formats.fi_line import FiPaymentLine, render
from betal.services import supplier_document as documents
from betal.services.payment_means import MeansInput
from betal.services.supplier import SupplierInput
from betal.services.supplier_invoice import InvoiceInput

CURRENCIES = ("DKK", "EUR", "SEK", "NOK", "USD", "GBP")
SUPPLIER_FIELDS = ("name", "cvr", "iban", "bic", "dk_reg_no", "dk_account_no", "fi_creditor_number")
MEANS_KINDS = {
    "fi_card": ("fi_card_type", "fi_creditor_number", "fi_payment_id"),
    "domestic": ("reg_no", "account_no"),
    "iban": ("iban", "bic"),
}
_KRONER = re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CODE_KEYS = {
    "supplier_invoice.totals": "totals",
    "supplier_invoice.no_rate": "no_rate",
    "payment_means.currency": "means_currency",
}


def _text(form: dict[str, Any], name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def supplier_input(form: dict[str, Any]) -> SupplierInput:
    return SupplierInput(**{name: _text(form, name) for name in SUPPLIER_FIELDS})


def supplier_values(supplier: Supplier) -> dict[str, str]:
    """The edit form's fields filled in from the supplier."""
    return {name: getattr(supplier, name) or "" for name in SUPPLIER_FIELDS}


def field_errors(exc: InvalidInput) -> dict[str, str]:
    """Each problem's field with the key of its message (the field's own name unless the code says more)."""
    key = _CODE_KEYS.get(exc.code)
    return {p.field: key or p.field for p in exc.errors} or {"form": key or "form"}


def problems_of(exc: BetalError) -> list[str]:
    """The service's own words for each problem (an e-invoice's problems name their line)."""
    if isinstance(exc, InvalidInput) and exc.errors:
        return [p.message for p in exc.errors]
    return [exc.detail]


def _kroner(text: str | None, code: str, field: str, errors: dict[str, str], *, zero: bool) -> int:
    clean = (text or "").removesuffix("kr.").removesuffix("kr").strip()
    minor = None
    if _KRONER.fullmatch(clean):
        try:
            minor = Money.from_decimal(Decimal(clean.replace(".", "").replace(",", ".")), code).minor
        except InvalidInput:
            minor = None
    if minor is None or minor < (0 if zero else 1):
        errors[field] = "amount"
        return 0
    return minor


def _day(text: str | None, field: str, errors: dict[str, str]) -> date:
    try:
        if text and _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    errors[field] = "date" if text else "required"
    return date.min


def _means(form: dict[str, Any], errors: dict[str, str]) -> MeansInput | None:
    kind = _text(form, "means_kind")
    if kind is None:
        return None
    if kind not in MEANS_KINDS:
        errors["payment_means.kind"] = "payment_means.kind"
        return None
    values = {name: _text(form, f"means_{name}") for name in MEANS_KINDS[kind]}
    return MeansInput(kind, **values)


def invoice_input(form: dict[str, Any]) -> tuple[InvoiceInput | None, dict[str, str]]:
    """The typed-in invoice, or None with the errors of every field the form itself can check."""
    errors = {name: "required" for name in ("supplier_id", "invoice_number") if not _text(form, name)}
    code = _text(form, "currency") or ""
    if code not in CURRENCIES:
        errors["currency"] = "currency"
        code = "DKK"
    issue = _day(_text(form, "issue_date"), "issue_date", errors)
    due = _day(_text(form, "due_date"), "due_date", errors)
    total = _kroner(_text(form, "total"), code, "total", errors, zero=False)
    vat = _kroner(_text(form, "vat_amount") or "0", code, "vat_amount", errors, zero=True)
    means = _means(form, errors)
    if errors:
        return None, errors
    data = InvoiceInput(
        supplier_id=_text(form, "supplier_id") or "", invoice_number=_text(form, "invoice_number") or "",
        issue_date=issue, due_date=due, currency=code, vat_minor=vat, gross_minor=total, means=means,
        description=_text(form, "description"),
    )  # fmt: skip
    return data, {}


async def pdf_upload(upload: object) -> tuple[documents.NewDocument | None, dict[str, str]]:
    """The PDF chosen with the form, if any; a file that is not a PDF of at most 10 MB is an error."""
    if not isinstance(upload, UploadFile):
        return None, {}
    content = await upload.read()
    if not content and not upload.filename:
        return None, {}
    try:
        name = upload.filename or documents.PDF_NAME
        return documents.uploaded_pdf(name, upload.content_type or "", content), {}
    except InvalidInput:
        return None, {"pdf": "pdf"}


def code_line(means: PaymentMeans | None) -> str | None:
    """The FI code line (``+71<…+…<``) of FI-kort means, as the invoice shows it."""
    if means is None or not means.fi_card_type or not means.fi_creditor_number:
        return None
    return render(FiPaymentLine(means.fi_card_type, means.fi_payment_id, means.fi_creditor_number))
