"""``/app/``: the front page of the portal, and the organisation switcher in the header."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from betal.services import web_session as web_session_service
from betal.web.deps import HOME, PortalDep, actor, require_csrf, safe_next
from betal.web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)


@router.get("/")
def dashboard(request: Request, portal: PortalDep) -> Response:
    with portal.container.uow(actor(request, portal.user.id)) as uow:
        overview = web_session_service.overview(uow, portal.session)
    names = {m.user_id: m.name for m in overview.members}
    return render(request, "dashboard/index.html", {"portal": portal, "overview": overview, "names": names})


@router.post("/switch-organisation")
def switch_organisation(
    request: Request,
    portal: PortalDep,
    organisation_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next_path: Annotated[str, Form(alias="next")] = HOME,
) -> Response:
    require_csrf(portal, csrf_token)
    with portal.container.uow(actor(request, portal.user.id)) as uow:
        web_session_service.switch_organisation(uow, portal.session.id, organisation_id)
    return RedirectResponse(safe_next(next_path), status_code=303)
