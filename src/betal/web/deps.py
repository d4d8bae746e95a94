"""Request dependencies of the portal: the container, the logged-in session, CSRF checks, safe redirects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request

from betal.bootstrap import Container
from betal.domain.errors import Forbidden, NotFound
from betal.domain.tenancy import Membership, Organisation, Principal, User, WebSession
from betal.ports import Actor, UnitOfWork
from betal.services import user as user_service
from betal.services import web_session as web_session_service
from betal.web import cookies

HOME = "/app/"
LOGIN = "/app/login"


class LoginRequired(Exception):
    """Raised by a portal page without a live session; answered with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def actor(request: Request, user_id: str | None = None) -> Actor:
    ip = request.client.host if request.client else None
    request_id = getattr(request.state, "request_id", None)
    if user_id is None:
        return Actor("anonymous", "portal", ip, request_id)
    return Actor("user", user_id, ip, request_id)


@dataclass(frozen=True)
class Portal:
    """The logged-in user on this request, their session and their organisations (for the header)."""

    container: Container
    session: WebSession
    user: User
    memberships: list[tuple[Organisation, Membership]]

    @property
    def organisation(self) -> Organisation | None:
        return next((o for o, _ in self.memberships if o.id == self.session.organisation_id), None)


def find_portal(request: Request, container: Container) -> Portal | None:
    session_id = cookies.session_id(request, container.settings)
    if session_id is None:
        return None
    with container.uow(actor(request)) as uow:
        found = web_session_service.current(uow, session_id)
        if found is None:
            return None
        session, user = found
        return Portal(container, session, user, user_service.organisations_of(uow, user.id))


def get_portal(request: Request, container: Annotated[Container, Depends(get_container)]) -> Portal:
    portal = find_portal(request, container)
    if portal is None:
        if request.method != "GET":  # a form post cannot be replayed after the login: start at home
            raise LoginRequired(HOME)
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return portal


def portal_principal(portal: Portal) -> Principal:
    """The signed-in user acting in the organisation the session looks at, with their role there."""
    role = next((m.role for o, m in portal.memberships if o.id == portal.session.organisation_id), None)
    if role is None or portal.session.organisation_id is None:
        raise NotFound("the session looks at no organisation", code="organisation.not_found")
    return Principal(portal.session.organisation_id, role, "user", portal.user.id)


def portal_uow(request: Request, portal: Portal) -> UnitOfWork:
    """A unit of work whose audit entries name the signed-in user and the request."""
    return portal.container.uow(actor(request, portal.user.id))


def require_csrf(portal: Portal, token: str | None) -> None:
    """403 unless the form sent the session's CSRF token."""
    if not cookies.tokens_match(portal.session.csrf_token, token):
        raise Forbidden("the form's security token is missing or wrong", code="csrf.invalid")


def safe_next(value: str | None) -> str:
    """``value`` when it is a path on this site, else the portal's front page (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return HOME
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return HOME
    return value


def login_url(next_path: str) -> str:
    target = safe_next(next_path)
    return LOGIN if target == HOME else f"{LOGIN}?next={quote(target, safe='/')}"


ContainerDep = Annotated[Container, Depends(get_container)]
PortalDep = Annotated[Portal, Depends(get_portal)]
