"""``/v1/organisation``, ``/v1/api-keys``, ``/v1/audit-log``: the key's own organisation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from betal.api.deps import ContainerDep, PrincipalDep, UowDep
from betal.api.idempotency import respond, run_idempotent
from betal.api.pagination import CursorQuery, LimitQuery, ListOf, page
from betal.api.schemas.tenancy import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    AuditEntryRead,
    OrganisationRead,
)
from betal.domain.errors import NotFound
from betal.services import api_key as api_key_service
from betal.services import audit as audit_service

router = APIRouter(prefix="/v1", tags=["organisation"])


@router.get("/organisation", response_model=OrganisationRead)
def get_organisation(uow: UowDep, principal: PrincipalDep) -> OrganisationRead:
    organisation = uow.organisations.get(principal.organisation_id)
    if organisation is None:  # pragma: no cover - a key outlives its organisation only by a bug
        raise NotFound("organisation not found")
    return OrganisationRead.model_validate(organisation)


@router.get("/api-keys", response_model=ListOf[ApiKeyRead])
def list_api_keys(
    uow: UowDep, principal: PrincipalDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> ListOf[ApiKeyRead]:
    data, next_cursor = page(
        lambda after, n: api_key_service.list_api_keys(uow, principal, after_id=after, limit=n),
        cursor,
        limit,
        ApiKeyRead.model_validate,
        lambda k: k.id,
    )
    return ListOf[ApiKeyRead](data=data, next_cursor=next_cursor)


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreated)
def create_api_key(
    body: ApiKeyCreate, request: Request, uow: UowDep, principal: PrincipalDep, container: ContainerDep
) -> Response:
    def action() -> tuple[int, object]:
        key, plaintext = api_key_service.create_api_key(
            uow, principal, name=body.name, role=body.role, live=not container.settings.is_sandbox
        )
        return respond(201, ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=plaintext))

    return run_idempotent(request, uow, principal, body, action)


@router.get("/audit-log", response_model=ListOf[AuditEntryRead])
def list_audit_log(
    uow: UowDep, principal: PrincipalDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> ListOf[AuditEntryRead]:
    data, next_cursor = page(
        lambda after, n: audit_service.list_audit_log(uow, principal, after_id=after, limit=n),
        cursor,
        limit,
        AuditEntryRead.model_validate,
        lambda e: e.id,
    )
    return ListOf[AuditEntryRead](data=data, next_cursor=next_cursor)
