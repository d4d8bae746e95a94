"""SMS through an HTTP gateway in the shape of GatewayAPI's REST API (a common Danish SMS gateway).

Spec: GatewayAPI "REST API — Sending SMS" (gatewayapi.com/docs/apis/rest/): ``POST /rest/mtsms`` with
``Authorization: Token <key>`` and a JSON body ``{"sender", "message", "recipients": [{"msisdn": 45…}],
"userref"}``, answered ``{"ids": [...]}``; errors are ``{"code": "0x…", "message": "…"}``. ``userref`` is
our outbox id, so a retried send can be matched to the first (betal's sandbox gateway answers a repeated
``userref`` with the first answer instead of sending again).

Base URL: ``settings.provider_url("sms")`` (sandbox: ``/sandbox/sms``); credentials
``BETAL_PROVIDER_CREDENTIALS={"sms": {"token": "…", "sender": "…"}}``, the sandbox token derived from
``BETAL_SECRET_KEY`` (``sandbox_secret``). HTTP errors are mapped by ``providers.http``: a timeout, no
connection, 5xx or 429 is a ``retry``; any other 4xx (an invalid number) a ``permanent_failure``.
"""

from __future__ import annotations

from typing import Any

import httpx

from betal.adapters.providers import http
from betal.domain.delivery import DeliveryResult
from betal.domain.notification import Channel, OutboxMessage
from betal.domain.provider import ProviderRateLimited, ProviderRejected, ProviderUnavailable

TIMEOUT = 10.0
WHO = "SMS gateway"
SENDER_MAX = 11  # alphanumeric sender ids are at most 11 characters (GSM 03.40)


def describe(body: Any, response: httpx.Response) -> tuple[str, str | None]:
    """GatewayAPI's error body ``{"code": "0x0216", "message": "..."}``."""
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        code = body.get("code")
        return body["message"], code if isinstance(code, str) else None
    return f"{WHO} answered HTTP {response.status_code}", None


def request_body(message: OutboxMessage, sender: str) -> dict[str, Any]:
    """The ``/rest/mtsms`` body for an outbox SMS; the recipient is E.164 (``+4520304050``)."""
    digits = message.recipient.removeprefix("+")
    if not digits.isdigit():
        raise ValueError(f"{message.recipient!r} is not an E.164 phone number")
    return {
        "sender": sender[:SENDER_MAX],
        "message": message.body_text,
        "recipients": [{"msisdn": int(digits)}],
        "userref": message.id,
    }


class GatewaySmsChannel:
    """``MessageChannel`` for SMS: one ``POST /rest/mtsms`` per message."""

    channel = Channel.SMS

    def __init__(self, base_url: str, token: str, sender: str, *, timeout: float = TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.sender = sender
        self.timeout = timeout

    def send(self, message: OutboxMessage, *, sender_name: str | None = None) -> DeliveryResult:
        """Send from the gateway's registered sender id; an organisation name is not a valid one."""
        del sender_name
        try:
            body = request_body(message, self.sender)
        except ValueError as exc:
            return DeliveryResult.permanent_failure(str(exc))
        headers = {"Authorization": f"Token {self.token}"}
        with httpx.Client(base_url=self.base_url, timeout=self.timeout, headers=headers) as client:
            try:
                response = http.send(client, WHO, "POST", "/rest/mtsms", json=body)
                http.check(response, WHO, describe)
                ids = http.json_object(response, WHO).get("ids")
            except (ProviderUnavailable, ProviderRateLimited) as exc:
                return DeliveryResult.retry(str(exc))
            except ProviderRejected as exc:
                return DeliveryResult.permanent_failure(f"{exc.provider_code}: {exc}")
        if not isinstance(ids, list) or not ids:
            return DeliveryResult.retry(f"{WHO} answered without message ids")
        return DeliveryResult.sent(f"gateway ids {ids}")
