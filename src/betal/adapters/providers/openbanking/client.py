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

from betal.adapters.providers.http import check, json_object, send
from betal.adapters.providers.openbanking.config import OpenBankingConfig
from betal.adapters.providers.openbanking.mapping import tpp_error

DEFAULT_RETRY_AFTER_SECONDS = 30
WHO = "the bank"


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
        return checked(send(self._http, WHO, method, path, headers=headers, json=json))


def _segment(value: str) -> str:
    return quote(value, safe="")


def describe(body: Any, response: httpx.Response) -> tuple[str, str | None]:
    """Berlin Group ``tppMessages``: the first error's code and text."""
    code, text = tpp_error(body)
    status = response.status_code
    return (
        f"the bank refused the request (HTTP {status} {code or ''}): {text or response.reason_phrase}",
        code or f"http_{status}",
    )


def checked(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 2xx answer, or the port error its status code means."""
    check(response, WHO, describe, default_retry=DEFAULT_RETRY_AFTER_SECONDS)
    return json_object(response, WHO)
