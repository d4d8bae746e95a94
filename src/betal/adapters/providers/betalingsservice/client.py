"""HTTP to the Betalingsservice file exchange (httpx only; raw dicts and text out).

docs/providers/betalingsservice.md. ``POST /deliveries`` uploads one delivery file (``text/plain``,
128-character records, danish-payments.md §3.2) with an ``Idempotency-Key``; the answer is a receipt
``{receipt_id, delivery_id, records}``. ``GET /deliveries?since=&pbs_number=&type=`` lists the mandate
and payment information deliveries produced since a delivery id, oldest first, each ``{id, type,
pbs_number, created_at, content}``. The payer's sign-up happens on the exchange's own page, reached by
the URL :meth:`signup_url` builds. Errors: 422 (a malformed delivery, ``{"errors": [{line, reason}]}``)
and other 4xx -> ``ProviderRejected``; 429 -> ``ProviderRateLimited``; 5xx and transport failures ->
``ProviderUnavailable``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import httpx

from betal.adapters.providers.betalingsservice.config import BetalingsserviceConfig
from betal.adapters.providers.http import check, json_object, send

PAGE_SIZE = 100


WHO = "Betalingsservice"


def describe(body: Any, response: httpx.Response) -> tuple[str, str | None]:
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:
        reasons = "; ".join(f"line {e.get('line')}: {e.get('reason')}" for e in errors if isinstance(e, dict))
        return f"Betalingsservice refused the delivery: {reasons}", None
    detail = body.get("detail") if isinstance(body, dict) else None
    return f"Betalingsservice: {detail or response.reason_phrase}", None


def raise_for_error(response: httpx.Response) -> None:
    check(response, WHO, describe)


class BetalingsserviceClient:
    def __init__(
        self, config: BetalingsserviceConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        headers = (
            {} if config.token is None else {"Authorization": f"Bearer {config.token.get_secret_value()}"}
        )
        self._base = config.base_url
        self._http = httpx.Client(
            base_url=config.base_url, timeout=config.timeout_seconds, transport=transport, headers=headers
        )

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = send(self._http, WHO, method, path, **kwargs)
        raise_for_error(response)
        return json_object(response, WHO)

    def upload(self, content: bytes, *, key: str) -> dict[str, Any]:
        """Send one delivery file; the same ``key`` with the same file answers the same receipt."""
        headers = {"Content-Type": "text/plain; charset=iso-8859-1", "Idempotency-Key": key}
        result: dict[str, Any] = self._call("POST", "/deliveries", content=content, headers=headers)
        return result

    def deliveries(
        self, *, since: str | None = None, pbs_number: str | None = None, delivery_type: str | None = None
    ) -> list[dict[str, Any]]:
        """Every information delivery after ``since`` (all pages), oldest first."""
        out: list[dict[str, Any]] = []
        cursor = since
        while True:
            params = {"since": cursor, "pbs_number": pbs_number, "type": delivery_type, "limit": PAGE_SIZE}
            body = self._call("GET", "/deliveries", params={k: v for k, v in params.items() if v is not None})
            page = [d for d in body.get("deliveries") or [] if isinstance(d, dict)]
            out += page
            if len(page) < PAGE_SIZE:
                return out
            cursor = str(page[-1]["id"])

    def signup_url(self, signup_id: str, **params: str) -> str:
        """The payer's sign-up page at the exchange for one mandate (no call is made)."""
        return f"{self._base}/signup/{quote(signup_id, safe='')}?{urlencode(params)}"
