"""Web Push with pywebpush: payloads encrypted for the browser, requests signed with the installation's key.

Spec: RFC 8030 (Generic Event Delivery Using HTTP Push: ``POST`` to the subscription's endpoint, ``TTL``
§5.2, ``Topic`` §5.4, 201 Created on success; 404/410 mean the subscription is gone, §7.3), RFC 8291
(Message Encryption for Web Push, ``aes128gcm`` of RFC 8188) and RFC 8292 (VAPID: an ES256 JWT with
``aud`` = the push service's origin, ``exp`` ≤ 24 h, ``sub`` = a ``mailto:`` or ``https:`` contact, sent as
``Authorization: vapid t=<jwt>,k=<public key>``).

The VAPID key pair is made on first need and stored in ``installation_keys`` (the private key encrypted
with the installation's ``Cipher``); concurrent first uses insert or ignore and then read, so every
process of the installation signs with the same key. For a push message the outbox recipient is the
push subscription's id. Answers: 201/202 → ``sent``; 404/410 → ``permanent_failure`` and the subscription
is marked expired (never used again); any other 4xx (400 bad request, 413 payload too large, 403 a key
the push service does not accept) → ``permanent_failure``; 429, 5xx, a timeout or no connection →
``retry``. The outbox id is the ``Topic``, so a resend replaces a copy the push service still holds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from http_ece import ECEException
from py_vapid import Vapid, VapidException
from pywebpush import WebPushException, webpush
from sqlalchemy.orm import Session, sessionmaker

from betal.adapters.db.repositories_push import (
    SqlAlchemyInstallationKeyRepository,
    SqlAlchemyPushSubscriptionRepository,
    StoredKey,
)
from betal.domain.delivery import DeliveryResult
from betal.domain.errors import InvalidInput
from betal.domain.notification import Channel, OutboxMessage
from betal.domain.push import PushSubscription, SubscriptionStatus, b64url_encode, push_payload
from betal.ports import Cipher, Clock

VAPID_KEY = "vapid"
TIMEOUT = 10.0
TTL = 24 * 60 * 60  # a payer who is offline for a day still gets the message
GONE = frozenset({404, 410})
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def new_key(cipher: Cipher, name: str, now: datetime) -> StoredKey:
    """A fresh P-256 key pair: the private key as encrypted PKCS#8 PEM, the public one as base64url."""
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return StoredKey(name, cipher.encrypt(pem.decode("ascii")), b64url_encode(point), now)


class VapidKeyStore:
    """``ports.PushKeys``: the installation's VAPID key, read from the database or made there once."""

    def __init__(self, session_factory: sessionmaker[Session], cipher: Cipher, clock: Clock) -> None:
        self._session_factory = session_factory
        self._cipher = cipher
        self._clock = clock

    def _stored(self) -> StoredKey:
        with self._session_factory() as session:
            keys = SqlAlchemyInstallationKeyRepository(session)
            stored = keys.get(VAPID_KEY)
            if stored is None:
                keys.add_if_absent(new_key(self._cipher, VAPID_KEY, self._clock.now()))
                session.commit()
                stored = keys.get(VAPID_KEY)
            assert stored is not None  # inserted, or another process's insert won
            return stored

    def public_key(self) -> str:
        return self._stored().public_key

    def signer(self) -> Vapid:
        """The private key as py_vapid's signer; ``InvalidInput`` when ``BETAL_SECRET_KEY`` changed."""
        pem = self._cipher.decrypt(self._stored().private_key).encode("ascii")
        private = serialization.load_pem_private_key(pem, password=None)
        return Vapid(private_key=private)


@dataclass(frozen=True)
class PushTarget:
    """Where a push goes and who betal says it is: the VAPID ``sub`` and the link for messages without one."""

    subject: str
    inbox_url: str
    ttl: int = TTL
    timeout: float = TIMEOUT


class WebPushChannel:
    """``MessageChannel`` for push: one encrypted POST to the subscription's push service per message."""

    channel = Channel.PUSH

    def __init__(self, session_factory: sessionmaker[Session], keys: VapidKeyStore, clock: Clock,
                 target: PushTarget) -> None:  # fmt: skip
        self._session_factory = session_factory
        self.keys = keys
        self._clock = clock
        self.target = target

    def send(self, message: OutboxMessage, *, sender_name: str | None = None) -> DeliveryResult:
        """Push ``message`` to the subscription named by its recipient; the title is the subject."""
        del sender_name
        subscription = self._subscription(message.recipient)
        if subscription is None:
            return DeliveryResult.permanent_failure(f"no push subscription {message.recipient}")
        if subscription.status is SubscriptionStatus.EXPIRED:
            return DeliveryResult.permanent_failure("the push subscription has expired")
        payload = push_payload(message.subject, message.body_text, self.target.inbox_url)
        headers = {"Topic": message.id} if _TOPIC.match(message.id) else {}
        try:
            signer = self.keys.signer()
        except InvalidInput:
            return DeliveryResult.permanent_failure("the VAPID key does not decrypt with BETAL_SECRET_KEY")
        try:
            response = webpush(
                subscription.info(),
                data=json.dumps(payload, ensure_ascii=False),
                vapid_private_key=signer,
                vapid_claims={"sub": self.target.subject},
                ttl=self.target.ttl,
                timeout=self.target.timeout,
                headers=headers,
            )
        except WebPushException as exc:
            return self._refused(subscription, exc)
        except requests.RequestException as exc:
            return DeliveryResult.retry(f"push service unreachable: {exc.__class__.__name__}"[:500])
        except (VapidException, ECEException) as exc:
            return DeliveryResult.permanent_failure(f"push not sent: {exc}"[:500])
        return DeliveryResult.sent(f"accepted by the push service (HTTP {response.status_code})")

    def _subscription(self, subscription_id: str) -> PushSubscription | None:
        with self._session_factory() as session:
            return SqlAlchemyPushSubscriptionRepository(session).get(subscription_id)

    def _refused(self, subscription: PushSubscription, error: WebPushException) -> DeliveryResult:
        status: int | None = error.status_code
        if status is None:
            return DeliveryResult.permanent_failure(f"push not sent: {error.message}"[:500])
        detail = f"the push service answered HTTP {status}"
        if status in GONE:
            with self._session_factory() as session:
                SqlAlchemyPushSubscriptionRepository(session).mark_expired(subscription.id, self._clock.now())
                session.commit()
            return DeliveryResult.permanent_failure(f"{detail}: the subscription has expired")
        if status == 429 or status >= 500:
            return DeliveryResult.retry(detail)
        return DeliveryResult.permanent_failure(detail)
