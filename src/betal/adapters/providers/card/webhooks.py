"""Card acquirer callbacks: sign, verify and parse (docs/providers/card.md "Webhooks").

``Card-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{raw body}">`` keyed with the endpoint's
secret (the Stripe scheme, docs.stripe.com/webhooks#verify-manually); several ``v1`` entries may be
present while a secret is rotated. betal compares in constant time and refuses timestamps more than
five minutes from now. Events: ``{id, type, created, data: {paymentId, ...}}``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from betal.domain.errors import InvalidInput, Unauthenticated

TOLERANCE_SECONDS = 300
HEADER = "Card-Signature"


class InvalidSignature(Unauthenticated):
    code = "webhook.invalid_signature"
    title = "Invalid webhook signature"


@dataclass(frozen=True)
class Callback:
    event_id: str
    type: str
    payment_id: str

    @property
    def provider_reference(self) -> str:
        return self.payment_id


def _mac(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, now: datetime) -> str:
    """The ``Card-Signature`` header value for ``body`` sent at ``now``."""
    timestamp = str(int(now.timestamp()))
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: datetime) -> None:
    """Raise ``InvalidSignature`` unless ``header`` signs ``body`` with ``secret`` within 5 minutes."""
    if not secret:
        raise InvalidSignature("no card webhook secret is configured")
    pairs = [part.strip().partition("=") for part in header.split(",")]
    timestamps = [value for name, _, value in pairs if name == "t"]
    signatures = [value for name, _, value in pairs if name == "v1"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        raise InvalidSignature(f"{HEADER} is missing or malformed")
    if abs(now.timestamp() - int(timestamps[0])) > TOLERANCE_SECONDS:
        raise InvalidSignature(f"{HEADER} is too old or in the future")
    expected = _mac(secret, timestamps[0], body).encode()
    if not any(hmac.compare_digest(expected, given.encode()) for given in signatures):
        raise InvalidSignature("the signature does not match")


def parse(body: bytes) -> Callback:
    try:
        event = json.loads(body)
        callback = Callback(str(event["id"]), str(event["type"]), str(event["data"]["paymentId"]))
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("not a card acquirer event", code="webhook.malformed") from None
    if not callback.type.startswith("payment."):
        raise InvalidInput(f"unexpected event type {callback.type!r}", code="webhook.malformed")
    return callback
