"""Portal page for fees under ``/app/fees`` (issue 7, item 8): the organisation's price plan, a quarter
picker, the quarter's fee statement and its PDF.

- ``/app/fees?period=2026-Q4``: the plan (the owner edits it, everyone reads it) and the statement of the
  quarter chosen (the current quarter by default), with a "Hent PDF" link.
- ``POST /app/fees/plan``: save the plan; fees are typed in kroner (``2,50``) and stored in øre. Every
  problem is shown next to its field and nothing is saved.
- ``/app/fees/{period}.pdf``: the statement as a PDF download.
The pages call ``services.fees`` with the user's role in the organisation the session looks at.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from betal.domain.calendar import business_date
from betal.domain.errors import FieldProblem, InvalidInput
from betal.domain.fees import FEE_CURRENCY, PricePlan, Quarter
from betal.domain.money import Money
from betal.domain.tenancy import Permission
from betal.services import fees, fees_pdf
from betal.web.deps import Portal, PortalDep, portal_principal, portal_uow, require_csrf
from betal.web.routers.pay import pdf_response
from betal.web.templating import portal_values, render

router = APIRouter(prefix="/app", include_in_schema=False)
PeriodQuery = Annotated[str | None, Query(max_length=20)]
QUARTERS_SHOWN = 8
_KRONER = re.compile(r"\d{1,3}(\.\d{3})*(,\d{1,2})?|\d+(,\d{1,2})?")
FEE_FIELDS = ("per_payment_fee", "monthly_fee")


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(form.get(k, "")).strip() for k in form}


FormData = Annotated[dict[str, str], Depends(_form)]


def kroner_text(minor: int) -> str:
    """Øre as the form shows them: ``2,50``, ``199,00``."""
    return f"{minor // 100},{minor % 100:02d}"


def parse_kroner(text: str) -> int | None:
    """``"2,50"``, ``"1.234,5"`` or ``"199"`` in øre; None when it is not an amount in kroner."""
    if not _KRONER.fullmatch(text):
        return None
    return Money.from_decimal(Decimal(text.replace(".", "").replace(",", ".")), FEE_CURRENCY).minor


def _values(plan: PricePlan | None) -> dict[str, str]:
    if plan is None:
        return {"name": "", "per_payment_fee": "", "monthly_fee": ""}
    return {
        "name": plan.name,
        "per_payment_fee": kroner_text(plan.per_payment_fee_minor),
        "monthly_fee": kroner_text(plan.monthly_fee_minor),
    }


def _page(
    request: Request, portal: Portal, period: str | None, status: int = 200, **context: Any
) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        current = Quarter.of(business_date(uow.clock.now()))
        chosen = Quarter.parse(period) if period else current
        plan = fees.get_price_plan(uow, principal)
        statement = fees.quarterly_statement(uow, principal, chosen.year, chosen.number)
    quarters = [current]
    while len(quarters) < QUARTERS_SHOWN:
        quarters.append(quarters[-1].previous())
    values = {
        "portal": portal, **portal_values(request, principal.role), "plan": plan, "statement": statement,
        "quarters": [str(q) for q in quarters], "chosen": str(chosen),
        "values": _values(plan), "problems": {}, "notice": None, **context,
    }  # fmt: skip
    return render(request, "app/fees/index.html", values, status=status)


@router.get("/fees")
def fees_page(
    request: Request, portal: PortalDep, period: PeriodQuery = None, notice: PeriodQuery = None
) -> Response:
    return _page(request, portal, period, notice=notice)


@router.get("/fees/{period}.pdf")
def fee_statement_pdf(request: Request, portal: PortalDep, period: str) -> Response:
    quarter = Quarter.parse(period)
    with portal_uow(request, portal) as uow:
        statement = fees.quarterly_statement(uow, portal_principal(portal), quarter.year, quarter.number)
    return pdf_response(
        fees_pdf.render_pdf(statement), f"gebyroversigt-{statement.number}.pdf", download=True
    )


@router.post("/fees/plan")
def save_plan(request: Request, portal: PortalDep, form: FormData) -> Response:
    require_csrf(portal, form.get("csrf_token"))
    principal = portal_principal(portal)
    principal.require(Permission.MANAGE_ORGANISATION)
    amounts = {f: parse_kroner(form.get(f, "")) for f in FEE_FIELDS}
    problems = [FieldProblem(f, "not an amount in kroner") for f, v in amounts.items() if v is None]
    try:
        if problems:
            raise InvalidInput(
                "; ".join(p.message for p in problems), errors=problems, code="price_plan.invalid"
            )
        data = fees.PlanInput(
            form.get("name", ""), amounts["per_payment_fee"] or 0, amounts["monthly_fee"] or 0
        )
        with portal_uow(request, portal) as uow:
            fees.put_price_plan(uow, principal, data)
    except InvalidInput as exc:
        posted = {k: form.get(k, "") for k in ("name", *FEE_FIELDS)}
        found = {p.field: p.message for p in exc.errors}
        return _page(request, portal, None, 422, values=posted, problems=found)
    return RedirectResponse("/app/fees?notice=saved", status_code=303)
