"""HTTP out to webhook receivers (``ports.WebhookTransport``), with httpx.

Spec: Standard Webhooks "Delivery" (standards notes §10): a 3xx is a failure, so redirects are never
followed (and so never lead to a private address); the webhooks issue, items 4 and 6: a 10 s timeout and
response bodies read up to a limit (64 KiB; only an excerpt is kept). A receiver that answers slowly or
with garbage costs one job thread for at most the timeout.

- ``resolve`` asks the system resolver once; ``post`` with ``address`` connects to that checked address
  and sends the URL's host in ``Host`` and in TLS SNI (so the certificate is still checked against the
  name): the name cannot resolve to something else between the check and the connection.
- No proxy from the environment is used (``trust_env=False``), and ``Accept-Encoding: identity`` keeps
  the limit on the bytes that arrive.
- The timeout applies to connecting and to each read and write; reading the body also stops at the
  overall deadline.
"""

from __future__ import annotations

import socket
import ssl
import time

import certifi
import httpx

from betal import __version__
from betal.ports import WebhookRequest, WebhookResponse

DEFAULT_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = f"betal-webhooks/{__version__}"


class HttpxWebhookTransport:
    def __init__(
        self, *, timeout: float = DEFAULT_TIMEOUT, max_response_bytes: int = MAX_RESPONSE_BYTES
    ) -> None:
        if timeout <= 0 or max_response_bytes < 0:
            raise ValueError("the timeout must be positive and the limit at least 0")
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        # Loading the CA bundle is most of the cost of a client: build the TLS context once and give it
        # to each request's own client (a client per request keeps pinned addresses from sharing a pool).
        self._tls = ssl.create_default_context(cafile=certifi.where())

    def resolve(self, host: str, port: int) -> list[str]:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return []
        addresses: list[str] = []
        for info in infos:
            address = str(info[4][0])
            if address not in addresses:
                addresses.append(address)
        return addresses

    def post(self, request: WebhookRequest) -> WebhookResponse:
        url = httpx.URL(request.url)
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **request.headers}
        extensions: dict[str, str] = {}
        if request.address is not None:
            headers["Host"] = url.netloc.decode("ascii")
            if url.scheme == "https":
                extensions["sni_hostname"] = url.host
            url = url.copy_with(host=request.address)
        started = time.monotonic()
        try:
            with (
                httpx.Client(
                    timeout=self.timeout, follow_redirects=False, trust_env=False, verify=self._tls
                ) as client,
                client.stream(
                    "POST", url, content=request.body, headers=headers, extensions=extensions
                ) as response,
            ):
                body = self._read(response, started + self.timeout)
                return WebhookResponse(
                    status_code=response.status_code,
                    latency_ms=_ms_since(started),
                    body=body,
                    retry_after=response.headers.get("Retry-After"),
                    location=response.headers.get("Location"),
                )
        except httpx.TimeoutException:
            error = f"no answer within {self.timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"could not connect ({type(exc).__name__}: {exc})"[:300]
        return WebhookResponse(status_code=None, latency_ms=_ms_since(started), error=error)

    def _read(self, response: httpx.Response, deadline: float) -> bytes:
        """At most ``max_response_bytes`` of the body, read until the deadline; the rest is left unread."""
        body = bytearray()
        try:
            for chunk in response.iter_raw():
                body += chunk
                if len(body) >= self.max_response_bytes or time.monotonic() >= deadline:
                    break
        except httpx.HTTPError:
            pass  # the status line arrived: a broken body does not change what it says
        return bytes(body[: self.max_response_bytes])


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
