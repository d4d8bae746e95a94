"""``/approve``: the approver's pages, phone first (payables issue, item 4; DESIGN.md: approver pages live
under ``/approve``).

- ``/approve/{token}``: the landing page of a signed e-mail link, without a login. It shows the orders
  the link covers: supplier, amount, execution date, the invoice's lines and totals and its PDF, and lets
  the approver approve or reject each order, or all at once, with a comment. The first decision uses the
  link; the page then moves to a fresh link for the orders left (``services.approval_link``). A tampered
  link answers 400, an expired one 410 and a used one 409, each with a page saying what to do.
- ``/approve`` and ``/approve/{appr_id}``: the same for a signed-in approver (the approval request's own
  page is where a link without a token leads), deciding with the session's role in its organisation.
Forms carry a CSRF token: the session's, or the browser's signed double-submit token for a link.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from betal.bootstrap import Container
from betal.domain.approval import Decision, LinkClaims, Via
from betal.domain.errors import BetalError, Forbidden, InvalidInput, NotFound
from betal.domain.ids import has_prefix
from betal.domain.money import Money, currency
from betal.domain.payables import DocumentKind, PaymentOrder
from betal.domain.tenancy import Principal
from betal.ports import Actor, UnitOfWork
from betal.services import approval, approval_link
from betal.services import supplier_invoice as invoices
from betal.services.approval_notice import Messaging, read_link
from betal.services.notify import Links
from betal.web.deps import (
    ContainerDep,
    PortalDep,
    actor,
    get_portal,
    portal_principal,
    portal_uow,
    require_csrf,
)
from betal.web.routers.pay import PDF_HEADERS, form_token_ok, page
from betal.web.templating import language_of

router = APIRouter(prefix="/approve", include_in_schema=False)
LINK_STATUS = {"token.invalid": 400, "token.expired": 410, "approval_link.used": 409}
Text = Annotated[str, Form(max_length=600)]
ShortQuery = Annotated[str | None, Query(max_length=20)]


def messaging(container: Container) -> Messaging:
    return Messaging(container.renderer(), Links(container.signer, container.settings.base_url))


def _money(request: Request) -> Any:
    language = language_of(request)

    def money(minor: int, code: str) -> str:
        digits = currency(code).exponent
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return f"{format_decimal(Money(minor, code).to_decimal(), pattern, locale=language)} {code}"

    return money


def _cards(
    uow: UnitOfWork, principal: Principal, orders: list[PaymentOrder], open_ids: tuple[str, ...]
) -> list[Any]:
    """Each order with its invoice (supplier, lines, totals, documents) and whether it is left to decide."""
    cards = []
    for order in orders:
        view = invoices.get_invoice(uow, principal, order.supplier_invoice_id)
        pdf = next((d for d in view.documents if d.kind is DocumentKind.PDF), None)
        cards.append({"order": order, "view": view, "pdf": pdf, "open": order.id in open_ids})
    return cards


def _status(exc: BetalError) -> int:
    """400 tampered, 410 expired, 409 used; otherwise as the API answers."""
    if exc.code in LINK_STATUS:
        return LINK_STATUS[exc.code]
    kinds = ((Forbidden, 403), (NotFound, 404), (InvalidInput, 422))
    return next((status for kind, status in kinds if isinstance(exc, kind)), 409)


def _error(request: Request, container: Container, exc: BetalError) -> Response:
    status = _status(exc)
    return page(request, container, "approve/error.html", {"code": exc.code, "status": status}, status=status)


def _link_uow(request: Request, container: Container, claims: LinkClaims) -> UnitOfWork:
    """A unit of work on behalf of the approver the link names (the audit log shows them)."""
    ip = request.client.host if request.client else None
    return container.uow(
        Actor("user", claims.approver_user_id, ip, getattr(request.state, "request_id", None))
    )


@router.get("")
def pending(request: Request, portal: PortalDep) -> Response:
    """The signed-in approver's approval requests with orders left to decide."""
    with portal_uow(request, portal) as uow:
        found = approval.pending_for(uow, portal_principal(portal))
    context = {"portal": portal, "requests": found, "money": _money(request)}
    return page(request, portal.container, "approve/list.html", context)


