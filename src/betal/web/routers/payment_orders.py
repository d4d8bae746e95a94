"""Portal pages for payment orders and the approval policy under ``/app/payables`` (payables issue,
items 3, 4, 5 and 9).

- ``/app/payables/orders``: the orders by status; invoices ready to pay (booked, with payment details, no
  live order) to make orders from, one or many, on their due dates or a chosen date; drafts and rejected
  orders to send for approval, one or many; orders not yet at the bank to cancel, one or many (all or none).
- ``/app/payables/orders/{id}``: one order: why it runs on its date, the FX rate of a foreign order, the
  decisions of every round, a rejection's comment; send it for approval again, or cancel it.
- ``/app/payables/approval-policy``: how many approvals, who approves, the amount above which two are
  needed and when approvers are reminded; the owner changes it, everyone reads it.
The pages call the same services as the API with the user's role in the organisation the session looks
at. Forms post back with the session's CSRF token.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from betal.domain.errors import BetalError, InvalidInput
from betal.domain.money import Money
from betal.domain.payables import OrderStatus
from betal.domain.payment_order import execution_note
from betal.domain.tenancy import Permission
from betal.services import approval, approval_policy
from betal.services import payment_order as orders
from betal.web.deps import Portal, PortalDep, portal_principal, portal_uow, require_csrf
from betal.web.routers.approve import messaging
from betal.web.templating import portal_values, render

router = APIRouter(prefix="/app/payables", include_in_schema=False)
IdQuery = Annotated[str | None, Query(max_length=40)]
ShortQuery = Annotated[str | None, Query(max_length=20)]
PAGE = 25
READY = 100  # invoices offered to pay
_KRONER = re.compile(r"\d{1,3}(\.\d{3})*(,\d{1,2})?|\d+(,\d{1,2})?")


async def _form(request: Request) -> dict[str, list[str]]:
    form = await request.form()
    return {k: [str(v) for v in form.getlist(k)] for k in form}


FormData = Annotated[dict[str, list[str]], Depends(_form)]


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0].strip()


def _page(request: Request, portal: Portal, page: str, status: int = 200, **context: Any) -> Response:
    values = {
        "portal": portal,
        **portal_values(request, portal_principal(portal).role),
        "notice": None,
        "problems": [],
        **context,
    }
    return render(request, f"app/approvals/{page}.html", values, status=status)


def _problems(exc: BetalError) -> list[dict[str, str]]:
    """Each problem with its field and the error's code; the template words the known ones."""
    found = exc.errors if isinstance(exc, InvalidInput) and exc.errors else [None]
    return [
        {"code": exc.code, "field": p.field if p else "", "message": p.message if p else exc.detail}
        for p in found
    ]


@router.get("/orders")
def order_list(
    request: Request,
    portal: PortalDep,
    status: ShortQuery = None,
    after: IdQuery = None,
    notice: ShortQuery = None,
) -> Response:
    principal = portal_principal(portal)
    chosen = status if status in {s.value for s in OrderStatus} else None
    with portal_uow(request, portal) as uow:
        found = orders.list_payment_orders(uow, principal, status=chosen, after_id=after, limit=PAGE + 1)
        views = orders.order_views(uow, principal, found[:PAGE])
        ready = orders.ready_to_pay(uow, principal, READY)
    next_after = found[PAGE - 1].id if len(found) > PAGE else None
    return _page(
        request,
        portal,
        "orders",
        views=views,
        ready=ready,
        status_filter=chosen,
        after=after,
        next_after=next_after,
        statuses=[s.value for s in OrderStatus],
        notice=notice,
        list_url="/app/payables/orders" + (f"?{urlencode({'status': chosen})}" if chosen else ""),
    )


def _execution_date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("write the date as YYYY-MM-DD", field="execution_date") from None


@router.post("/orders/new")
def create_orders(request: Request, portal: PortalDep, form: FormData) -> Response:
    """Payment orders for the invoices ticked, all or none."""
    require_csrf(portal, _one(form, "csrf_token"))
    try:
        with portal_uow(request, portal) as uow:
            day = _execution_date(_one(form, "execution_date"))
            made = orders.create_payment_orders(
                uow, portal_principal(portal), form.get("invoice_ids", []), day
            )
    except BetalError as exc:
        return _refused(request, portal, exc)
    if len(made) == 1:
        return RedirectResponse(f"/app/payables/orders/{made[0].id}?notice=created", status_code=303)
    return RedirectResponse("/app/payables/orders?status=draft&notice=created", status_code=303)


def _refused(request: Request, portal: Portal, exc: BetalError) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        views = orders.order_views(
            uow, principal, orders.list_payment_orders(uow, principal, status=None, after_id=None, limit=PAGE)
        )
        ready = orders.ready_to_pay(uow, principal, READY)
    return _page(
        request,
        portal,
        "orders",
        status=422,
        status_filter=None,
        views=views,
        ready=ready,
        after=None,
        next_after=None,
        statuses=[s.value for s in OrderStatus],
        list_url="/app/payables/orders",
        problems=_problems(exc),
    )


