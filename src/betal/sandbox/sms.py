"""betal Sandbox SMS gateway: GatewayAPI's ``POST /rest/mtsms``, recording messages instead of sending.

Spec: GatewayAPI "REST API — Sending SMS" (gatewayapi.com/docs/apis/rest/) and docs/notifications.md
"Channels". Behaviour:

- ``POST /sandbox/sms/rest/mtsms`` needs ``Authorization: Token <token>``, the token derived from
  ``BETAL_SECRET_KEY`` for the gateway's base URL (``_support.derived_secret``), else 401 ``0x0213``.
  The body ``{"sender", "message", "recipients": [{"msisdn": 4520304050}], "userref"?}`` must name
  1–100 recipients whose msisdn is an integer of 8–15 digits (E.164 without the ``+``), else 422
  ``0x0216``. It answers 200 ``{"ids": [...]}``, one id per recipient; a repeated ``userref`` answers the
  first response and records nothing new (so a retried send is recorded once).
- ``GET /sandbox/sms/messages`` lists the recorded messages, oldest first (``?msisdn=`` filters), for
  tests and the dev mailbox.

It is the outside world: state lives in ``container.sandbox_store()`` (provider ``sms``) and it never calls
betal's services.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from betal.bootstrap import Container
from betal.sandbox._support import Refusal, Sandbox, answers, body_of, create_once, derived_secret

KEY = "sms"
PREFIX = f"/sandbox/{KEY}"
MAX_RECIPIENTS = 100
MAX_MESSAGE = 1530  # ten concatenated GSM parts
router = APIRouter(prefix=PREFIX, tags=["sandbox"], include_in_schema=False)


def _error(status: int, code: str, message: str) -> Refusal:
    return Refusal(JSONResponse({"code": code, "message": message}, status_code=status))


def token_for(container: Container) -> str:
    """The token the sandbox gateway accepts: derived from the secret key and the gateway's base URL."""
    return derived_secret(container, container.settings.provider_url(KEY))


def _authorise(container: Container, request: Request) -> None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Token" or not hmac.compare_digest(token.encode(), token_for(container).encode()):
        raise _error(401, "0x0213", "Unauthorized: send Authorization: Token <your API token>")


def _msisdns(body: dict[str, Any]) -> list[int]:
    recipients = body.get("recipients")
    if not isinstance(recipients, list) or not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise _error(422, "0x0216", f"recipients must list 1 to {MAX_RECIPIENTS} recipients")
    numbers = [r.get("msisdn") if isinstance(r, dict) else None for r in recipients]
    for number in numbers:
        if type(number) is not int or not 8 <= len(str(number)) <= 15:
            raise _error(422, "0x0216", f"invalid recipient msisdn: {number!r}")
    return [n for n in numbers if isinstance(n, int)]


def _validated(raw: bytes) -> tuple[dict[str, Any], list[int]]:
    try:
        body = json.loads(raw)
    except ValueError:
        raise _error(400, "0x0001", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise _error(400, "0x0001", "the body must be a JSON object")
    for name in ("sender", "message"):
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            raise _error(422, "0x0216", f"{name} is required")
    if len(body["message"]) > MAX_MESSAGE:
        raise _error(422, "0x0216", f"message is longer than {MAX_MESSAGE} characters")
    return body, _msisdns(body)


def _record(container: Container, body: dict[str, Any], msisdns: list[int]) -> dict[str, Any]:
    userref = body.get("userref") if isinstance(body.get("userref"), str) else None
    seed = f"userref:{userref}" if userref else f"auto:{secrets.token_hex(16)}"
    ids = [int(hashlib.sha256(f"{seed}:{n}".encode()).hexdigest()[:12], 16) for n in msisdns]
    doc = {
        "id": ids[0], "ids": ids, "sender": body["sender"], "message": body["message"],
        "recipients": [{"msisdn": n} for n in msisdns], "userref": userref,
        "created_at": container.clock.now().isoformat(),
    }  # fmt: skip
    create_once(container, KEY, "message", f"msg:{ids[0]}", doc)  # a repeated userref: the first one
    return {"ids": ids}


@router.post("/rest/mtsms")
@answers
def send_sms(request: Request, container: Sandbox, raw: Annotated[bytes, Depends(body_of)]) -> Response:
    _authorise(container, request)
    body, msisdns = _validated(raw)
    return JSONResponse(_record(container, body, msisdns))


@router.get("/messages")
def list_messages(container: Sandbox, msisdn: int | None = None) -> dict[str, Any]:
    messages = container.sandbox_store().list(KEY, "message")
    if msisdn is not None:
        messages = [m for m in messages if {"msisdn": msisdn} in m["recipients"]]
    return {"messages": messages}
