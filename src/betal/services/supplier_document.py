"""The files of a supplier invoice: the e-invoice XML as received and the PDF (embedded in it or uploaded).

Spec: the payables issue, item 2 ("an attached PDF, embedded in the UBL or uploaded, is viewable");
docs/payables.md "Supplier invoices". A PDF is accepted only when it is one (ISO 32000-1:2008 §7.5.2: the
file starts with ``%PDF-``) and is at most ``MAX_BYTES``; its name is reduced to a safe base name
(``services.attachment.sanitise_filename``). Storing happens in the caller's transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from betal.domain.errors import InvalidInput
from betal.domain.ids import new_id
from betal.domain.payables import DocumentKind, SupplierDocument, SupplierInvoice
from betal.ports import UnitOfWork
from betal.services.attachment import PDF_MAGIC, sanitise_filename

PDF = "application/pdf"
XML = "application/xml"
PDF_NAME = "faktura.pdf"  # an upload without a name
MAX_BYTES = 10 * 1024 * 1024
_UNSAFE = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True)
class NewDocument:
    kind: DocumentKind
    filename: str
    content_type: str
    content: bytes


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_pdf(content: bytes) -> bool:
    return content.startswith(PDF_MAGIC) and len(content) <= MAX_BYTES


def uploaded_pdf(filename: str, content_type: str, content: bytes) -> NewDocument:
    """An uploaded PDF, or ``InvalidInput`` for another media type, non-PDF bytes or more than 10 MB."""
    if _media_type(content_type) != PDF:
        raise InvalidInput(
            "send the document as application/pdf", field="content_type", code="supplier_document.not_pdf"
        )
    if not content.startswith(PDF_MAGIC):
        raise InvalidInput(
            "the document is not a PDF file", field="content", code="supplier_document.not_pdf"
        )
    if len(content) > MAX_BYTES:
        raise InvalidInput(
            f"the document is larger than {MAX_BYTES // (1024 * 1024)} MB",
            field="content", code="supplier_document.too_large",
        )  # fmt: skip
    return NewDocument(DocumentKind.PDF, sanitise_filename(filename), PDF, content)


def embedded_pdf(filename: str | None, invoice_number: str, content: bytes) -> NewDocument | None:
    """The PDF an e-invoice carries, when it is a PDF of at most 10 MB (anything else is not kept)."""
    if not is_pdf(content):
        return None
    return NewDocument(DocumentKind.PDF, sanitise_filename(filename or f"{invoice_number}.pdf"), PDF, content)


def ubl_xml(invoice_number: str, content: bytes) -> NewDocument:
    """The e-invoice XML itself, named after the invoice number."""
    stem = _UNSAFE.sub("_", invoice_number).strip("._")[:100] or "faktura"
    return NewDocument(DocumentKind.UBL, f"{stem}.xml", XML, content)


def store(uow: UnitOfWork, invoice: SupplierInvoice, file: NewDocument) -> SupplierDocument:
    document = SupplierDocument(
        id=new_id("sdoc"), organisation_id=invoice.organisation_id, supplier_invoice_id=invoice.id,
        kind=file.kind, filename=file.filename, content_type=file.content_type, size=len(file.content),
        created_at=uow.clock.now(),
    )  # fmt: skip
    uow.supplier_documents.add(document, file.content)
    return document
