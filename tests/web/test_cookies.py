"""The portal's cookies: signed session ids and login tokens, flags, constant-time comparison."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from betal.config import Settings
from betal.web import cookies

SECRET = "cookie-test-secret-0123456789abcdef"


def _settings(base_url: str = "http://127.0.0.1:8000", secret: str = SECRET) -> Settings:
    return Settings(secret_key=secret, base_url=base_url)


def _request(cookie_header: str) -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "headers": [(b"cookie", cookie_header.encode())]}
    )


def _cookie(response: Response, name: str) -> tuple[str, str]:
    header = next(v for k, v in response.raw_headers if k == b"set-cookie" and v.startswith(name.encode()))
    text = header.decode()
    return text.split(";")[0].split("=", 1)[1], text


class TestSessionCookie:
    def test_round_trip(self) -> None:
        response = Response()
        cookies.set_session(response, _settings(), "session-id")
        value, header = _cookie(response, cookies.SESSION)
        assert "HttpOnly" in header
        assert "SameSite=lax" in header
        assert "Secure" not in header
        assert cookies.session_id(_request(f"{cookies.SESSION}={value}"), _settings()) == "session-id"

    def test_secure_over_https(self) -> None:
        response = Response()
        cookies.set_session(response, _settings("https://betal.example"), "session-id")
        assert "Secure" in _cookie(response, cookies.SESSION)[1]

    def test_a_tampered_or_foreign_cookie_is_ignored(self) -> None:
        response = Response()
        cookies.set_session(response, _settings(), "session-id")
        value, _ = _cookie(response, cookies.SESSION)
        other_key = _settings(secret="another-secret-0123456789abcdef")
        assert cookies.session_id(_request(f"{cookies.SESSION}={value}"), other_key) is None
        assert cookies.session_id(_request(f"{cookies.SESSION}=x{value}"), _settings()) is None
        assert cookies.session_id(_request(""), _settings()) is None

    def test_a_login_token_is_not_a_session_id(self) -> None:
        response = Response()
        cookies.set_login_csrf(response, _settings(), "token")
        value, _ = _cookie(response, cookies.LOGIN_CSRF)
        assert cookies.login_csrf(_request(f"{cookies.LOGIN_CSRF}={value}"), _settings()) == "token"
        assert cookies.session_id(_request(f"{cookies.SESSION}={value}"), _settings()) is None

    def test_clear(self) -> None:
        response = Response()
        cookies.clear_session(response, _settings())
        assert "Max-Age=0" in _cookie(response, cookies.SESSION)[1]


class TestLanguageCookie:
    def test_kept_for_a_year(self) -> None:
        response = Response()
        cookies.set_language(response, _settings(), "en")
        value, header = _cookie(response, cookies.LANGUAGE)
        assert value == "en"
        assert f"Max-Age={cookies.LANGUAGE_MAX_AGE}" in header


class TestTokensMatch:
    def test_equal(self) -> None:
        assert cookies.tokens_match("abc", "abc")

    def test_different_or_missing(self) -> None:
        assert not cookies.tokens_match("abc", "abd")
        assert not cookies.tokens_match("abc", None)
        assert not cookies.tokens_match(None, None)
        assert not cookies.tokens_match("", "")

    def test_new_tokens_are_random(self) -> None:
        assert cookies.new_token() != cookies.new_token()
        assert len(cookies.new_token()) >= 43
