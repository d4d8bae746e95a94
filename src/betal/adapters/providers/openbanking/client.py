"""HTTP to a Berlin Group NextGenPSD2 PIS API: URLs, headers, timeouts and error translation; raw dicts out.

Spec: Berlin Group NextGenPSD2 Implementation Guidelines v1.3.x, §5.3.1 "Payment Initiation with JSON
encoding" (``POST /v1/payments/{payment-product}``; headers ``X-Request-ID``, ``PSU-IP-Address``,
``TPP-Redirect-URI``), §5.4 "Get Transaction Status" (``GET …/{paymentId}/status``), §5.5 "Get Payment"
(``GET …/{paymentId}``), §14.31 HTTP status codes and ``tppMessages``.

Berlin Group has no ``Idempotency-Key``; the caller passes an ``X-Request-ID`` derived from our payment
id, so a repeated initiation carries the same request id (the sandbox bank answers it with the same
payment). Errors: timeouts, connection failures and 5xx are ``ProviderUnavailable``; 429 is
``ProviderRateLimited`` (``Retry-After`` seconds); any other 4xx is ``ProviderRejected`` with the first
``tppMessages`` code.
"""

from __future__ import annotations

import ssl
import uuid
from typing import Any
from urllib.parse import quote

import httpx

from betal.adapters.providers.openbanking.config import OpenBankingConfig
from betal.adapters.providers.openbanking.mapping import tpp_error
from betal.domain.provider import ProviderRateLimited, ProviderRejected, ProviderUnavailable

DEFAULT_RETRY_AFTER_SECONDS = 30


class OpenBankingClient:
    def __init__(self, config: OpenBankingConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Accept": "application/json"}
        if config.access_token is not None:
            headers["Authorization"] = f"Bearer {config.access_token.get_secret_value()}"
        verify: ssl.SSLContext | bool = True
        if config.client_cert is not None:
            verify = httpx.create_ssl_context()
            verify.load_cert_chain(*config.client_cert)
        self._http = httpx.Client(
            base_url=config.base_url,
            timeout=config.timeout_seconds,
            headers=headers,
            verify=verify,
            transport=transport,
        )

    def initiate(
        self, product: str, body: dict[str, Any], *, request_id: str, redirect_uri: str, psu_ip: str
    ) -> dict[str, Any]:
        headers = {
            "X-Request-ID": request_id,
            "PSU-IP-Address": psu_ip,
            "TPP-Redirect-URI": redirect_uri,
            "TPP-Redirect-Preferred": "true",
        }
        return self._send("POST", f"/v1/payments/{_segment(product)}", headers=headers, json=body)

    def status(self, product: str, payment_id: str) -> dict[str, Any]:
        path = f"/v1/payments/{_segment(product)}/{_segment(payment_id)}/status"
        return self._send("GET", path, headers={"X-Request-ID": str(uuid.uuid4())})

    def details(self, product: str, payment_id: str) -> dict[str, Any]:
        path = f"/v1/payments/{_segment(product)}/{_segment(payment_id)}"
        return self._send("GET", path, headers={"X-Request-ID": str(uuid.uuid4())})

    def close(self) -> None:
        self._http.close()

    def _send(
        self, method: str, path: str, *, headers: dict[str, str], json: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, headers=headers, json=json)
        except httpx.TimeoutException as exc:
            raise ProviderUnavailable(f"the bank did not answer {method} {path} in time") from exc
        except httpx.TransportError as exc:
            raise ProviderUnavailable(f"cannot reach the bank for {method} {path}: {exc}") from exc
        return checked(response)


def _segment(value: str) -> str:
    return quote(value, safe="")


def checked(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 2xx answer, or the port error its status code means."""
    status = response.status_code
    if status == 429:
        raise ProviderRateLimited("the bank asks us to slow down", retry_after=retry_after(response))
    if status >= 500 or 300 <= status < 400:
        raise ProviderUnavailable(f"the bank answered HTTP {status}")
    if status >= 400:
        code, text = tpp_error(_json(response))
        raise ProviderRejected(
            f"the bank refused the request (HTTP {status} {code or ''}): {text or response.reason_phrase}",
            provider_code=code or f"http_{status}",
        )
    data = _json(response)
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"the bank answered HTTP {status} without a JSON object")
    return data


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


def retry_after(response: httpx.Response) -> int:
    """``Retry-After`` in seconds (an HTTP date or garbage falls back to a default)."""
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else DEFAULT_RETRY_AFTER_SECONDS
