"""``/app/login`` and ``/app/logout``: password login into a server-side session, and ending it."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from betal.domain.errors import Forbidden, RateLimited, Unauthenticated
from betal.services import web_session as web_session_service
from betal.web import cookies
from betal.web.deps import LOGIN, ContainerDep, actor, find_portal, require_csrf, safe_next
from betal.web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)
FormField = Annotated[str, Form()]


def _login_form(
    request: Request,
    container: ContainerDep,
    *,
    next_path: str,
    email: str = "",
    error: str | None = None,
    status: int = 200,
    retry_after: int = 0,
) -> Response:
    """The login page; reuses the browser's pre-login CSRF token or starts a new one."""
    token = cookies.login_csrf(request, container.settings)
    fresh = token is None
    token = token or cookies.new_token()
    context = {
        "next": next_path,
        "email": email,
        "error": error,
        "retry_minutes": math.ceil(retry_after / 60),
        "csrf_token": token,
    }
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    response = render(request, "auth/login.html", context, status=status, headers=headers)
    if fresh:
        cookies.set_login_csrf(response, container.settings, token)
    return response


@router.get("/login")
def login_page(
    request: Request, container: ContainerDep, next_path: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    if find_portal(request, container) is not None:
        return RedirectResponse(safe_next(next_path), status_code=303)
    return _login_form(request, container, next_path=safe_next(next_path))


@router.post("/login")
def login(
    request: Request,
    container: ContainerDep,
    email: FormField = "",
    password: FormField = "",
    csrf_token: FormField = "",
    next_path: Annotated[str, Form(alias="next")] = "",
) -> Response:
    settings = container.settings
    if not cookies.tokens_match(cookies.login_csrf(request, settings), csrf_token):
        raise Forbidden("the login form's security token is missing or wrong", code="csrf.invalid")
    target = safe_next(next_path)
    try:
        with container.uow(actor(request)) as uow:
            session = web_session_service.login(
                uow, container.hasher, email=email, password=password, ttl=cookies.SESSION_TTL
            )
    except RateLimited as exc:
        return _login_form(
            request, container, next_path=target, email=email, error="rate_limited", status=429,
            retry_after=exc.retry_after,
        )  # fmt: skip
    except Unauthenticated:
        return _login_form(
            request, container, next_path=target, email=email, error="login_failed", status=400
        )
    previous = cookies.session_id(request, settings)
    if previous is not None:  # a second login in the same browser ends the first session
        with container.uow(actor(request, session.user_id)) as uow:
            web_session_service.logout(uow, previous)
    response = RedirectResponse(target, status_code=303)
    cookies.set_session(response, settings, session.id)
    return response


@router.post("/logout")
def logout(request: Request, container: ContainerDep, csrf_token: FormField = "") -> Response:
    portal = find_portal(request, container)
    response = RedirectResponse(LOGIN, status_code=303)
    if portal is not None:
        require_csrf(portal, csrf_token)
        with container.uow(actor(request, portal.user.id)) as uow:
            web_session_service.logout(uow, portal.session.id)
    cookies.clear_session(response, container.settings)
    return response
