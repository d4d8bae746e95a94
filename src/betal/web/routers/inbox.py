"""``/inbox``: the payer's one inbox across every organisation, after a login by one-time code.

Spec: DESIGN.md "Core entities" (a payer logs into the inbox with a one-time code sent to a verified
channel) and ``services.inbox``. Flow: ``/inbox/login`` (e-mail or phone) → ``/inbox/verify`` (the code)
→ ``/inbox`` (messages, newest first) → ``/inbox/messages/{id}`` (the request, its attachment and the
allowed methods, linking to the pay page) → ``/inbox/messages/{id}/attachments/{attachment id}``;
``POST /inbox/logout``. The session lives in the database; the ``betal_payer`` cookie carries its id
signed with itsdangerous (key ``settings.secret_key``), like the portal's ``betal_session``, and
``betal_payer_login`` carries the destination between the two login steps (signed, timed). Forms before
the login use the signed double-submit token; the logout form a token bound to the session (an HMAC of
its id). Every cookie is HttpOnly, SameSite=Lax, and Secure over https.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.errors import InvalidInput, NotFound, RateLimited
from betal.domain.inbox import PayerSession
from betal.services import inbox as inbox_service
from betal.services.attachment import message_attachment
from betal.services.payment_request import pay_url
from betal.web import cookies
from betal.web.deps import ContainerDep
from betal.web.routers.pay import amount_due, error_page, form_token_ok, page, payer_actor, pdf_response
from betal.web.templating import language_of

router = APIRouter(prefix="/inbox", include_in_schema=False)
FormField = Annotated[str, Form()]
PAYER = "betal_payer"
PENDING_LOGIN = "betal_payer_login"
LOGIN = "/inbox/login"
HOME = "/inbox"


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=f"betal.web.payer.{purpose}")


def _set_cookie(response: Response, settings: Settings, name: str, value: str, max_age: int) -> None:
    secure = settings.base_url.startswith("https://")
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=secure)


def _clear_cookie(response: Response, settings: Settings, name: str) -> None:
    secure = settings.base_url.startswith("https://")
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=secure)


def _signed(request: Request, settings: Settings, name: str, purpose: str, max_age: int) -> str | None:
    value = request.cookies.get(name)
    if not value:
        return None
    try:
        loaded = _serializer(settings, purpose).loads(value, max_age=max_age)
    except BadSignature:
        return None
    return loaded if isinstance(loaded, str) else None


def session_csrf(settings: Settings, session_id: str) -> str:
    """The logout form's token: bound to the session, useless without the secret key."""
    key = f"betal.web.payer.csrf:{settings.secret_key}".encode()
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Payer:
    session: PayerSession
    csrf_token: str


def find_payer(request: Request, container: Container) -> Payer | None:
    ttl = int(inbox_service.SESSION_TTL.total_seconds())
    session_id = _signed(request, container.settings, PAYER, "session", ttl)
    if session_id is None:
        return None
    with container.uow(payer_actor(request, "inbox")) as uow:
        session = inbox_service.current_session(uow, session_id)
    return None if session is None else Payer(session, session_csrf(container.settings, session.id))


def _pending_destination(request: Request, settings: Settings) -> str | None:
    ttl = int(inbox_service.CODE_TTL.total_seconds())
    return _signed(request, settings, PENDING_LOGIN, "login", ttl)


def _login_form(
    request: Request, container: Container, *, destination: str = "", error: str | None = None,
    status: int = 200, retry_after: int = 0,
) -> Response:  # fmt: skip
    context = {"destination": destination, "error": error, "retry_minutes": math.ceil(retry_after / 60)}
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return page(request, container, "inbox/login.html", context, status=status, headers=headers)


@router.get("/login")
def login_page(request: Request, container: ContainerDep) -> Response:
    if find_payer(request, container) is not None:
        return RedirectResponse(HOME, status_code=303)
    return _login_form(request, container)


@router.post("/login")
def login(
    request: Request, container: ContainerDep, destination: FormField = "", csrf_token: FormField = ""
) -> Response:
    if not form_token_ok(request, container, csrf_token):
        return error_page(request, container, 403)
    try:
        with container.uow(payer_actor(request, "inbox")) as uow:
            sent_to = inbox_service.request_code(
                uow, container.cipher, container.renderer(), destination, language=language_of(request)
            )
    except RateLimited as exc:
        return _login_form(
            request, container, destination=destination, error="rate_limited", status=429,
            retry_after=exc.retry_after,
        )  # fmt: skip
    except InvalidInput:
        return _login_form(request, container, destination=destination, error="invalid", status=422)
    response = RedirectResponse("/inbox/verify", status_code=303)
    value = _serializer(container.settings, "login").dumps(sent_to.address)
    _set_cookie(
        response, container.settings, PENDING_LOGIN, value, int(inbox_service.CODE_TTL.total_seconds())
    )
    return response


