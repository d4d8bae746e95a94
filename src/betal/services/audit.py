"""Reading the audit log (who did what, when, from where); writing happens in every use case."""

from __future__ import annotations

from betal.domain.events import AuditEntry
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork


def list_audit_log(
    uow: UnitOfWork, principal: Principal, *, after_id: str | None, limit: int
) -> list[AuditEntry]:
    principal.require(Permission.MANAGE_MEMBERS)
    return uow.audit_log.list_page(principal.organisation_id, after_id, limit)
