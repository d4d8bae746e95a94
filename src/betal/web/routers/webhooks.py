"""Portal pages for webhooks (the webhooks issue, items 2 and 5; docs/webhooks.md "In the portal"): the
organisation's endpoints, a form to add one, and each endpoint's page with its settings, disabling and
enabling, secret rotation, deletion, and its delivery log with manual redelivery.

Every page calls ``services.webhook`` and ``services.webhook_log`` with the user's role in the organisation
the session looks at: any member reads, a role with ``manage_webhooks`` (owner, admin) changes things. A
signing secret appears only in the answer to the POST that made it (create, rotate), never on a GET page.
Problems are shown next to their field and nothing is saved (``web/webhook_form.py``).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from betal.domain.errors import Conflict, InvalidInput, NotFound
from betal.domain.events import EVENT_TYPES
from betal.domain.tenancy import Permission, permissions_of
from betal.domain.webhook import DeliveryStatus, EndpointStatus
from betal.services import webhook as endpoints
from betal.services import webhook_log as log
from betal.web import webhook_form
from betal.web.deps import Portal, PortalDep, portal_principal, portal_uow, require_csrf
from betal.web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)
BASE = "/app/webhooks"
PAGE = 20
IdQuery = Annotated[str | None, Query(max_length=40)]
NoticeQuery = Annotated[str | None, Query(max_length=30)]
CountQuery = Annotated[int | None, Query(ge=0, le=1_000_000)]
EVENT_CHOICES = tuple(sorted(EVENT_TYPES))
EXAMPLE_URL = "https://books.example.dk/webhooks/betal"
_REFUSED = {  # a Conflict's code: the notice the endpoint page shows
    "webhook_delivery.pending": "pending",
    "webhook_endpoint.disabled": "endpoint_disabled",
}


async def _form_data(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {k: form.getlist(k) if k == "events" else str(form.get(k, "")) for k in form}


FormData = Annotated[dict[str, Any], Depends(_form_data)]


def _page(request: Request, portal: Portal, page: str, status: int = 200, **context: Any) -> Response:
    can_manage = Permission.MANAGE_WEBHOOKS in permissions_of(portal_principal(portal).role)
    values = {"portal": portal, "can_manage": can_manage, "event_types": EVENT_CHOICES, **context}
    values["example_url"] = EXAMPLE_URL
    return render(request, f"webhooks/{page}.html", values, status=status)


def _live(portal: Portal) -> bool:
    return not portal.container.settings.is_sandbox


def _manager(portal: Portal, form: dict[str, Any]) -> None:
    require_csrf(portal, form.get("csrf_token"))
    portal_principal(portal).require(Permission.MANAGE_WEBHOOKS)


@router.get("/webhooks")
def endpoint_list(
    request: Request, portal: PortalDep, after: IdQuery = None, notice: NoticeQuery = None
) -> Response:
    with portal_uow(request, portal) as uow:
        found = endpoints.list_endpoints(uow, portal_principal(portal), after_id=after, limit=PAGE + 1)
    next_after = found[PAGE - 1].id if len(found) > PAGE else None
    return _page(
        request, portal, "list", endpoints=found[:PAGE], next_after=next_after, after=after, notice=notice
    )


@router.get("/webhooks/new")
def new_endpoint(request: Request, portal: PortalDep) -> Response:
    portal_principal(portal).require(Permission.MANAGE_WEBHOOKS)
    return _page(request, portal, "new", form=webhook_form.EndpointForm())


@router.post("/webhooks/new")
def create_endpoint(request: Request, portal: PortalDep, form: FormData) -> Response:
    _manager(portal, form)
    values = webhook_form.parse(form)
    if not values.errors:
        data = endpoints.NewEndpoint(values.url, values.chosen, values.description, values.ordered)
        container = portal.container
        try:
            with portal_uow(request, portal) as uow:
                made = endpoints.create_endpoint(
                    uow, container.cipher, container.webhook_transport(), portal_principal(portal), data,
                    live=_live(portal),
                )  # fmt: skip
        except InvalidInput as exc:
            values = webhook_form.with_problems(values, exc.errors)
        else:
            return _page(request, portal, "secret", status=201, made=made, rotated=False)
    return _page(request, portal, "new", status=422, form=values)


def _endpoint_page(
    request: Request,
    portal: Portal,
    endpoint_id: str,
    *,
    status: int = 200,
    form: webhook_form.EndpointForm | None = None,
    range_form: webhook_form.RangeForm | None = None,
    query: dict[str, Any] | None = None,
) -> Response:
    """The endpoint, its settings form and a page of its delivery log (newest first)."""
    query = query or {}
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        endpoint = endpoints.get_endpoint(uow, principal, endpoint_id)
        found = log.list_deliveries(
            uow, principal, endpoint.id, status=query.get("status"), after_id=query.get("after"),
            limit=PAGE + 1,
        )  # fmt: skip
    next_after = found[PAGE - 1].delivery.id if len(found) > PAGE else None
    here = f"{BASE}/{endpoint.id}"
    filtered = here + (f"?status={query['status'].value}" if query.get("status") else "")
    return _page(
        request, portal, "endpoint", status=status, endpoint=endpoint, deliveries=found[:PAGE],
        next_after=next_after, form=form or webhook_form.from_endpoint(endpoint), log_url=filtered,
        range_form=range_form or webhook_form.default_range(portal.container.clock.now()),
        statuses=[s.value for s in DeliveryStatus], query=query,
    )  # fmt: skip


@router.get("/webhooks/{endpoint_id}")
def endpoint_page(
    request: Request,
    portal: PortalDep,
    endpoint_id: str,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    after: IdQuery = None,
    notice: NoticeQuery = None,
    count: CountQuery = None,
    more: bool = False,
) -> Response:
    query = {"status": status, "after": after, "notice": notice, "count": count, "more": more}
    return _endpoint_page(request, portal, endpoint_id, query=query)


def _back(endpoint_id: str, notice: str, **extra: object) -> RedirectResponse:
    return RedirectResponse(f"{BASE}/{endpoint_id}?{urlencode({'notice': notice, **extra})}", status_code=303)


@router.post("/webhooks/{endpoint_id}")
def update_endpoint(request: Request, portal: PortalDep, endpoint_id: str, form: FormData) -> Response:
    _manager(portal, form)
    values = webhook_form.parse(form)
    if not values.errors:
        change = endpoints.EndpointChange(
            url=values.url, events=values.chosen, description=values.description, ordered=values.ordered
        )
        try:
            with portal_uow(request, portal) as uow:
                endpoints.update_endpoint(
                    uow, portal.container.webhook_transport(), portal_principal(portal), endpoint_id,
                    change, live=_live(portal),
                )  # fmt: skip
        except InvalidInput as exc:
            values = webhook_form.with_problems(values, exc.errors)
        else:
            return _back(endpoint_id, "saved")
    return _endpoint_page(request, portal, endpoint_id, status=422, form=values)


@router.post("/webhooks/{endpoint_id}/status")
def change_status(request: Request, portal: PortalDep, endpoint_id: str, form: FormData) -> Response:
    _manager(portal, form)
    wanted = str(form.get("status", ""))
    if wanted not in (EndpointStatus.ACTIVE, EndpointStatus.DISABLED):
        raise InvalidInput("must be active or disabled", field="status")
    with portal_uow(request, portal) as uow:
        endpoints.update_endpoint(
            uow, portal.container.webhook_transport(), portal_principal(portal), endpoint_id,
            endpoints.EndpointChange(status=EndpointStatus(wanted)), live=_live(portal),
        )  # fmt: skip
    return _back(endpoint_id, "enabled" if wanted == EndpointStatus.ACTIVE else "disabled")


@router.post("/webhooks/{endpoint_id}/rotate-secret")
def rotate_secret(request: Request, portal: PortalDep, endpoint_id: str, form: FormData) -> Response:
    _manager(portal, form)
    with portal_uow(request, portal) as uow:
        made = endpoints.rotate_secret(uow, portal.container.cipher, portal_principal(portal), endpoint_id)
    return _page(request, portal, "secret", made=made, rotated=True)


@router.get("/webhooks/{endpoint_id}/delete")
def confirm_delete(request: Request, portal: PortalDep, endpoint_id: str) -> Response:
    principal = portal_principal(portal)
    principal.require(Permission.MANAGE_WEBHOOKS)
    with portal_uow(request, portal) as uow:
        endpoint = endpoints.get_endpoint(uow, principal, endpoint_id)
    return _page(request, portal, "delete", endpoint=endpoint)


@router.post("/webhooks/{endpoint_id}/delete")
def delete_endpoint(request: Request, portal: PortalDep, endpoint_id: str, form: FormData) -> Response:
    _manager(portal, form)
    with portal_uow(request, portal) as uow:
        endpoints.delete_endpoint(uow, portal_principal(portal), endpoint_id)
    return RedirectResponse(f"{BASE}?notice=deleted", status_code=303)


@router.post("/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver")
def redeliver(
    request: Request, portal: PortalDep, endpoint_id: str, delivery_id: str, form: FormData
) -> Response:
    _manager(portal, form)
    principal = portal_principal(portal)
    try:
        with portal_uow(request, portal) as uow:
            if log.get_delivery(uow, principal, delivery_id).endpoint_id != endpoint_id:
                raise NotFound(f"no webhook delivery {delivery_id}", code="webhook_delivery.not_found")
            log.redeliver(uow, principal, delivery_id)
    except Conflict as exc:
        return _back(endpoint_id, _REFUSED.get(exc.code, "refused"))
    return _back(endpoint_id, "redelivered")


@router.post("/webhooks/{endpoint_id}/redeliver")
def redeliver_range(request: Request, portal: PortalDep, endpoint_id: str, form: FormData) -> Response:
    _manager(portal, form)
    typed = webhook_form.parse_range(form)
    if typed.span is None:
        return _endpoint_page(request, portal, endpoint_id, status=422, range_form=typed)
    try:
        with portal_uow(request, portal) as uow:
            done = log.redeliver_range(uow, portal_principal(portal), endpoint_id, *typed.span)
    except Conflict as exc:
        return _back(endpoint_id, _REFUSED.get(exc.code, "refused"))
    extra = {"count": len(done.delivery_ids)} | ({"more": "true"} if done.more else {})
    return _back(endpoint_id, "redelivered_range", **extra)
