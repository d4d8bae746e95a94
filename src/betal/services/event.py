"""Reading the event log: a receiver that polls pages through ``GET /v1/events?after=``."""

from __future__ import annotations

from betal.domain.errors import InvalidInput
from betal.domain.events import Event
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork


def list_events(uow: UnitOfWork, principal: Principal, *, after: int, limit: int) -> list[Event]:
    principal.require(Permission.READ)
    if after < 0:
        raise InvalidInput("must be zero or a sequence number", field="after")
    return uow.events.list_after(principal.organisation_id, after, limit)
