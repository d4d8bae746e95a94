"""HTTP to a bank's host-to-host file API: pain.001 files in, pain.002 reports and camt.053 statements out.

The protocol is the sandbox bank's (``betal.sandbox.bank_files``, docs/bank-files.md "Sandbox bank: payment
files and statements"), which follows the shape corporate bank file APIs share: ``POST /payment-files``
with an ``Idempotency-Key``, ``GET /payment-files/{id}/status-report``, ``GET /accounts/{account}/statements
?date=``. The base URL is ``BETAL_BANK_FILES_URL``; unset, sandbox mode uses the sandbox bank under
``BETAL_BASE_URL`` (``/sandbox/bank``) as every provider does, and live mode refuses to start the adapter.

Retrying is safe: a ``submit`` repeated with the same idempotency key is answered with the first answer
and never books the file twice. Errors are the providers' (``adapters.providers.http``): timeouts,
connection failures and 5xx are ``ProviderUnavailable`` (retry with the same key), 429 is
``ProviderRateLimited``, any other 4xx is ``ProviderRejected`` with the bank's problem ``detail``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final
from urllib.parse import quote

import httpx

from betal.adapters.providers.http import check, json_object, send
from betal.config import ConfigError, Settings
from betal.domain.provider import ProviderUnavailable

KEY: Final = "bank"
WHO: Final = "the bank's file service"
DEFAULT_TIMEOUT_SECONDS: Final = 30.0  # a large file takes a while to upload and check
DEFAULT_RETRY_AFTER_SECONDS: Final = 30


def base_url(settings: Settings) -> str:
    """``BETAL_BANK_FILES_URL``, else the sandbox bank in sandbox mode; live mode must name the bank."""
    if settings.bank_files_url:
        return settings.bank_files_url.rstrip("/")
    if not settings.is_sandbox:
        raise ConfigError("live mode needs BETAL_BANK_FILES_URL, the bank's host-to-host file API")
    return settings.provider_url(KEY)


def describe(body: Any, response: httpx.Response) -> tuple[str, str | None]:
    """An RFC 9457 problem body: its ``detail`` (else ``title``) and ``title`` as the code."""
    problem: dict[str, Any] = body if isinstance(body, dict) else {}
    text = problem.get("detail") or problem.get("title") or response.reason_phrase
    message = f"the bank refused the request (HTTP {response.status_code}): {text}"
    return message, problem.get("title") or f"http_{response.status_code}"


class HttpBankFiles:
    """Implements ``ports.BankFiles`` over HTTP."""

    def __init__(
        self,
        settings: Settings,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(base_url=base_url(settings), timeout=timeout_seconds, transport=transport)

    def submit(self, content: bytes, idempotency_key: str) -> str:
        headers = {"Content-Type": "application/xml", "Idempotency-Key": idempotency_key}
        response = self._checked("POST", "/v1/payment-files", headers=headers, content=content)
        bank_file_id = json_object(response, WHO).get("id")
        if not isinstance(bank_file_id, str) or not bank_file_id:
            raise ProviderUnavailable(f"{WHO} accepted the file without naming its id")
        return bank_file_id

    def status_report(self, bank_file_id: str) -> bytes:
        path = f"/v1/payment-files/{quote(bank_file_id, safe='')}/status-report"
        return self._checked("GET", path, headers={"Accept": "application/xml"}).content

    def statement(self, account: str, day: date) -> bytes:
        path = f"/v1/accounts/{quote(account, safe='')}/statements"
        headers = {"Accept": "application/xml"}
        return self._checked("GET", path, headers=headers, params={"date": day.isoformat()}).content

    def close(self) -> None:
        self._http.close()

    def _checked(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = send(self._http, WHO, method, path, **kwargs)
        check(response, WHO, describe, default_retry=DEFAULT_RETRY_AFTER_SECONDS)
        return response
