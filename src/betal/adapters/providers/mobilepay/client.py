"""HTTP to the MobilePay ePayment, access-token and webhooks APIs (httpx only; raw dicts out).

Spec: developer.vippsmobilepay.com/api/epayment (v1), /api/access-token, /api/webhooks; standards
§8.1. Every call carries ``Ocp-Apim-Subscription-Key`` and ``Merchant-Serial-Number``; every POST an
``Idempotency-Key``. The access token is cached per merchant serial number until shortly before it
expires. Errors: RFC 7807 bodies (with ``extraDetails``) -> ``ProviderRejected``; 429 ->
``ProviderRateLimited``; 5xx and transport failures -> ``ProviderUnavailable``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from betal.adapters.providers.http import check, send
from betal.adapters.providers.mobilepay.config import MobilePayConfig
from betal.domain.provider import ProviderRejected

EPAYMENT = "/epayment/v1/payments"
WEBHOOKS = "/webhooks/v1/webhooks"
TOKEN_MARGIN_SECONDS = 60


WHO = "MobilePay"


def describe(body: Any, response: httpx.Response) -> tuple[str, str | None]:
    """RFC 7807 problem details with MobilePay's ``extraDetails``."""
    body = body if isinstance(body, dict) else {}
    details = [
        f"{d.get('name')}: {d.get('reason')}" for d in body.get("extraDetails") or [] if isinstance(d, dict)
    ]
    title = str(body.get("title") or response.reason_phrase or "rejected")
    detail = str(body.get("detail") or "")
    return "; ".join([f"MobilePay: {title}" + (f" ({detail})" if detail else ""), *details]), None


def raise_for_problem(response: httpx.Response) -> None:
    """Turn an error response into the port's errors (shared shape for all MobilePay APIs)."""
    check(response, WHO, describe)


class MobilePayClient:
    def __init__(
        self,
        config: MobilePayConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._http = httpx.Client(
            base_url=config.base_url.rstrip("/"), timeout=config.timeout_seconds, transport=transport
        )
        self._monotonic = monotonic
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = send(self._http, WHO, method, path, **kwargs)
        raise_for_problem(response)
        return response

    def access_token(self, msn: str) -> str:
        """A bearer token for ``msn``, fetched from ``/accesstoken/get`` and cached until expiry."""
        with self._lock:
            cached = self._tokens.get(msn)
            if cached is not None and cached[1] > self._monotonic():
                return cached[0]
        headers = {
            "client_id": self._config.client_id,
            "client_secret": self._config.client_secret.get_secret_value(),
            "Ocp-Apim-Subscription-Key": self._config.subscription_key.get_secret_value(),
            "Merchant-Serial-Number": msn,
        }
        body = self._send("POST", "/accesstoken/get", headers=headers).json()
        token = str(body["access_token"])
        lifetime = int(body.get("expires_in") or 0)  # the real API sends it as a string of seconds
        with self._lock:
            self._tokens[msn] = (token, self._monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, 0))
        return token

    def _call(self, method: str, path: str, msn: str, *, key: str | None = None, body: Any = None) -> Any:
        for attempt in (1, 2):
            headers = {
                "Authorization": f"Bearer {self.access_token(msn)}",
                "Ocp-Apim-Subscription-Key": self._config.subscription_key.get_secret_value(),
                "Merchant-Serial-Number": msn,
                "Vipps-System-Name": "betal",
            }
            if key is not None:
                headers["Idempotency-Key"] = key
            try:
                return self._send(method, path, headers=headers, json=body).json()
            except ProviderRejected as exc:
                if exc.provider_code != "401" or attempt == 2:
                    raise
                with self._lock:  # the token was revoked or expired early: fetch a new one, once
                    self._tokens.pop(msn, None)
        raise AssertionError("unreachable")  # pragma: no cover

    def create_payment(self, msn: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", EPAYMENT, msn, key=key, body=body)
        return result

    def get_payment(self, msn: str, reference: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"{EPAYMENT}/{reference}", msn)
        return result

    def modify(self, msn: str, reference: str, action: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
        """``capture``, ``refund`` or ``cancel``; answers the payment's new amounts."""
        result: dict[str, Any] = self._call(
            "POST", f"{EPAYMENT}/{reference}/{action}", msn, key=key, body=body
        )
        return result

    def list_webhooks(self, msn: str) -> list[dict[str, Any]]:
        body = self._call("GET", WEBHOOKS, msn)
        return list(body.get("webhooks") or [])

    def register_webhook(self, msn: str, key: str, url: str, events: list[str]) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "POST", WEBHOOKS, msn, key=key, body={"url": url, "events": events}
        )
        return result
