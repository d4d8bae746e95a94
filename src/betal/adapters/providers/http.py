"""What every provider client does with HTTP, in one place: send with the client's timeout, and turn
what comes back into the port's errors (STYLE.md "A payment provider adapter", "Errors that cross the
port"): transport failures, redirects and 5xx are ``ProviderUnavailable`` (retry), 429 is
``ProviderRateLimited`` with ``Retry-After``, and any other 4xx is ``ProviderRejected`` with the
provider's own explanation, which each client extracts from its error body with ``describe``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from betal.domain.provider import ProviderRateLimited, ProviderRejected, ProviderUnavailable

# (parsed JSON body or None, response) -> (message, provider code or None)
Describe = Callable[[Any, httpx.Response], tuple[str, str | None]]


def send(http: httpx.Client, who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """The response to one request; a timeout or a failed connection is ``ProviderUnavailable``."""
    try:
        return http.request(method, path, **kwargs)
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(f"{who} timed out: {method} {path} got no answer in time") from exc
    except httpx.TransportError as exc:
        raise ProviderUnavailable(
            f"cannot reach {who} for {method} {path}: unreachable ({exc.__class__.__name__})"
        ) from exc


def body_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def retry_after(response: httpx.Response, default: int = 1) -> int:
    """``Retry-After`` in seconds; an HTTP date or garbage falls back to ``default``."""
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else default


def check(response: httpx.Response, who: str, describe: Describe, *, default_retry: int = 1) -> None:
    """Raise the port error an unsuccessful answer means; return for 2xx."""
    status = response.status_code
    if status < 300:
        return
    if status == 429:
        raise ProviderRateLimited(
            f"{who} rate limit: slow down", retry_after=retry_after(response, default_retry)
        )
    if status >= 500 or status < 400:
        raise ProviderUnavailable(f"{who} answered HTTP {status}")
    message, code = describe(body_of(response), response)
    raise ProviderRejected(message[:500], provider_code=code or str(status))


def json_object(response: httpx.Response, who: str) -> dict[str, Any]:
    """The JSON object of a successful answer; anything else is ``ProviderUnavailable``."""
    data = body_of(response)
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"{who} answered HTTP {response.status_code} without a JSON object")
    return data
