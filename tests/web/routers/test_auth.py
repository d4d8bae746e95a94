"""``/app/login`` and ``/app/logout``: sessions, CSRF on the login form, rate limiting, safe ``next``."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.services import web_session as web_session_service
from betal.web import cookies

from ..portal import PASSWORD, Login, csrf_token, log_in, session_cookie, submit_login


def _sessions(container: bootstrap.Container, session_id: str) -> object:
    with container.uow() as uow:
        return web_session_service.current(uow, session_id)


def _session_id(container: bootstrap.Container, client: TestClient) -> str:
    value = session_cookie(client)
    assert value is not None
    session_id = cookies._unsigned(container.settings, "session", value)
    assert session_id is not None
    return session_id


class TestLoginPage:
    def test_unauthenticated_portal_pages_redirect_to_login_with_next(self, client: TestClient) -> None:
        response = client.get("/app/?tab=1", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/app/login?next=/app/%3Ftab%3D1"

    def test_root_redirects_to_the_portal(self, client: TestClient) -> None:
        response = client.get("/", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/app/"

    def test_form_carries_a_token_that_matches_a_signed_cookie(self, client: TestClient) -> None:
        response = client.get("/app/login")
        assert response.status_code == 200
        token = csrf_token(response.text)
        assert cookies.LOGIN_CSRF in response.cookies
        assert csrf_token(client.get("/app/login").text) == token  # the same token while the cookie lives

    def test_a_logged_in_user_is_sent_on(self, client: TestClient, accountant: Login) -> None:
        log_in(client, accountant)
        response = client.get("/app/login?next=/app/x", follow_redirects=False)
        assert response.headers["location"] == "/app/x"


class TestLogin:
    def test_success_sets_a_signed_http_only_session_cookie(
        self, client: TestClient, accountant: Login
    ) -> None:
        response = submit_login(client, accountant.email)
        assert response.status_code == 303
        assert response.headers["location"] == "/app/"
        set_cookie = next(v for v in response.headers.get_list("set-cookie") if v.startswith(cookies.SESSION))
        assert "HttpOnly" in set_cookie
        assert "SameSite=lax" in set_cookie
        assert "Secure" not in set_cookie  # base_url is http in tests
        page = client.get("/app/")
        assert page.status_code == 200
        assert "Hansen &amp; Co ApS" in page.text

    def test_wrong_password_shows_an_error_and_makes_no_session(
        self, client: TestClient, accountant: Login
    ) -> None:
        response = submit_login(client, accountant.email, "wrong password!")
        assert response.status_code == 400
        assert "Forkert e-mail eller adgangskode." in response.text
        assert f'value="{accountant.email}"' in response.text
        assert session_cookie(client) is None
        assert client.get("/app/", follow_redirects=False).status_code == 303

    def test_unknown_email_gets_the_same_answer(self, client: TestClient, accountant: Login) -> None:
        response = submit_login(client, "nobody@example.com")
        assert response.status_code == 400
        assert "Forkert e-mail eller adgangskode." in response.text

    @pytest.mark.parametrize("token", [None, "", "forged-token"])
    def test_without_the_login_token_is_refused(
        self, client: TestClient, accountant: Login, token: str | None
    ) -> None:
        client.get("/app/login")
        data = {"email": accountant.email, "password": PASSWORD}
        if token is not None:
            data["csrf_token"] = token
        response = client.post("/app/login", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "Formularen er udløbet" in response.text
        assert session_cookie(client) is None

    def test_a_token_without_its_cookie_is_refused(self, client: TestClient, accountant: Login) -> None:
        token = csrf_token(client.get("/app/login").text)
        client.cookies.delete(cookies.LOGIN_CSRF)
        data = {"email": accountant.email, "password": PASSWORD, "csrf_token": token}
        assert client.post("/app/login", data=data, follow_redirects=False).status_code == 403

    @pytest.mark.parametrize(
        ("next_path", "location"),
        [
            ("/app/?a=1", "/app/?a=1"),
            ("https://evil.example/", "/app/"),
            ("//evil.example/app/", "/app/"),
            ("/\\evil.example", "/app/"),
            ("javascript:alert(1)", "/app/"),
            ("", "/app/"),
        ],
    )
    def test_next_must_be_a_local_path(
        self, client: TestClient, accountant: Login, next_path: str, location: str
    ) -> None:
        response = submit_login(client, accountant.email, next_path=next_path)
        assert response.status_code == 303
        assert response.headers["location"] == location

    def test_ten_failures_lock_the_email_for_a_while(self, client: TestClient, accountant: Login) -> None:
        for _ in range(10):
            assert submit_login(client, accountant.email, "wrong password!").status_code == 400
        response = submit_login(client, accountant.email)  # even the right password
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0
        assert "For mange mislykkede forsøg" in response.text
        assert session_cookie(client) is None

    def test_a_new_login_ends_the_previous_session(
        self, client: TestClient, container: bootstrap.Container, accountant: Login
    ) -> None:
        token = csrf_token(client.get("/app/login").text)
        data = {"email": accountant.email, "password": PASSWORD, "csrf_token": token}
        assert client.post("/app/login", data=data, follow_redirects=False).status_code == 303
        first = _session_id(container, client)
        assert client.post("/app/login", data=data, follow_redirects=False).status_code == 303  # a second tab
        assert _session_id(container, client) != first
        assert _sessions(container, first) is None


class TestLogout:
    def test_ends_the_session_server_side(
        self, client: TestClient, container: bootstrap.Container, accountant: Login
    ) -> None:
        token = log_in(client, accountant)
        old_cookie = session_cookie(client)
        assert old_cookie is not None
        response = client.post("/app/logout", data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/app/login"
        assert session_cookie(client) is None
        client.cookies.set(cookies.SESSION, old_cookie)  # replaying the old cookie does not help
        assert client.get("/app/", follow_redirects=False).status_code == 303

    @pytest.mark.parametrize("token", [None, "wrong"])
    def test_needs_the_csrf_token(
        self, client: TestClient, container: bootstrap.Container, accountant: Login, token: str | None
    ) -> None:
        log_in(client, accountant)
        session_id = _session_id(container, client)
        data = {} if token is None else {"csrf_token": token}
        response = client.post("/app/logout", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "Formularen er udløbet" in response.text
        assert _sessions(container, session_id) is not None
        assert client.get("/app/").status_code == 200

    def test_without_a_session_goes_to_the_login_page(self, client: TestClient) -> None:
        response = client.post("/app/logout", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/app/login"
