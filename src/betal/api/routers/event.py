"""``GET /v1/events?after=``: the organisation's events in order, for receivers that poll."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from betal.api.deps import PrincipalDep, UowDep
from betal.api.pagination import LimitQuery
from betal.api.schemas.tenancy import EventList, EventRead
from betal.services.event import list_events

router = APIRouter(prefix="/v1", tags=["events"])


@router.get("/events", response_model=EventList)
def get_events(
    uow: UowDep,
    principal: PrincipalDep,
    after: Annotated[int, Query(ge=0, description="the last sequence number already seen")] = 0,
    limit: LimitQuery = 50,
) -> EventList:
    events = list_events(uow, principal, after=after, limit=limit)
    return EventList(
        data=[EventRead.model_validate(e) for e in events],
        next_after=events[-1].sequence if len(events) == limit else None,
    )
