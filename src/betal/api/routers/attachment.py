"""``/v1/payment-requests/{request_id}/attachments``: a PDF the payer sees with the request.

Spec: API.md "Receivables" (a payment request carries an ``attachment``) and "Conventions" (Idempotency-Key
on every POST, problem+json errors, another organisation's id answers 404). The body is the raw PDF
(``Content-Type: application/pdf``, at most 5 MB); its name comes from ``?filename=`` or the
``Content-Disposition`` header (RFC 6266), else ``dokument.pdf``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from betal.api.deps import PrincipalDep, UowDep
from betal.api.idempotency import respond, run_idempotent
from betal.api.schemas.base import ResponseModel
from betal.services import attachment as attachments

router = APIRouter(prefix="/v1", tags=["receivables"])
_FILENAME_STAR = re.compile(r"filename\*\s*=\s*UTF-8''([^;]+)", re.IGNORECASE)
_FILENAME = re.compile(r'filename\s*=\s*"?([^";]+)"?', re.IGNORECASE)
PDF_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}


class AttachmentRead(ResponseModel):
    id: str
    payment_request_id: str
    filename: str
    content_type: str
    size: int
    created_at: datetime


async def raw_body(request: Request) -> bytes:
    return await request.body()


def filename_of(request: Request, given: str | None) -> str:
    """``?filename=``, else the name in ``Content-Disposition`` (``filename*`` first), else the default."""
    if given:
        return given
    header = request.headers.get("content-disposition", "")
    star = _FILENAME_STAR.search(header)
    if star:
        return unquote(star.group(1).strip())
    plain = _FILENAME.search(header)
    return plain.group(1).strip() if plain else attachments.DEFAULT_FILENAME


@router.post(
    "/payment-requests/{request_id}/attachments",
    status_code=201,
    response_model=AttachmentRead,
    openapi_extra=PDF_BODY,
)
def add_attachment(
    request_id: str,
    request: Request,
    uow: UowDep,
    principal: PrincipalDep,
    body: Annotated[bytes, Depends(raw_body)],
    filename: Annotated[str | None, Query(max_length=255)] = None,
) -> Response:
    name = filename_of(request, filename)
    content_type = request.headers.get("content-type", "")
    fingerprint = b"\0".join([name.encode(), content_type.encode(), body])

    def action() -> tuple[int, object]:
        added = attachments.add_attachment(uow, principal, request_id, name, content_type, body)
        return respond(201, AttachmentRead.model_validate(added))

    return run_idempotent(request, uow, principal, fingerprint, action)


@router.get(
    "/payment-requests/{request_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the PDF"}},
)
def get_attachment(request_id: str, attachment_id: str, uow: UowDep, principal: PrincipalDep) -> Response:
    found, content = attachments.get_attachment(uow, principal, request_id, attachment_id)
    fallback = found.filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(found.filename)}"
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )
