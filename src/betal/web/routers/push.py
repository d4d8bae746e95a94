"""Web Push for the payer inbox: the service worker, the VAPID public key, the device's subscription.

Spec: W3C Service Workers (a worker's scope is at most its script's directory, ``/inbox/``, unless
``Service-Worker-Allowed`` widens it: ``/inbox`` lets the scope cover the inbox's own page ``/inbox`` too),
W3C Push API (``PushSubscription.toJSON()`` is the request body) and RFC 9457 (errors as problem+json with
``errors: [{field, message}]``).

- ``GET /inbox/sw.js``: ``web/static/inbox-sw.js`` as JavaScript (scope ``/inbox``); it shows each push
  and opens its link.
- ``GET /inbox/push/key``: ``{"public_key": <base64url uncompressed P-256 point>}``, the
  ``applicationServerKey`` (made on first need; ``services.push``).
- ``POST /inbox/push/subscriptions``: JSON ``{endpoint, keys: {p256dh, auth}}`` → 201; needs the payer's
  session cookie (else 401) and the session's CSRF token in ``X-CSRF-Token`` (else 403; the inbox page
  carries it); a bad key or endpoint → 422 naming the field, nothing saved. ``http`` endpoints on this
  machine are accepted in sandbox mode only.
- ``DELETE /inbox/push/subscriptions``: JSON ``{endpoint}`` → 204; the device gets no more pushes.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from betal.bootstrap import Container
from betal.domain.errors import BetalError, InvalidInput, NotFound
from betal.services import push as push_service
from betal.web import cookies
from betal.web.deps import ContainerDep
from betal.web.routers.inbox import Payer, find_payer
from betal.web.routers.pay import payer_actor
from betal.web.templating import SECURITY_HEADERS, STATIC_DIR

router = APIRouter(prefix="/inbox", include_in_schema=False)
PROBLEM = "application/problem+json"
TYPE_BASE = "https://betal.dk/problems/"
CSRF_HEADER = "X-CSRF-Token"
SERVICE_WORKER = "inbox-sw.js"
SCOPE = "/inbox"
_JSON_HEADERS = {key: SECURITY_HEADERS[key] for key in ("X-Content-Type-Options", "Cache-Control")}
_NOT_JSON = object()


def problem(status: int, title: str, detail: str, code: str, errors: list[dict[str, str]] | None = None
            ) -> JSONResponse:  # fmt: skip
    """RFC 9457 problem+json, in the API's shape (``type``, ``title``, ``status``, ``detail``, ``code``)."""
    body: dict[str, Any] = {"type": TYPE_BASE + code, "title": title, "status": status, "detail": detail,
                            "code": code}  # fmt: skip
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=_JSON_HEADERS)


def problem_for(error: BetalError) -> JSONResponse:
    if isinstance(error, InvalidInput):
        errors = [{"field": p.field, "message": p.message} for p in error.errors]
        return problem(422, error.title, error.detail, error.code, errors)
    status = 404 if isinstance(error, NotFound) else 400
    return problem(status, error.title, error.detail, error.code)


async def json_body(request: Request) -> object:
    """The request's JSON document, or a marker when the body is not JSON."""
    try:
        return json.loads(await request.body())
    except ValueError:
        return _NOT_JSON


JsonBody = Annotated[object, Depends(json_body)]


def _authorised(request: Request, container: Container) -> Payer | JSONResponse:
    payer = find_payer(request, container)
    if payer is None:
        return problem(401, "Unauthenticated", "log in to the inbox first", "inbox.login_required")
    if not cookies.tokens_match(payer.csrf_token, request.headers.get(CSRF_HEADER)):
        return problem(403, "Forbidden", f"the {CSRF_HEADER} header is missing or wrong", "csrf.invalid")
    return payer


@router.get("/sw.js")
def service_worker() -> Response:
    script = (STATIC_DIR / SERVICE_WORKER).read_bytes()
    headers = {
        "Service-Worker-Allowed": SCOPE,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SECURITY_HEADERS["Content-Security-Policy"],
    }
    return Response(script, media_type="application/javascript", headers=headers)


@router.get("/push/key")
def public_key(container: ContainerDep) -> JSONResponse:
    key = push_service.application_server_key(container.push_keys())
    return JSONResponse({"public_key": key}, headers=_JSON_HEADERS)


@router.post("/push/subscriptions")
def subscribe(request: Request, container: ContainerDep, body: JsonBody) -> Response:
    payer = _authorised(request, container)
    if isinstance(payer, JSONResponse):
        return payer
    if body is _NOT_JSON:
        return problem(400, "Bad request", "the body is not JSON", "invalid_json")
    try:
        with container.uow(payer_actor(request, "inbox")) as uow:
            stored = push_service.register_subscription(
                uow, payer.session, body, allow_local_http=container.settings.is_sandbox
            )
    except (InvalidInput, NotFound) as exc:
        return problem_for(exc)
    data = [{"id": s.id, "status": s.status.value} for s in stored]
    return JSONResponse({"data": data}, status_code=201, headers=_JSON_HEADERS)


@router.delete("/push/subscriptions")
def unsubscribe(request: Request, container: ContainerDep, body: JsonBody) -> Response:
    payer = _authorised(request, container)
    if isinstance(payer, JSONResponse):
        return payer
    endpoint = body.get("endpoint") if isinstance(body, dict) else None
    try:
        with container.uow(payer_actor(request, "inbox")) as uow:
            push_service.unregister_subscription(uow, payer.session, endpoint)
    except InvalidInput as exc:
        return problem_for(exc)
    return Response(status_code=204, headers=_JSON_HEADERS)
