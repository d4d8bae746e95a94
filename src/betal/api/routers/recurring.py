"""``/v1/recurring-collections``: schedules that issue payment requests ahead of each due date.

API.md "Receivables"; the rules are in ``services/recurring.py`` and ``domain/recurring.py``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from betal.api.deps import PrincipalDep, UowDep
from betal.api.idempotency import respond, run_idempotent
from betal.api.schemas.recurring import RecurringCollectionCreate, RecurringCollectionRead
from betal.services import recurring

router = APIRouter(prefix="/v1", tags=["receivables"])


@router.post("/recurring-collections", status_code=201, response_model=RecurringCollectionRead)
def create_recurring_collection(
    body: RecurringCollectionCreate, request: Request, uow: UowDep, principal: PrincipalDep
) -> Response:
    data = recurring.NewRecurringCollection(
        customer_id=body.customer_id, amount_minor=body.amount, currency=body.currency,
        interval=body.interval, day_of_month=body.day_of_month, start_date=body.start_date,
        allowed_methods=tuple(m.value for m in body.allowed_methods), description=body.description,
        lead_days=body.lead_days,
    )  # fmt: skip

    def action() -> tuple[int, object]:
        created = recurring.create_recurring_collection(uow, principal, data)
        return respond(201, RecurringCollectionRead.model_validate(created))

    return run_idempotent(request, uow, principal, body, action)


@router.get("/recurring-collections/{collection_id}", response_model=RecurringCollectionRead)
def get_recurring_collection(
    collection_id: str, uow: UowDep, principal: PrincipalDep
) -> RecurringCollectionRead:
    return RecurringCollectionRead.model_validate(
        recurring.get_recurring_collection(uow, principal, collection_id)
    )