def _verify_form(
    request: Request, container: Container, destination: str, *, error: str | None = None, status: int = 200
) -> Response:
    context = {"destination": destination, "sms": "@" not in destination, "error": error}
    return page(request, container, "inbox/verify.html", context, status=status)


@router.get("/verify")
def verify_page(request: Request, container: ContainerDep) -> Response:
    destination = _pending_destination(request, container.settings)
    if destination is None:
        return RedirectResponse(LOGIN, status_code=303)
    return _verify_form(request, container, destination)


@router.post("/verify")
def verify(
    request: Request, container: ContainerDep, code: FormField = "", csrf_token: FormField = ""
) -> Response:
    if not form_token_ok(request, container, csrf_token):
        return error_page(request, container, 403)
    destination = _pending_destination(request, container.settings)
    if destination is None:
        return RedirectResponse(LOGIN, status_code=303)
    previous = find_payer(request, container)
    try:
        with container.uow(payer_actor(request, "inbox")) as uow:
            session = inbox_service.verify_code(uow, container.cipher, destination, code)
    except InvalidInput:
        return _verify_form(request, container, destination, error="wrong_code", status=422)
    if previous is not None:  # a second login in the same browser ends the first session
        with container.uow(payer_actor(request, "inbox")) as uow:
            inbox_service.logout(uow, previous.session.id)
    response = RedirectResponse(HOME, status_code=303)
    value = _serializer(container.settings, "session").dumps(session.id)
    _set_cookie(response, container.settings, PAYER, value, int(inbox_service.SESSION_TTL.total_seconds()))
    _clear_cookie(response, container.settings, PENDING_LOGIN)
    return response


def _payer_page(
    request: Request, container: Container, payer: Payer, template: str, context: dict[str, Any]
) -> Response:
    return page(request, container, template, {"payer_csrf": payer.csrf_token, **context})


@router.get("")
def inbox_page(request: Request, container: ContainerDep) -> Response:
    payer = find_payer(request, container)
    if payer is None:
        return RedirectResponse(LOGIN, status_code=303)
    with container.uow(payer_actor(request, "inbox")) as uow:
        items = inbox_service.inbox(uow, payer.session)
    return _payer_page(request, container, payer, "inbox/list.html", {"items": items})


@router.get("/messages/{message_id}")
def message_page(request: Request, container: ContainerDep, message_id: str) -> Response:
    payer = find_payer(request, container)
    if payer is None:
        return RedirectResponse(LOGIN, status_code=303)
    try:
        with container.uow(payer_actor(request, "inbox")) as uow:
            detail = inbox_service.message(uow, payer.session, message_id)
    except NotFound:
        return error_page(request, container)
    link = None if detail.view is None else pay_url(container.signer, "", detail.view.request.id)
    due = None if detail.view is None else amount_due(container, request, detail.view)
    context = {"detail": detail, "view": detail.view, "pay_link": link, "due": due}
    return _payer_page(request, container, payer, "inbox/message.html", context)


@router.get("/messages/{message_id}/attachments/{attachment_id}")
def attachment(request: Request, container: ContainerDep, message_id: str, attachment_id: str) -> Response:
    payer = find_payer(request, container)
    if payer is None:
        return RedirectResponse(LOGIN, status_code=303)
    try:
        with container.uow(payer_actor(request, "inbox")) as uow:
            found, content = message_attachment(uow, payer.session, message_id, attachment_id)
    except NotFound:
        return error_page(request, container)
    return pdf_response(content, found.filename, download=False)


@router.post("/logout")
def logout(request: Request, container: ContainerDep, csrf_token: FormField = "") -> Response:
    payer = find_payer(request, container)
    if payer is not None:
        if not cookies.tokens_match(payer.csrf_token, csrf_token):
            return error_page(request, container, 403)
        with container.uow(payer_actor(request, "inbox")) as uow:
            inbox_service.logout(uow, payer.session.id)
    response = RedirectResponse(LOGIN, status_code=303)
    _clear_cookie(response, container.settings, PAYER)
    return response