@router.get("/done")
def done(
    request: Request, container: ContainerDep, decision: ShortQuery = None, count: ShortQuery = None
) -> Response:
    number = int(count) if count and count.isdigit() else 0
    context = {"decision": decision if decision in ("approve", "reject") else None, "count": number}
    return page(request, container, "approve/done.html", context)


@router.get("/{key}")
def show(request: Request, container: ContainerDep, key: str, notice: ShortQuery = None) -> Response:
    if has_prefix(key, "appr"):
        return _show_request(request, key, notice)
    try:
        claims = read_link(container.signer, key, container.clock.now().timestamp())
        with _link_uow(request, container, claims) as uow:
            use = approval_link.open_link(uow, claims)
            cards = _cards(uow, use.principal, use.orders, use.open_order_ids)
    except BetalError as exc:
        return _error(request, container, exc)
    context = {
        "cards": cards,
        "approver": use.approver,
        "action": f"/approve/{key}",
        "token": key,
        "notice": notice,
        "preselected": claims.decision.value,
        "money": _money(request),
        "via_link": True,
    }
    return page(request, container, "approve/request.html", context)


def _show_request(request: Request, approval_id: str, notice: str | None) -> Response:
    portal = get_portal(request, request.app.state.container)
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        _, orders, open_ids = approval.request_orders(uow, principal, approval_id)
        cards = _cards(uow, principal, orders, open_ids)
    context = {
        "portal": portal,
        "cards": cards,
        "approver": portal.user,
        "action": f"/approve/{approval_id}",
        "token": None,
        "notice": notice,
        "preselected": request.query_params.get("decision"),
        "money": _money(request),
        "via_link": False,
        "csrf": portal.session.csrf_token,
    }
    return page(request, portal.container, "approve/request.html", context)


def _after(key: str, settled: list[PaymentOrder], decision: Decision, next_path: str | None) -> Response:
    notice = f"{decision.value}d"
    if next_path is not None:
        return RedirectResponse(f"{next_path}?notice={notice}", status_code=303)
    if has_prefix(key, "appr"):
        return RedirectResponse(f"/approve/{key}?notice={notice}", status_code=303)
    query = urlencode({"decision": decision.value, "count": len(settled)})
    return RedirectResponse(f"/approve/done?{query}", status_code=303)


@router.post("/{key}")
def decide(
    request: Request,
    container: ContainerDep,
    key: str,
    csrf_token: Text = "",
    decision: Text = "",
    comment: Text = "",
    order_id: Text = "",
) -> Response:
    try:
        chosen = Decision(decision)
    except ValueError:
        return _error(request, container, InvalidInput("choose approve or reject", field="decision"))
    data = approval.DecisionInput(chosen, comment or None, (order_id,) if order_id else None)
    try:
        if has_prefix(key, "appr"):
            return _decide_signed_in(request, container, key, csrf_token, data)
        claims = read_link(container.signer, key, container.clock.now().timestamp())
        if not form_token_ok(request, container, csrf_token):
            raise Forbidden("the form's security token is missing or wrong", code="csrf.invalid")
        with _link_uow(request, container, claims) as uow:
            settled, next_path = approval_link.decide_by_link(uow, messaging(container), claims, data)
    except BetalError as exc:
        return _error(request, container, exc)
    return _after(key, settled, chosen, next_path)


def _decide_signed_in(
    request: Request, container: Container, approval_id: str, csrf_token: str, data: approval.DecisionInput
) -> Response:
    portal = get_portal(request, container)
    require_csrf(portal, csrf_token)
    with portal_uow(request, portal) as uow:
        settled = approval.decide(
            uow, portal_principal(portal), messaging(container), approval_id, data, Via.PORTAL
        )
    return _after(approval_id, settled, data.decision, None)


@router.get("/{key}/documents/{invoice_id}/{document_id}")
def document(
    request: Request, container: ContainerDep, key: str, invoice_id: str, document_id: str
) -> Response:
    """An invoice's PDF for the holder of a link that covers it."""
    try:
        claims = read_link(container.signer, key, container.clock.now().timestamp())
        with container.uow(actor(request)) as uow:
            found, content = approval_link.link_document(uow, claims, invoice_id, document_id)
    except BetalError as exc:
        return _error(request, container, exc)
    headers = PDF_HEADERS | {"Content-Disposition": f'inline; filename="{found.filename}"'}
    return Response(content, media_type=found.content_type, headers=headers)
