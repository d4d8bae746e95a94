"""Portal pages for bank statements and reconciliation under ``/app/bank`` (the issue's item 8, part).

The statements list with an upload form for a camt.053/054 file, a statement with its entries, an entry
with its matches (reverse one, set the entry aside, or match it by hand), and the unmatched queue, where
each credit shows up to three suggestions, each accepted with one click. Every page calls
``services.bank_statement`` and ``services.reconciliation`` with the user's role in the organisation the
session looks at: any member reads, the bookkeeping role imports and matches. Forms post back with the
session's CSRF token; a refusal is shown as a notice on the page the form came from.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from betal.domain.errors import BetalError, Conflict, InvalidInput
from betal.domain.tenancy import Permission, Principal
from betal.services import bank_statement as statements
from betal.services import reconciliation
from betal.web.deps import Portal, PortalDep, portal_principal, portal_uow, require_csrf, safe_next
from betal.web.templating import portal_values, render

router = APIRouter(prefix="/app/bank", include_in_schema=False)
PAGE = 25
QUEUE = 10
IdQuery = Annotated[str | None, Query(max_length=40)]
NoticeQuery = Annotated[str | None, Query(max_length=40)]
ErrorQuery = Annotated[str | None, Query(max_length=40, description="the code of a refused form")]
FormData = dict[str, Any]


async def _form(request: Request) -> FormData:
    form = await request.form()
    return {k: v if isinstance(v := form.get(k), UploadFile) else str(v or "") for k in form}


Form = Annotated[FormData, Depends(_form)]


def _page(request: Request, portal: Portal, page: str, status: int = 200, **context: Any) -> Response:
    values = {
        "portal": portal, **portal_values(request, portal_principal(portal).role), "notice": None,
        "error": None, **context,
    }  # fmt: skip
    return render(request, f"app/banking/{page}.html", values, status=status)


def _back(path: str, **query: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?{urlencode(query)}" if query else path, status_code=303)


def _booker(portal: Portal, form: FormData) -> Principal:
    require_csrf(portal, form.get("csrf_token"))
    principal = portal_principal(portal)
    principal.require(Permission.BOOK)
    return principal


@router.get("")
def statement_list(
    request: Request, portal: PortalDep, after: IdQuery = None, notice: NoticeQuery = None
) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        found = statements.list_statements(uow, principal, after_id=after, limit=PAGE + 1)
    next_after = found[PAGE - 1].id if len(found) > PAGE else None
    return _page(request, portal, "statements", statements=found[:PAGE], next_after=next_after, after=after,
                 notice=notice)  # fmt: skip


@router.post("/statements")
def upload_statement(request: Request, portal: PortalDep, form: Form) -> Response:
    """Import the uploaded camt file; a refused file is shown on the list with its line and reason."""
    principal = _booker(portal, form)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _page(request, portal, "statements", 422, statements=[], next_after=None, after=None,
                     error="file.required")  # fmt: skip
    try:
        with portal_uow(request, portal) as uow:
            result = statements.import_statement(
                uow, principal, upload.file, statements.sha256_of(upload.file)
            )
    except BetalError as exc:
        with portal_uow(request, portal) as uow:
            found = statements.list_statements(uow, principal, after_id=None, limit=PAGE)
        return _page(request, portal, "statements", 422, statements=found, next_after=None, after=None,
                     error=exc.code, detail=exc.detail)  # fmt: skip
    return _back(
        f"/app/bank/statements/{result.statement.id}", notice="imported" if result.created else "known"
    )


@router.get("/statements/{statement_id}")
def statement_page(
    request: Request, portal: PortalDep, statement_id: str, after: IdQuery = None, notice: NoticeQuery = None
) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        detail = statements.get_statement(uow, principal, statement_id)
        found = statements.list_entries(uow, principal, statement_id, after_id=after, limit=PAGE + 1)
    next_after = found[PAGE - 1].id if len(found) > PAGE else None
    return _page(request, portal, "statement", detail=detail, entries=found[:PAGE], next_after=next_after,
                 after=after, notice=notice)  # fmt: skip


@router.get("/entries/{entry_id}")
def entry_page(
    request: Request, portal: PortalDep, entry_id: str, notice: NoticeQuery = None, error: ErrorQuery = None
) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        detail = reconciliation.get_entry(uow, principal, entry_id)
        suggestions = reconciliation.suggestions_for(uow, principal, detail.entry)
    return _page(request, portal, "entry", detail=detail, suggestions=suggestions, notice=notice, error=error)


@router.get("/unmatched")
def unmatched_queue(
    request: Request,
    portal: PortalDep,
    after: IdQuery = None,
    notice: NoticeQuery = None,
    error: ErrorQuery = None,
) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        found = reconciliation.list_unmatched(uow, principal, after_id=after, limit=QUEUE + 1)
    next_after = found[QUEUE - 1].entry.id if len(found) > QUEUE else None
    return _page(request, portal, "unmatched", items=found[:QUEUE], next_after=next_after, after=after,
                 notice=notice, error=error)  # fmt: skip


@router.post("/entries/{entry_id}/match")
def match_entry(request: Request, portal: PortalDep, entry_id: str, form: Form) -> Response:
    """Accept a suggestion, or match the payment requests typed in (ids separated by spaces or commas)."""
    principal = _booker(portal, form)
    back = safe_next(str(form.get("next") or f"/app/bank/entries/{entry_id}"))
    ids = [i for i in str(form.get("payment_request_ids", "")).replace(",", " ").split() if i]
    try:
        with portal_uow(request, portal) as uow:
            reconciliation.create_match(uow, principal, entry_id, ids)
    except (InvalidInput, Conflict) as exc:  # the page says why, by the error's code (translated there)
        return _back(back.split("?")[0], error=exc.code)
    return _back(back.split("?")[0], notice="matched")


@router.post("/matches/{match_id}/reverse")
def reverse_match(request: Request, portal: PortalDep, match_id: str, form: Form) -> Response:
    principal = _booker(portal, form)
    with portal_uow(request, portal) as uow:
        match = reconciliation.get_match(uow, principal, match_id)
    try:
        with portal_uow(request, portal) as uow:
            reconciliation.reverse_match(uow, principal, match_id)
    except Conflict as exc:
        return _back(f"/app/bank/entries/{match.entry_id}", error=exc.code)
    return _back(f"/app/bank/entries/{match.entry_id}", notice="reversed")


@router.post("/entries/{entry_id}/ignore")
def ignore_entry(request: Request, portal: PortalDep, entry_id: str, form: Form) -> Response:
    """Set the entry aside as not a receivable, or (``ignored=no``) take it back into the queue."""
    principal = _booker(portal, form)
    ignored = form.get("ignored") != "no"
    try:
        with portal_uow(request, portal) as uow:
            reconciliation.set_ignored(uow, principal, entry_id, ignored)
    except Conflict as exc:
        return _back(f"/app/bank/entries/{entry_id}", error=exc.code)
    return _back(f"/app/bank/entries/{entry_id}", notice="ignored" if ignored else "included")
