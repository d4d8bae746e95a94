"""``POST /v1/payment-requests/bulk``: a CSV or JSON file of payment requests, created by a job.

API.md "Receivables": ``text/csv`` or a JSON array (``application/json``) -> 202 with the job, whose
progress and result (rows created, row errors by line) ``GET /v1/jobs/{id}`` shows. The file format is
documented in ``betal.services.bulk``. Other media types answer 415, an empty or malformed file 422
naming the line; ``Idempotency-Key`` works as on every POST.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from betal.api.deps import PrincipalDep, UowDep
from betal.api.errors import problem
from betal.api.idempotency import respond, run_idempotent
from betal.api.schemas.tenancy import JobRead
from betal.services import bulk
from betal.services.job import get_job

router = APIRouter(prefix="/v1", tags=["receivables"])

MEDIA_TYPES = {"text/csv": bulk.FileFormat.CSV, "application/json": bulk.FileFormat.JSON}
_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
    },
}


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/payment-requests/bulk",
    status_code=202,
    response_model=JobRead,
    openapi_extra={"requestBody": _BODY},
    responses={415: {"description": "neither text/csv nor application/json"}},
)
def create_payment_requests_in_bulk(
    request: Request, uow: UowDep, principal: PrincipalDep, body: Annotated[bytes, Depends(_raw_body)]
) -> Response:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        detail = "send the file as text/csv or application/json"
        return problem(415, "Unsupported media type", detail, "unsupported_media_type")
    fmt = MEDIA_TYPES[media_type]

    def action() -> tuple[int, object]:
        job_id = bulk.enqueue_bulk(uow, principal, fmt, body)
        return respond(202, JobRead.model_validate(get_job(uow, principal, job_id)))

    return run_idempotent(request, uow, principal, fmt.value.encode() + b"\n" + body, action)
