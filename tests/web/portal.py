"""Helpers for portal tests: users with memberships, logging in through the form, reading CSRF tokens, and
the payables world's portal over https (``web``: a module that imports it uses it instead of the payer
pages' client)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from betal import bootstrap
from betal.api.app import create_app
from betal.domain.tenancy import Role
from betal.services.organisation import add_member
from betal.services.user import register_user
from betal.web import cookies
from tests.services.approval_support import World

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@dataclass(frozen=True)
class Login:
    email: str
    user_id: str


def make_user(container: bootstrap.Container, email: str, name: str, memberships: dict[str, Role]) -> Login:
    with container.uow() as uow:
        user = register_user(uow, container.hasher, email=email, name=name, password=PASSWORD)
    for organisation_id, role in memberships.items():
        with container.uow() as uow:
            add_member(uow, organisation_id=organisation_id, user_id=user.id, role=role)
    return Login(email, user.id)


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match is not None, "the page has no CSRF field"
    return match.group(1)


def submit_login(client: TestClient, email: str, password: str = PASSWORD, next_path: str = "") -> Response:
    token = csrf_token(client.get("/app/login").text)
    data = {"email": email, "password": password, "csrf_token": token, "next": next_path}
    response: Response = client.post("/app/login", data=data, follow_redirects=False)
    return response


def log_in(client: TestClient, login: Login) -> str:
    """Log in through the form; return the session's CSRF token (from the dashboard)."""
    response = submit_login(client, login.email)
    assert response.status_code == 303, response.text
    return csrf_token(client.get("/app/").text)


def session_cookie(client: TestClient) -> str | None:
    value: str | None = client.cookies.get(cookies.SESSION)
    return value


@pytest.fixture
def web(world: World) -> Iterator[TestClient]:
    """The world's app over https, so the session cookies (Secure) come back."""
    with TestClient(create_app(world.container), base_url="https://testserver",
                    raise_server_exceptions=False) as client:  # fmt: skip
        yield client


def as_bookkeeper(world: World, web: TestClient) -> str:
    """Log the world's bookkeeper in; return the session's CSRF token."""
    return log_in(web, Login(world.bookkeeper.email, world.bookkeeper.id))
