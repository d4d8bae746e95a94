"""Web Push subscriptions: what a browser hands over, checked before anything is stored.

Spec: W3C Push API (w3.org/TR/push-api/) ``PushSubscription.toJSON()`` = ``{"endpoint", "keys":
{"p256dh", "auth"}}``; RFC 8030 (the push service's endpoint, reached over https); RFC 8291 §3.1 (``p256dh``
is the user agent's P-256 ECDH public key as an uncompressed point, SEC 1 §2.3.3: ``0x04 || X || Y``, 65
octets) and §3.2 (``auth`` is a 16-octet authentication secret), both base64url (RFC 4648 §5), padding
optional. The point must lie on the curve (SEC 2 §2.4.2 gives P-256's ``p`` and ``b``; ``a = p - 3``);
P-256 has cofactor 1, so a point on the curve is in the group. An ``http`` endpoint is accepted only for
this machine (``127.0.0.1``, ``localhost``) and only when the caller allows it (sandbox mode).

A device serves the customers the payer session matched: one row per customer (its organisation and
customer id), ``active`` until the push service answers 404/410, then ``expired``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from betal.domain.errors import FieldProblem, InvalidInput

P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
POINT_LENGTH = 65
AUTH_LENGTH = 16
MAX_ENDPOINT = 1000
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
MAX_PAYLOAD_BYTES = 3000  # RFC 8030 §7.2: push services take at least 4096 octets, encryption adds ~100
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
_URL = re.compile(r"https?://[^\s<>\"']+")


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"  # the push service answered 404 or 410: never used again


@dataclass(frozen=True)
class SubscriptionKeys:
    """A checked browser subscription; keys as unpadded base64url."""

    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class PushSubscription:
    id: str
    organisation_id: str
    customer_id: str
    endpoint: str
    p256dh: str
    auth: str
    status: SubscriptionStatus
    created_at: datetime
    expired_at: datetime | None = None

    def info(self) -> dict[str, Any]:
        """The ``PushSubscription.toJSON()`` shape that Web Push libraries take."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def b64url_decode(value: str) -> bytes | None:
    """The octets of base64url text with or without padding; None when it is not base64url."""
    if not _B64URL.match(value) or len(value.rstrip("=")) % 4 == 1:
        return None
    body = value.rstrip("=")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def is_p256_point(raw: bytes) -> bool:
    """Whether ``raw`` is an uncompressed point on P-256: ``y² = x³ - 3x + b (mod p)``, ``x, y < p``."""
    if len(raw) != POINT_LENGTH or raw[0] != 0x04:
        return False
    x = int.from_bytes(raw[1:33], "big")
    y = int.from_bytes(raw[33:], "big")
    if x >= P256_P or y >= P256_P:
        return False
    return (y * y - (x * x * x - 3 * x + P256_B)) % P256_P == 0


def _endpoint_problem(value: object, allow_local_http: bool) -> str | None:
    if not isinstance(value, str) or not value:
        return "is required"
    if len(value) > MAX_ENDPOINT:
        return f"must be at most {MAX_ENDPOINT} characters"
    if not value.isascii() or not value.isprintable() or " " in value:
        return "must be a URL without spaces or control characters"
    try:
        parts = urlsplit(value)
        host, _ = parts.hostname, parts.port  # a malformed port raises here
    except ValueError:
        return "is not a URL"
    if not host or parts.username is not None or parts.fragment:
        return "must be a URL with a host and without credentials or a fragment"
    if parts.scheme == "https" or (parts.scheme == "http" and allow_local_http and host in LOCAL_HOSTS):
        return None
    return "must be an https URL"


def _decoded(value: object) -> tuple[bytes | None, str | None]:
    """The octets of a base64url key, or the problem with it."""
    if not isinstance(value, str) or not value:
        return None, "is required"
    raw = b64url_decode(value)
    return (None, "is not base64url text") if raw is None else (raw, None)


def _p256dh(value: object) -> tuple[bytes | None, str | None]:
    raw, problem = _decoded(value)
    if raw is None:
        return None, problem
    if len(raw) != POINT_LENGTH or raw[0] != 0x04:
        return None, f"must be a 65-byte uncompressed P-256 public key (0x04, X, Y); it has {len(raw)} bytes"
    if not is_p256_point(raw):
        return None, "is not a point on the P-256 curve"
    return raw, None


def _auth(value: object) -> tuple[bytes | None, str | None]:
    raw, problem = _decoded(value)
    if raw is not None and len(raw) != AUTH_LENGTH:
        return None, f"must be a 16-byte authentication secret; it has {len(raw)} bytes"
    return raw, problem


def validate_subscription(
    endpoint: object, p256dh: object, auth: object, *, allow_local_http: bool = False
) -> SubscriptionKeys:
    """The subscription with its keys as unpadded base64url; ``InvalidInput`` naming every bad field at
    once (``endpoint``, ``keys.p256dh``, ``keys.auth``)."""
    point, point_problem = _p256dh(p256dh)
    secret, secret_problem = _auth(auth)
    checks = (
        ("endpoint", _endpoint_problem(endpoint, allow_local_http)),
        ("keys.p256dh", point_problem),
        ("keys.auth", secret_problem),
    )
    problems = [FieldProblem(name, message) for name, message in checks if message is not None]
    if problems or not isinstance(endpoint, str) or point is None or secret is None:
        detail = "; ".join(f"{p.field} {p.message}" for p in problems)
        raise InvalidInput(f"the push subscription is not valid: {detail}", errors=problems,
                           code="push_subscription.invalid")  # fmt: skip
    return SubscriptionKeys(endpoint, b64url_encode(point), b64url_encode(secret))


def first_link(text: str) -> str | None:
    """The first http(s) URL in ``text``, without trailing sentence punctuation."""
    match = _URL.search(text)
    return None if match is None else match.group(0).rstrip(".,;:!?)")


def push_payload(title: str, body: str, fallback_url: str) -> dict[str, str]:
    """The JSON a push carries (``{title, body, url}``, read by the inbox's service worker), its body
    shortened so the whole fits ``MAX_PAYLOAD_BYTES`` once encoded."""
    payload = {"title": title[:200], "body": body, "url": first_link(body) or fallback_url}
    size = len(json.dumps(payload, ensure_ascii=False).encode())
    if size > MAX_PAYLOAD_BYTES:
        keep = len(body.encode()) - (size - MAX_PAYLOAD_BYTES) - 3
        payload["body"] = body.encode()[: max(keep, 0)].decode("utf-8", "ignore").rstrip() + "…"
    return payload
