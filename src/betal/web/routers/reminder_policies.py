"""Portal pages for reminder policies (the notifications issue, items 3 and 4): the list, and an editor of
the rules (day offset, channels, fee in kroner), the send hour, interest, compensation and the default.

Every page calls ``services.reminder_policy`` with the user's role in the organisation the session looks
at: a viewer reads the list, a role that manages the organisation edits. The built-in policy (id
``default``) opens in the editor like any other; saving it creates the organisation's own default. A rule
broken is shown next to the field it concerns, citing renteloven, and nothing is saved
(``web/rule_form.py`` reads the form and places the problems).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from betal.domain.errors import InvalidInput
from betal.domain.notification import Channel
from betal.domain.reminder import BUILT_IN_ID, WINDOW_CLOSES, WINDOW_OPENS, ReminderPolicy
from betal.domain.tenancy import Permission, permissions_of
from betal.ports import UnitOfWork
from betal.services import reminder_policy as policies
from betal.web import rule_form
from betal.web.deps import Portal, PortalDep, portal_principal, portal_uow, require_csrf
from betal.web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)
BASE = "/app/reminder-policies"
NoticeQuery = Annotated[str | None, Query(max_length=20)]


async def _form_data(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {k: form.getlist(k) if k.startswith("channels_") else str(form.get(k, "")) for k in form}


FormData = Annotated[dict[str, Any], Depends(_form_data)]
Store = Callable[[UnitOfWork, policies.PolicyInput], ReminderPolicy]


def _page(request: Request, portal: Portal, page: str, status: int = 200, **context: Any) -> Response:
    can_manage = Permission.MANAGE_ORGANISATION in permissions_of(portal_principal(portal).role)
    values = {"portal": portal, "can_manage": can_manage, "built_in_id": BUILT_IN_ID, **context}
    return render(request, f"reminders/{page}.html", values, status=status)


@router.get("/reminder-policies")
def policy_list(request: Request, portal: PortalDep) -> Response:
    with portal_uow(request, portal) as uow:
        found = policies.list_policies(uow, portal_principal(portal))
    return _page(request, portal, "list", policies=found)


def _editor(
    request: Request, portal: Portal, action: str, form: rule_form.PolicyForm, **context: Any
) -> Response:
    portal_principal(portal).require(Permission.MANAGE_ORGANISATION)
    return _page(
        request, portal, "form", status=422 if form.invalid else 200, action=action, form=form,
        channels=[c.value for c in Channel], hours=range(WINDOW_OPENS, WINDOW_CLOSES),
        notice=context.get("notice"), built_in=context.get("built_in", False),
    )  # fmt: skip


@router.get("/reminder-policies/new")
def new_policy(request: Request, portal: PortalDep) -> Response:
    return _editor(request, portal, f"{BASE}/new", rule_form.blank())


@router.post("/reminder-policies/new")
def create_policy(request: Request, portal: PortalDep, form: FormData) -> Response:
    require_csrf(portal, form.get("csrf_token"))
    principal = portal_principal(portal)
    principal.require(Permission.MANAGE_ORGANISATION)
    return _save(
        request, portal, f"{BASE}/new", form, False,
        lambda uow, data: policies.create_policy(uow, principal, data),
    )  # fmt: skip


@router.get("/reminder-policies/{policy_id}")
def edit_policy(request: Request, portal: PortalDep, policy_id: str, notice: NoticeQuery = None) -> Response:
    with portal_uow(request, portal) as uow:
        policy = policies.get_policy(uow, portal_principal(portal), policy_id)
    return _editor(
        request, portal, f"{BASE}/{policy_id}", rule_form.from_policy(policy), notice=notice,
        built_in=policy.id == BUILT_IN_ID,
    )  # fmt: skip


@router.post("/reminder-policies/{policy_id}")
def update_policy(request: Request, portal: PortalDep, policy_id: str, form: FormData) -> Response:
    require_csrf(portal, form.get("csrf_token"))
    principal = portal_principal(portal)
    principal.require(Permission.MANAGE_ORGANISATION)
    with portal_uow(request, portal) as uow:
        built_in = policies.get_policy(uow, principal, policy_id).id == BUILT_IN_ID  # another's id: a 404
    return _save(
        request, portal, f"{BASE}/{policy_id}", form, built_in,
        lambda uow, data: policies.update_policy(uow, principal, policy_id, data),
    )  # fmt: skip


def _save(
    request: Request, portal: Portal, action: str, posted: dict[str, Any], built_in: bool, store: Store
) -> Response:
    """Read the form and call the service; on a problem, the editor again with each problem in its place."""
    form = rule_form.parse(posted)
    if form.data is not None:
        try:
            with portal_uow(request, portal) as uow:
                saved = store(uow, form.data)
        except InvalidInput as exc:
            form = rule_form.with_problems(form, exc.errors)
        else:
            return RedirectResponse(f"{BASE}/{saved.id}?notice=saved", status_code=303)
    return _editor(request, portal, action, form, built_in=built_in)
