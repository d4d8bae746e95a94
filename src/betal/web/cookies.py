"""The portal's cookies: the signed session id, the signed pre-login CSRF token, and the language.

``betal_session`` carries the web session id signed with itsdangerous (key: ``settings.secret_key``); the
session itself lives in the database, so logout and expiry are decided server-side. ``betal_login_csrf``
protects the login form before a session exists: the cookie holds a signed random token and the form
sends the same token back (double submit). All are HttpOnly, SameSite=Lax, and Secure over https.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from betal.config import Settings

SESSION = "betal_session"
LOGIN_CSRF = "betal_login_csrf"
LANGUAGE = "betal_lang"
SESSION_TTL = timedelta(hours=12)
LANGUAGE_MAX_AGE = 365 * 24 * 3600


def _serializer(settings: Settings, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=f"betal.web.{purpose}")


def _secure(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


def _set(response: Response, settings: Settings, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=_secure(settings)
    )


def _unsigned(settings: Settings, purpose: str, value: str | None) -> str | None:
    if not value:
        return None
    try:
        loaded = _serializer(settings, purpose).loads(value)
    except BadSignature:
        return None
    return loaded if isinstance(loaded, str) else None


def session_id(request: Request, settings: Settings) -> str | None:
    """The session id from a correctly signed cookie, else None."""
    return _unsigned(settings, "session", request.cookies.get(SESSION))


def set_session(response: Response, settings: Settings, session_id: str) -> None:
    value = _serializer(settings, "session").dumps(session_id)
    _set(response, settings, SESSION, value, int(SESSION_TTL.total_seconds()))


def clear_session(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION, path="/", httponly=True, samesite="lax", secure=_secure(settings))


def login_csrf(request: Request, settings: Settings) -> str | None:
    """The pre-login token of a correctly signed cookie, else None."""
    return _unsigned(settings, "login_csrf", request.cookies.get(LOGIN_CSRF))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def set_login_csrf(response: Response, settings: Settings, token: str) -> None:
    """Keep the pre-login token in a signed cookie for the browser session (no max-age).

    It is kept after a login too, so a login form left open in another tab still works.
    """
    _set(response, settings, LOGIN_CSRF, _serializer(settings, "login_csrf").dumps(token), None)


def set_language(response: Response, settings: Settings, language: str) -> None:
    _set(response, settings, LANGUAGE, language, LANGUAGE_MAX_AGE)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
