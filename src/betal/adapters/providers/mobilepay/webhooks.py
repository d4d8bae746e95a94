"""MobilePay webhook callbacks: sign, verify and parse (standards §8.1, "Webhook signature").

Scheme (developer.vippsmobilepay.com/docs/APIs/webhooks-api/request-authentication):
``x-ms-content-sha256`` = base64(SHA-256(raw body)); the string to sign is
``"POST\\n{pathAndQuery}\\n{x-ms-date};{host};{contentHash}"``; ``Authorization`` is
``HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<base64 HMAC-SHA256>`` keyed
with the registration's ``secret`` (UTF-8). betal compares in constant time and refuses an
``x-ms-date`` more than five minutes away from now. ``sign`` is what the simulator (and the tests) use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from betal.domain.errors import InvalidInput, Unauthenticated

TOLERANCE = timedelta(minutes=5)
SIGNED_HEADERS = "x-ms-date;host;x-ms-content-sha256"
NAMES = frozenset(
    {"CREATED", "AUTHORIZED", "ABORTED", "EXPIRED", "CAPTURED", "REFUNDED", "CANCELLED", "TERMINATED"}
)


class InvalidSignature(Unauthenticated):
    code = "webhook.invalid_signature"
    title = "Invalid webhook signature"


@dataclass(frozen=True)
class Callback:
    """One verified ePayment webhook: which payment, and which event (for deduplication)."""

    msn: str
    reference: str
    psp_reference: str
    name: str

    @property
    def event_id(self) -> str:
        """Unique per event: ``pspReference`` changes with every operation on the payment."""
        return f"{self.psp_reference}:{self.name}"

    @property
    def provider_reference(self) -> str:
        """The reference betal stores for the payment (see ``mapping.handle``)."""
        return f"{self.msn}:{self.reference}"


def content_hash(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def _signature(secret: str, path_and_query: str, date: str, host: str, digest: str) -> str:
    message = f"POST\n{path_and_query}\n{date};{host};{digest}"
    return base64.b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()).decode()


def sign(secret: str, *, path_and_query: str, host: str, body: bytes, now: datetime) -> dict[str, str]:
    """The headers a MobilePay callback carries for ``body`` sent to ``host`` + ``path_and_query``."""
    date = format_datetime(now, usegmt=True)
    digest = content_hash(body)
    signature = _signature(secret, path_and_query, date, host, digest)
    return {
        "x-ms-date": date,
        "x-ms-content-sha256": digest,
        "Authorization": f"HMAC-SHA256 SignedHeaders={SIGNED_HEADERS}&Signature={signature}",
    }


def verify(
    secret: str, *, path_and_query: str, headers: Mapping[str, str], body: bytes, now: datetime
) -> None:
    """Raise ``InvalidSignature`` unless the callback was signed with ``secret`` in the last 5 minutes."""
    lower = {k.lower(): v for k, v in headers.items()}
    date, digest = lower.get("x-ms-date", ""), lower.get("x-ms-content-sha256", "")
    if not secret:
        raise InvalidSignature("no MobilePay webhook secret is configured")
    try:
        sent = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        raise InvalidSignature("x-ms-date is missing or malformed") from None
    if sent.tzinfo is None or abs(now - sent) > TOLERANCE:
        raise InvalidSignature("x-ms-date is too old or in the future")
    if not hmac.compare_digest(digest.encode(), content_hash(body).encode()):
        raise InvalidSignature("x-ms-content-sha256 does not match the body")
    expected = _signature(secret, path_and_query, date, lower.get("host", ""), digest)
    scheme, _, params = lower.get("authorization", "").partition(" ")
    given = dict(p.partition("=")[::2] for p in params.split("&"))
    if scheme != "HMAC-SHA256" or given.get("SignedHeaders") != SIGNED_HEADERS:
        raise InvalidSignature("the Authorization header is not an HMAC-SHA256 signature")
    if not hmac.compare_digest(given.get("Signature", "").encode(), expected.encode()):
        raise InvalidSignature("the signature does not match")


def parse(body: bytes) -> Callback:
    """The payment and event a verified callback names."""
    try:
        data = json.loads(body)
        callback = Callback(
            str(data["msn"]), str(data["reference"]), str(data["pspReference"]), str(data["name"])
        )
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("not a MobilePay ePayment webhook", code="webhook.malformed") from None
    if callback.name not in NAMES:
        raise InvalidInput(f"unknown event name {callback.name!r}", code="webhook.malformed")
    return callback