@router.post("/orders/send")
def send_orders(request: Request, portal: PortalDep, form: FormData) -> Response:
    """Send the orders ticked for approval (to every approver on the policy)."""
    require_csrf(portal, _one(form, "csrf_token"))
    ids = form.get("order_ids", [])
    try:
        with portal_uow(request, portal) as uow:
            approval.request_approval(uow, portal_principal(portal), messaging(portal.container), ids)
    except BetalError as exc:
        return _refused(request, portal, exc)
    if len(ids) == 1:
        return RedirectResponse(f"/app/payables/orders/{ids[0]}?notice=sent", status_code=303)
    return RedirectResponse("/app/payables/orders?status=awaiting_approval&notice=sent", status_code=303)


@router.post("/orders/cancel")
def cancel_orders(request: Request, portal: PortalDep, form: FormData) -> Response:
    """Cancel the orders ticked, all or none."""
    require_csrf(portal, _one(form, "csrf_token"))
    try:
        with portal_uow(request, portal) as uow:
            orders.cancel_payment_orders(uow, portal_principal(portal), form.get("order_ids", []))
    except BetalError as exc:
        return _refused(request, portal, exc)
    return RedirectResponse("/app/payables/orders?status=cancelled&notice=cancelled_many", status_code=303)


@router.get("/orders/{order_id}")
def order_page(request: Request, portal: PortalDep, order_id: str, notice: ShortQuery = None) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        order = orders.get_payment_order(uow, principal, order_id)
        [view] = orders.order_views(uow, principal, [order])
        decisions = approval.decisions_on(uow, principal, order.id)
        names = approval_policy.member_names(uow, principal)
    return _page(
        request,
        portal,
        "order",
        view=view,
        order=order,
        note=execution_note(order),
        decisions=decisions,
        names=names,
        notice=notice,
    )


@router.post("/orders/{order_id}/cancel")
def cancel_order(request: Request, portal: PortalDep, order_id: str, form: FormData) -> Response:
    require_csrf(portal, _one(form, "csrf_token"))
    with portal_uow(request, portal) as uow:
        orders.cancel_payment_order(uow, portal_principal(portal), order_id)
    return RedirectResponse(f"/app/payables/orders/{order_id}?notice=cancelled", status_code=303)


@router.get("/approval-policy")
def policy_page(request: Request, portal: PortalDep, notice: ShortQuery = None) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        policy = approval_policy.get_policy(uow, principal)
        candidates = approval_policy.approver_candidates(uow, principal.organisation_id)
    values = {
        "required_approvals": str(policy.required_approvals),
        "approver_user_ids": list(policy.approver_user_ids),
        "dual_threshold": _kroner_text(policy.dual_threshold_minor),
        "remind_days_before": str(policy.remind_days_before),
    }
    return _page(
        request, portal, "policy", policy=policy, candidates=candidates, values=values, notice=notice
    )


def _kroner_text(minor: int | None) -> str:
    if minor is None:
        return ""
    return format_decimal(Money(minor, "DKK").to_decimal(), "#,##0.##", locale="da")


def _kroner(text: str) -> int | None:
    """Danish kroner as written ("50.000" or "50.000,00") in øre; ``InvalidInput`` for anything else."""
    clean = text.removesuffix("kr.").strip()
    if not clean:
        return None
    if not _KRONER.fullmatch(clean):
        raise InvalidInput("write an amount in kroner, e.g. 50.000", field="dual_threshold_amount")
    return Money.from_decimal(Decimal(clean.replace(".", "").replace(",", ".")), "DKK").minor


def _policy_input(form: dict[str, list[str]]) -> approval_policy.PolicyInput:
    required, remind = _one(form, "required_approvals"), _one(form, "remind_days_before")
    if not required.isdigit() or not remind.isdigit():
        raise InvalidInput("choose the number of approvals and the days", field="required_approvals")
    threshold = _kroner(_one(form, "dual_threshold"))
    return approval_policy.PolicyInput(
        int(required), tuple(form.get("approver_user_ids", [])), threshold, int(remind)
    )


@router.post("/approval-policy")
def save_policy(request: Request, portal: PortalDep, form: FormData) -> Response:
    require_csrf(portal, _one(form, "csrf_token"))
    principal = portal_principal(portal)
    principal.require(Permission.MANAGE_ORGANISATION)
    try:
        with portal_uow(request, portal) as uow:
            approval_policy.put_policy(uow, principal, _policy_input(form))
    except InvalidInput as exc:
        with portal_uow(request, portal) as uow:
            policy = approval_policy.get_policy(uow, principal)
            candidates = approval_policy.approver_candidates(uow, principal.organisation_id)
        values = {
            "required_approvals": _one(form, "required_approvals"),
            "approver_user_ids": form.get("approver_user_ids", []),
            "dual_threshold": _one(form, "dual_threshold"),
            "remind_days_before": _one(form, "remind_days_before"),
        }
        return _page(
            request,
            portal,
            "policy",
            422,
            policy=policy,
            candidates=candidates,
            values=values,
            problems=_problems(exc),
        )
    return RedirectResponse("/app/payables/approval-policy?notice=saved", status_code=303)
