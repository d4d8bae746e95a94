"""Attachments of payment requests: the invoice PDF a business adds and the payer reads.

Spec: API.md "Receivables" (``POST /v1/payment-requests`` accepts ``attachment?``), DESIGN.md "Core
entities" (PaymentRequest … attachment). Only PDF documents (ISO 32000-1:2008 §7.5.2: a file starts with
the header ``%PDF-``) of at most ``MAX_BYTES`` are accepted, ``MAX_PER_REQUEST`` per request. The file
name is reduced to a plain base name (no directories, control or quoting characters) so it is safe in a
``Content-Disposition`` header and on the payer's disk. The payer reads an attachment through the signed
pay link or a logged-in inbox session; a business through its API key.
"""

from __future__ import annotations

import re
import unicodedata

from betal.domain.errors import InvalidInput, NotFound
from betal.domain.ids import new_id
from betal.domain.inbox import Attachment, PayerSession
from betal.domain.tenancy import Permission, Principal
from betal.ports import Signer, UnitOfWork
from betal.services.inbox import own_message
from betal.services.payment_request import request_from_token

PDF = "application/pdf"
PDF_MAGIC = b"%PDF-"
MAX_BYTES = 5 * 1024 * 1024
MAX_PER_REQUEST = 10
MAX_FILENAME = 120
DEFAULT_FILENAME = "dokument.pdf"
_UNSAFE = re.compile(r"[^\w.\- ()+,]")


def sanitise_filename(value: str) -> str:
    """A safe base name ending in ``.pdf``: ``"../../Faktura 12/3 \"x\".pdf"`` → ``"3 _x_.pdf"``."""
    text = unicodedata.normalize("NFC", value)
    base = re.split(r"[/\\]", text)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    base = " ".join(_UNSAFE.sub("_", base).split()).lstrip(". ")
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    stem = stem[: MAX_FILENAME - 4].rstrip(". ")
    return f"{stem}.pdf" if stem.strip("_") else DEFAULT_FILENAME


def _validate(content_type: str, content: bytes) -> None:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != PDF:
        raise InvalidInput(
            "send the document as application/pdf", field="content_type", code="attachment.not_pdf"
        )
    if not content.startswith(PDF_MAGIC):
        raise InvalidInput("the document is not a PDF file", field="content", code="attachment.not_pdf")
    if len(content) > MAX_BYTES:
        raise InvalidInput(
            f"the document is larger than {MAX_BYTES // (1024 * 1024)} MB",
            field="content",
            code="attachment.too_large",
        )


def add_attachment(
    uow: UnitOfWork,
    principal: Principal,
    request_id: str,
    filename: str,
    content_type: str,
    content: bytes,
) -> Attachment:
    """Attach a PDF to one of the organisation's requests (another organisation's is ``NotFound``)."""
    principal.require(Permission.BILL)
    org = principal.organisation_id
    request = uow.payment_requests.get(org, request_id)
    if request is None:
        raise NotFound(f"no payment request {request_id}", code="payment_request.not_found")
    _validate(content_type, content)
    if len(uow.attachments.list_for_request(request.id)) >= MAX_PER_REQUEST:
        raise InvalidInput(
            f"a request has at most {MAX_PER_REQUEST} attachments",
            field="content",
            code="attachment.too_many",
        )
    attachment = Attachment(
        id=new_id("att"), organisation_id=org, payment_request_id=request.id,
        filename=sanitise_filename(filename), content_type=PDF, size=len(content),
        created_at=uow.clock.now(),
    )  # fmt: skip
    uow.attachments.add(attachment, content)
    uow.audit(org, "attachment.added", "payment_request", request.id, attachment_id=attachment.id)
    uow.commit()
    return attachment


def get_attachment(
    uow: UnitOfWork, principal: Principal, request_id: str, attachment_id: str
) -> tuple[Attachment, bytes]:
    principal.require(Permission.READ)
    request = uow.payment_requests.get(principal.organisation_id, request_id)
    found = None if request is None else uow.attachments.content(request.id, attachment_id)
    if found is None:
        raise NotFound(f"no attachment {attachment_id}", code="attachment.not_found")
    return found


def attachment_by_token(
    uow: UnitOfWork, signer: Signer, token: str, attachment_id: str
) -> tuple[Attachment, bytes]:
    """An attachment of the request behind a signed pay link (tampered token: ``InvalidInput``)."""
    request = request_from_token(uow, signer, token)
    found = uow.attachments.content(request.id, attachment_id)
    if found is None:
        raise NotFound(f"no attachment {attachment_id}", code="attachment.not_found")
    return found


def message_attachment(
    uow: UnitOfWork, session: PayerSession, message_id: str, attachment_id: str
) -> tuple[Attachment, bytes]:
    """An attachment of one of the session's inbox messages, else ``NotFound``."""
    message = own_message(uow, session, message_id)
    request_id = message.payment_request_id
    found = None if request_id is None else uow.attachments.content(request_id, attachment_id)
    if found is None:
        raise NotFound(f"no attachment {attachment_id}", code="attachment.not_found")
    return found
