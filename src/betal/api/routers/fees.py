"""``/v1/price-plan`` and ``/v1/fee-statements/{year}-Q{n}`` (issue 7, item 8; docs/payables.md "Fees").

The rules are in ``services.fees``. A statement is JSON, or a PDF with ``.pdf`` after the period or
``?format=pdf``. The period names no resource of its own: a key always gets its own organisation's
statement, and a period that is not ``YYYY-Qn`` answers 422 (``fee_statement.invalid_period``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from betal.api.deps import PrincipalDep, UowDep
from betal.api.schemas.fees import FeeStatementRead, PricePlanRead, PricePlanWrite
from betal.domain.errors import NotFound
from betal.domain.fees import Quarter
from betal.services import fees, fees_pdf

router = APIRouter(prefix="/v1", tags=["fees"])
PDF_SUFFIX = ".pdf"


@router.get("/price-plan", response_model=PricePlanRead)
def get_price_plan(uow: UowDep, principal: PrincipalDep) -> PricePlanRead:
    """The organisation's price plan; 404 (``price_plan.not_found``) when it has none."""
    plan = fees.get_price_plan(uow, principal)
    if plan is None:
        raise NotFound("the organisation has no price plan", code="price_plan.not_found")
    return PricePlanRead.of(plan)


@router.put("/price-plan", response_model=PricePlanRead)
def put_price_plan(body: PricePlanWrite, uow: UowDep, principal: PrincipalDep) -> PricePlanRead:
    """Set the organisation's price plan (owner only); it prices payments executed from now on."""
    data = fees.PlanInput(body.name, body.per_payment_fee, body.monthly_fee, body.currency)
    return PricePlanRead.of(fees.put_price_plan(uow, principal, data))


@router.get(
    "/fee-statements/{period}",
    response_model=FeeStatementRead,
    responses={200: {"content": {"application/pdf": {}}, "description": "the statement (JSON or PDF)"}},
)
def get_fee_statement(
    period: str,
    uow: UowDep,
    principal: PrincipalDep,
    output: Annotated[Literal["json", "pdf"] | None, Query(alias="format")] = None,
) -> Response | FeeStatementRead:
    """The quarterly fee statement: ``2026-Q4`` (JSON), ``2026-Q4.pdf`` or ``?format=pdf`` (PDF)."""
    as_pdf = output == "pdf" or period.endswith(PDF_SUFFIX)
    quarter = Quarter.parse(period.removesuffix(PDF_SUFFIX))
    statement = fees.quarterly_statement(uow, principal, quarter.year, quarter.number)
    if not as_pdf:
        return FeeStatementRead.of(statement)
    filename = f"gebyroversigt-{statement.number}.pdf"
    return Response(
        fees_pdf.render_pdf(statement),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
