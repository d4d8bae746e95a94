"""Schemas for organisations, API keys, events, the audit log and jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from betal.api.schemas.base import RequestModel, ResponseModel
from betal.domain.tenancy import Role


class OrganisationRead(ResponseModel):
    id: str
    name: str
    cvr: str
    created_at: datetime


class ApiKeyCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.ADMIN


class ApiKeyRead(ResponseModel):
    id: str
    name: str
    prefix: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="the key itself; shown only in this response")


class EventRead(ResponseModel):
    id: str
    sequence: int
    type: str
    data: dict[str, Any]
    created_at: datetime


class EventList(ResponseModel):
    data: list[EventRead]
    next_after: int | None = Field(description="pass as ?after= to read on; null when this page was the last")


class AuditEntryRead(ResponseModel):
    id: str
    actor_type: str
    actor_id: str
    action: str
    target_type: str
    target_id: str
    ip: str | None
    request_id: str | None
    details: dict[str, Any]
    created_at: datetime


class JobRead(ResponseModel):
    id: str
    kind: str
    status: str
    attempts: int
    progress_done: int
    progress_total: int | None
    result: dict[str, Any] | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
