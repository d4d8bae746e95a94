"""HTTP to the card acquirer's API (httpx only; raw dicts out); docs/providers/card.md.

``Authorization: Bearer <secret key>`` on every call and an ``Idempotency-Key`` on every POST. Errors
are ``{"error": {"type", "code", "message", "param"}}``: 4xx -> ``ProviderRejected`` (``provider_code``
is the HTTP status, the acquirer's code goes into the message), 429 -> ``ProviderRateLimited``, 5xx and
transport failures -> ``ProviderUnavailable``.
"""

from __future__ import annotations

from typing import Any

import httpx

from betal.adapters.providers.card.config import CardConfig
from betal.adapters.providers.http import check, send

WHO = "card acquirer"


def describe(body: Any, response: httpx.Response) -> tuple[str, str | None]:
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code, message = error.get("code") or "rejected", error.get("message") or response.reason_phrase
    return f"card acquirer: {message} ({code})", None


def raise_for_error(response: httpx.Response) -> None:
    check(response, WHO, describe)


class CardClient:
    def __init__(self, config: CardConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(
            base_url=config.base_url.rstrip("/"),
            timeout=config.timeout_seconds,
            transport=transport,
            headers={"Authorization": f"Bearer {config.secret_key.get_secret_value()}"},
        )

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, *, key: str | None = None, body: Any = None) -> Any:
        headers = {} if key is None else {"Idempotency-Key": key}
        response = send(self._http, WHO, method, path, headers=headers, json=body)
        raise_for_error(response)
        return response.json()

    def create_payment(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/v1/payments", key=key, body=body)
        return result

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/v1/payments/{payment_id}")
        return result

    def refund(self, payment_id: str, key: str, amount: int) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "POST", f"/v1/payments/{payment_id}/refunds", key=key, body={"amount": amount}
        )
        return result

    def cancel(self, payment_id: str, key: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/v1/payments/{payment_id}/cancel", key=key)
        return result

    def list_endpoints(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/v1/webhook-endpoints").get("data") or [])

    def create_endpoint(self, key: str, url: str, events: list[str]) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "POST", "/v1/webhook-endpoints", key=key, body={"url": url, "events": events}
        )
        return result
