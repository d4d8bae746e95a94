"""Receipts: what a payer gets once a request is paid, as data for the receipt page and as a PDF.

Spec: DESIGN.md "Core entities" (Message → PaymentRequest → Payment → Receipt) and the payer issue
("Receipt page and PDF receipt after payment; the request becomes paid"). A receipt names the
organisation and its CVR number, the payer, what was paid for, the amount in Danish notation
(``Money.format``: ``1.234,50 DKK``), each settled payment (method, time, payment id) and the request id.
The PDF (ISO 32000, written with fpdf2) embeds a subset of DejaVu Sans (Debian ``fonts-dejavu-core``) so
æ, ø and å render; without that font it falls back to the PDF core font Helvetica (Latin-1 only).
Times are shown in Europe/Copenhagen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from betal.domain.errors import NotFound
from betal.domain.money import Money
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest, RequestStatus
from betal.ports import Signer, UnitOfWork
from betal.services.payment_request import request_from_token
from betal.services.pdf import FONT_DIR, DejaVuPdf

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
SETTLED = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED})  # refunded later: still was paid


@dataclass(frozen=True)
class ReceiptPayment:
    payment_id: str
    method: Method
    amount: Money
    paid_at: datetime


@dataclass(frozen=True)
class Receipt:
    request_id: str
    organisation_name: str
    organisation_cvr: str
    payer_name: str
    description: str
    reference: str | None
    amount_paid: Money
    paid_at: datetime
    payments: tuple[ReceiptPayment, ...]

    @property
    def method(self) -> Method | None:
        """How it was paid (the last settled payment); None when it was settled outside betal."""
        return self.payments[-1].method if self.payments else None

    @property
    def payment_id(self) -> str | None:
        return self.payments[-1].payment_id if self.payments else None


def request_receipt(uow: UnitOfWork, request: PaymentRequest) -> Receipt:
    """The receipt of a paid request; ``NotFound`` while it is not paid."""
    if request.status is not RequestStatus.PAID:
        raise NotFound("the request is not paid", code="receipt.not_found")
    org = request.organisation_id
    organisation = uow.organisations.get(org)
    customer = uow.customers.get(org, request.customer_id)
    assert organisation is not None  # a request's organisation and customer always exist
    assert customer is not None
    payments = tuple(
        ReceiptPayment(p.id, p.method, Money(p.amount_minor, p.currency), p.updated_at)
        for p in uow.payments.list_for_request(org, request.id)
        if p.status in SETTLED
    )
    total = sum(p.amount.minor for p in payments) if payments else request.paid_minor
    return Receipt(
        request_id=request.id, organisation_name=organisation.name, organisation_cvr=organisation.cvr,
        payer_name=customer.name, description=request.description, reference=request.reference,
        amount_paid=Money(total, request.currency),
        paid_at=payments[-1].paid_at if payments else request.updated_at, payments=payments,
    )  # fmt: skip


def receipt_by_token(uow: UnitOfWork, signer: Signer, token: str) -> Receipt:
    """The receipt behind a signed pay link (tampered token: ``InvalidInput``; unpaid: ``NotFound``)."""
    return request_receipt(uow, request_from_token(uow, signer, token))


LABELS = {
    "da": {
        "title": "Kvittering", "from": "Betalt til", "cvr": "CVR", "payer": "Betalt af",
        "description": "Beskrivelse", "reference": "Reference", "amount": "Betalt beløb",
        "date": "Betalt", "method": "Betalingsmetode", "payment_id": "Betalings-id",
        "request_id": "Betalingsanmodning", "outside": "Registreret som betalt",
        "footer": "Kvitteringen er udstedt af betal på vegne af {name}.",
    },
    "en": {
        "title": "Receipt", "from": "Paid to", "cvr": "CVR", "payer": "Paid by",
        "description": "Description", "reference": "Reference", "amount": "Amount paid",
        "date": "Paid", "method": "Payment method", "payment_id": "Payment id",
        "request_id": "Payment request", "outside": "Recorded as paid",
        "footer": "This receipt was issued by betal on behalf of {name}.",
    },
}  # fmt: skip
METHOD_NAMES = {
    "da": {
        Method.ACCOUNT_TO_ACCOUNT: "Bankoverførsel", Method.FI_CARD: "FI-kort (indbetalingskort)",
        Method.MOBILEPAY: "MobilePay", Method.CARD: "Betalingskort",
        Method.BETALINGSSERVICE: "Betalingsservice",
    },
    "en": {
        Method.ACCOUNT_TO_ACCOUNT: "Bank transfer", Method.FI_CARD: "FI card (payment slip)",
        Method.MOBILEPAY: "MobilePay", Method.CARD: "Payment card",
        Method.BETALINGSSERVICE: "Betalingsservice",
    },
}  # fmt: skip


def local_time(value: datetime, language: str) -> str:
    """``22. nov. 2026 09.41`` (da) / ``Nov 22, 2026 09:41`` (en), in Copenhagen time."""
    day = format_skeleton("yMMMd", value, tzinfo=COPENHAGEN, locale=language)
    return f"{day} {format_skeleton('Hm', value, tzinfo=COPENHAGEN, locale=language)}"


class _ReceiptPdf(DejaVuPdf):
    def row(self, label: str, value: str) -> None:
        self.set_font(self.font_name, "", 10)
        self.set_text_color(93, 104, 121)
        self.cell(55, 8, self.safe(label))
        self.set_text_color(21, 32, 51)
        self.multi_cell(0, 8, self.safe(value), new_x="LMARGIN", new_y="NEXT")


def _payment_rows(pdf: _ReceiptPdf, receipt: Receipt, language: str) -> None:
    labels, names = LABELS[language], METHOD_NAMES[language]
    if not receipt.payments:
        pdf.row(labels["date"], f"{local_time(receipt.paid_at, language)} ({labels['outside']})")
    for payment in receipt.payments:
        pdf.row(labels["method"], names[payment.method])
        pdf.row(labels["date"], local_time(payment.paid_at, language))
        pdf.row(labels["payment_id"], payment.payment_id)
        if len(receipt.payments) > 1:
            pdf.row(labels["amount"], payment.amount.format())


def render_pdf(receipt: Receipt, *, language: str = "da", font_dir: Path = FONT_DIR) -> bytes:
    """The receipt as a one-page A4 PDF (Danish unless ``language="en"``)."""
    labels = LABELS[language]
    pdf = _ReceiptPdf(font_dir)
    pdf.set_creation_date(receipt.paid_at)
    pdf.set_title(f"{labels['title']} {receipt.request_id}")
    pdf.set_author(pdf.safe(receipt.organisation_name))
    pdf.set_creator("betal")
    pdf.set_lang(language)
    pdf.add_page()
    pdf.set_margins(20, 20, 20)
    pdf.set_xy(20, 20)
    pdf.set_font(pdf.font_name, "B", 20)
    pdf.cell(0, 12, pdf.safe(labels["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.font_name, "B", 28)
    pdf.cell(0, 16, pdf.safe(receipt.amount_paid.format()), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.row(labels["from"], receipt.organisation_name)
    pdf.row(labels["cvr"], receipt.organisation_cvr)
    pdf.row(labels["payer"], receipt.payer_name)
    pdf.row(labels["description"], receipt.description)
    if receipt.reference:
        pdf.row(labels["reference"], receipt.reference)
    pdf.row(labels["amount"], receipt.amount_paid.format())
    _payment_rows(pdf, receipt, language)
    pdf.row(labels["request_id"], receipt.request_id)
    pdf.ln(8)
    pdf.set_font(pdf.font_name, "", 8)
    pdf.set_text_color(93, 104, 121)
    pdf.multi_cell(0, 5, pdf.safe(labels["footer"].format(name=receipt.organisation_name)))
    return bytes(pdf.output())
