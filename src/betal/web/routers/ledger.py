"""Portal pages for the ledger (DESIGN.md "Ledger"): an overview with a balance chart, the journal with its
postings (CSV download, reversal), the trial balance and the receivables and payables agings, under
``/app/ledger``.

Every page calls ``services.ledger`` with the user's role in the organisation the session looks at: any
member reads, the bookkeeping role reverses (a form with the session's CSRF token). Dates in the query
are ``YYYY-MM-DD``; a bad one is shown next to its field and the page falls back to no filter or today.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.responses import Response

from betal.domain.aging import BUCKETS
from betal.domain.calendar import business_date
from betal.domain.errors import Conflict
from betal.domain.tenancy import Principal
from betal.ports import JournalFilter, UnitOfWork
from betal.services import aging, ledger
from betal.web import ledger_chart
from betal.web.deps import Portal, PortalDep, actor, portal_principal, portal_uow, require_csrf
from betal.web.templating import language_of, portal_values, render

router = APIRouter(prefix="/app", include_in_schema=False)
PAGE = 25
DateQuery = Annotated[str | None, Query(max_length=20)]
AfterQuery = Annotated[int | None, Query(ge=1)]
NoticeQuery = Annotated[str | None, Query(max_length=20)]
Report = Callable[[UnitOfWork, Principal, date], object]


def _page(request: Request, portal: Portal, page: str, **context: Any) -> Response:
    language = language_of(request)

    def kroner(minor: int) -> str:  # a chart axis: whole kroner
        return format_decimal(Decimal(minor) / 100, "#,##0", locale=language)

    values = {"portal": portal, **portal_values(request, portal_principal(portal).role), "kroner": kroner,
              **context}  # fmt: skip
    return render(request, f"app/ledger/{page}.html", values)


def _day(value: str | None, name: str, errors: dict[str, str]) -> date | None:
    """A ``YYYY-MM-DD`` date from the query; a bad one is recorded under ``name`` in ``errors``."""
    if not value:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    errors[name] = "date"
    return None


def _filter(date_from: str | None, date_to: str | None, errors: dict[str, str]) -> JournalFilter:
    query = JournalFilter(_day(date_from, "date_from", errors), _day(date_to, "date_to", errors))
    if query.date_from and query.date_to and query.date_from > query.date_to:
        errors["date_to"] = "range"
        return JournalFilter(query.date_from)
    return query


@router.get("/ledger")
def overview(request: Request, portal: PortalDep) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        today = ledger.today(uow)
        series = ledger.balance_history(uow, principal, today)
        report = ledger.trial_balance_report(uow, principal, today)
    return _page(request, portal, "overview", chart=ledger_chart.build(series), series=series, report=report)


@router.get("/ledger/journal")
def journal(
    request: Request,
    portal: PortalDep,
    date_from: DateQuery = None,
    date_to: DateQuery = None,
    after: AfterQuery = None,
    notice: NoticeQuery = None,
) -> Response:
    principal = portal_principal(portal)
    errors: dict[str, str] = {}
    query = _filter(date_from, date_to, errors)
    with portal_uow(request, portal) as uow:
        found = ledger.list_entries(uow, principal, query, after_number=after, limit=PAGE + 1)
        names = {a.id: a.name for a in ledger.list_accounts(uow, principal)}
        reversed_by = ledger.reversals(uow, principal, found[:PAGE])
    kept = {"date_from": date_from or "", "date_to": date_to or ""}
    filters = urlencode({k: v for k, v in kept.items() if v and k not in errors})
    return _page(
        request, portal, "journal", entries=found[:PAGE], names=names, reversed_by=reversed_by,
        errors=errors, query=kept,
        next_after=found[PAGE - 1].number if len(found) > PAGE else None, after=after, filters=filters,
        notice=notice,
    )  # fmt: skip


@router.get("/ledger/journal.csv")
def journal_csv(
    request: Request, portal: PortalDep, date_from: DateQuery = None, date_to: DateQuery = None
) -> Response:
    errors: dict[str, str] = {}
    query = _filter(date_from, date_to, errors)
    who = actor(request, portal.user.id)
    chunks = ledger.journal_csv(lambda: portal.container.uow(who), portal_principal(portal), query)
    filename = f"journal-{business_date(portal.container.clock.now()).isoformat()}.csv"
    return StreamingResponse(
        chunks, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )  # fmt: skip


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(form.get(k, "")) for k in form}


@router.post("/ledger/journal/{entry_id}/reverse")
def reverse(
    request: Request, portal: PortalDep, entry_id: str, form: Annotated[dict[str, str], Depends(_form)]
) -> Response:
    require_csrf(portal, form.get("csrf_token"))
    try:
        with portal_uow(request, portal) as uow:
            ledger.reverse_entry(uow, portal_principal(portal), entry_id, form.get("reason"))
    except Conflict:
        return RedirectResponse("/app/ledger/journal?notice=not_reversed", status_code=303)
    return RedirectResponse("/app/ledger/journal?notice=reversed", status_code=303)


def _as_of(
    request: Request, portal: Portal, date: str | None, page: str, report: Report, **context: Any
) -> Response:
    """A report as of the query's date (today when it has none or a bad one)."""
    errors: dict[str, str] = {}
    with portal_uow(request, portal) as uow:
        as_of = _day(date, "date", errors) or ledger.today(uow)
        found = report(uow, portal_principal(portal), as_of)
    return _page(request, portal, page, report=found, errors=errors, as_of=as_of, **context)


@router.get("/ledger/trial-balance")
def trial_balance(request: Request, portal: PortalDep, date: DateQuery = None) -> Response:
    return _as_of(request, portal, date, "trial_balance", ledger.trial_balance_report)


@router.get("/ledger/receivables-aging")
def receivables_aging(request: Request, portal: PortalDep, date: DateQuery = None) -> Response:
    return _as_of(request, portal, date, "aging", ledger.receivables_aging, buckets=BUCKETS)


@router.get("/ledger/payables-aging")
def payables_aging(request: Request, portal: PortalDep, date: DateQuery = None) -> Response:
    return _as_of(request, portal, date, "payables_aging", aging.payables_aging, buckets=BUCKETS)
