"""Web Push over real HTTP to a local push service: the payload decrypts (RFC 8291) with the browser's
key, the VAPID JWT (RFC 8292) verifies against the stored key, and the push service's answers map to
sent / retry / permanent failure (404/410 expire the subscription). The VAPID key is made once."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sqlalchemy import select

from betal import bootstrap
from betal.adapters.db.orm_push import InstallationKeyRow
from betal.adapters.notify import build_channels, push_target
from betal.adapters.notify.push import TTL, PushTarget, VapidKeyStore, WebPushChannel
from betal.adapters.security import Argon2PasswordHasher
from betal.config import Settings
from betal.domain.ids import new_id
from betal.domain.notification import Channel, DeliveryStatus, OutboxMessage
from betal.domain.push import PushSubscription, SubscriptionStatus, b64url_decode, b64url_encode
from betal.services.notification import deliver, queue_message
from betal.services.organisation import CreatedOrganisation
from tests.conftest import free_port
from tests.services.test_inbox import make_customer

PAY_LINK = "https://betal.example/pay/InR0ZXN0Ig.abc"


@dataclass
class PushService:
    """A local push service: records every POST and answers with ``status``."""

    url: str
    status: int = 201
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)


@contextmanager
def push_service() -> Iterator[PushService]:
    service = PushService("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            service.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(service.status)
            self.send_header("Content-Length", "0")
            if service.status == 201:
                self.send_header("Location", f"{service.url}/messages/1")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Browser:
    """What a browser keeps for one subscription: its ECDH private key and the auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url_encode(point)


def new_browser() -> Browser:
    return Browser(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


def subscribe(container: bootstrap.Container, org: CreatedOrganisation, endpoint: str, browser: Browser
              ) -> PushSubscription:  # fmt: skip
    customer = make_customer(container, org, "Søren Ærø", email="soeren@aeroe.example")
    subscription = PushSubscription(
        new_id("psub"), org.organisation.id, customer.id, endpoint, browser.p256dh,
        b64url_encode(browser.auth), SubscriptionStatus.ACTIVE, container.clock.now(),
    )  # fmt: skip
    with container.uow() as uow:
        stored = uow.push_subscriptions.upsert(subscription)
        uow.commit()
    return stored


def push_message(container: bootstrap.Container, subscription: PushSubscription, body: str) -> OutboxMessage:
    return OutboxMessage(
        id=new_id("out"), organisation_id=subscription.organisation_id, channel=Channel.PUSH,
        recipient=subscription.id, subject="Husleje for april", body_text=body, body_html=None,
        status=DeliveryStatus.QUEUED, created_at=container.clock.now(),
    )  # fmt: skip


def channel_of(container: bootstrap.Container) -> WebPushChannel:
    channel = container.channels().get(Channel.PUSH)
    assert isinstance(channel, WebPushChannel)
    return channel


def stored(container: bootstrap.Container, subscription_id: str) -> PushSubscription:
    with container.uow() as uow:
        found = uow.push_subscriptions.get(subscription_id)
    assert found is not None
    return found


def verify_vapid(authorization: str, public_key: str) -> dict[str, Any]:
    """The claims of ``vapid t=<jwt>,k=<key>``, its ES256 signature checked (RFC 7515, RFC 7518 §3.4)."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(p.split("=", 1) for p in params.split(","))
    assert parts["k"] == public_key
    header, claims, signature = parts["t"].split(".")
    assert json.loads(b64url_decode(header) or b"") == {"typ": "JWT", "alg": "ES256"}
    raw = b64url_decode(signature)
    assert raw is not None
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(public_key) or b"")
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    decoded: dict[str, Any] = json.loads(b64url_decode(claims) or b"")
    return decoded


class TestDelivery:
    def test_the_payload_decrypts_with_the_browser_key_and_the_jwt_verifies(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        browser = new_browser()
        with push_service() as service:
            subscription = subscribe(container, org, f"{service.url}/push/abc", browser)
            body = f"Hansen & Co ApS beder dig betale 1.234,50 kr. Betal her: {PAY_LINK}\nTak."
            message = push_message(container, subscription, body)
            result = channel_of(container).send(message, sender_name="Hansen & Co ApS")
        assert result.outcome == "sent", result.detail
        [(path, headers, encrypted)] = service.received
        assert path == "/push/abc"
        assert headers["content-encoding"] == "aes128gcm"
        assert headers["ttl"] == str(TTL)
        assert headers["topic"] == message.id
        plain = http_ece.decrypt(encrypted, private_key=browser.private_key, auth_secret=browser.auth,
                                 version="aes128gcm")  # fmt: skip
        assert json.loads(plain) == {"title": "Husleje for april", "body": body, "url": PAY_LINK}
        claims = verify_vapid(headers["authorization"], container.push_keys().public_key())
        assert claims["aud"] == service.url
        assert claims["sub"] == "https://127.0.0.1"
        assert 0 < claims["exp"] - container.clock.now().timestamp() <= 24 * 3600

    def test_a_message_without_a_link_opens_the_inbox(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        browser = new_browser()
        with push_service() as service:
            subscription = subscribe(container, org, f"{service.url}/push/abc", browser)
            channel_of(container).send(push_message(container, subscription, "Din kode er 123456"))
        plain = http_ece.decrypt(service.received[0][2], private_key=browser.private_key,
                                 auth_secret=browser.auth, version="aes128gcm")  # fmt: skip
        assert json.loads(plain)["url"] == f"{container.settings.base_url}/inbox"

    @pytest.mark.parametrize("status", [404, 410])
    def test_a_gone_subscription_fails_for_good_and_is_expired(
        self, container: bootstrap.Container, org: CreatedOrganisation, status: int
    ) -> None:
        with push_service() as service:
            service.status = status
            subscription = subscribe(container, org, f"{service.url}/push/gone", new_browser())
            channel = channel_of(container)
            first = channel.send(push_message(container, subscription, "Påmindelse"))
            again = channel.send(push_message(container, subscription, "Påmindelse"))
        assert first.outcome == "permanent_failure"
        assert str(status) in first.detail
        expired = stored(container, subscription.id)
        assert expired.status is SubscriptionStatus.EXPIRED
        assert expired.expired_at is not None
        assert again.outcome == "permanent_failure"
        assert len(service.received) == 1, "an expired subscription is never used again"
        with container.uow() as uow:
            active = uow.push_subscriptions.list_active_for_customer(
                org.organisation.id, subscription.customer_id
            )
        assert active == []

    @pytest.mark.parametrize(("status", "outcome"), [(503, "retry"), (500, "retry"), (429, "retry"),
                                                     (413, "permanent_failure"), (400, "permanent_failure"),
                                                     (403, "permanent_failure")])  # fmt: skip
    def test_other_answers(
        self, container: bootstrap.Container, org: CreatedOrganisation, status: int, outcome: str
    ) -> None:
        with push_service() as service:
            service.status = status
            subscription = subscribe(container, org, f"{service.url}/push/x", new_browser())
            result = channel_of(container).send(push_message(container, subscription, "Hej"))
        assert (result.outcome, str(status) in result.detail) == (outcome, True)
        assert stored(container, subscription.id).status is SubscriptionStatus.ACTIVE

    def test_no_connection_is_a_retry(self, container: bootstrap.Container, org: CreatedOrganisation) -> None:
        subscription = subscribe(container, org, f"http://127.0.0.1:{free_port()}/push/x", new_browser())
        result = channel_of(container).send(push_message(container, subscription, "Hej"))
        assert result.outcome == "retry"
        assert stored(container, subscription.id).status is SubscriptionStatus.ACTIVE

    def test_a_changed_secret_key_fails_for_good_without_sending(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        container.push_keys().public_key()
        rekeyed = container.settings.model_copy(update={"secret_key": "another-secret-key-0123456789abcdef"})
        other = bootstrap.build(rekeyed, hasher=Argon2PasswordHasher(fast=True))
        try:
            with push_service() as service:
                subscription = subscribe(container, org, f"{service.url}/push/x", new_browser())
                result = channel_of(other).send(push_message(other, subscription, "Hej"))
        finally:
            other.close()
        assert result.outcome == "permanent_failure"
        assert "BETAL_SECRET_KEY" in result.detail
        assert service.received == []

    def test_an_unknown_subscription_fails_for_good(self, container: bootstrap.Container) -> None:
        message = OutboxMessage(
            id=new_id("out"), organisation_id=None, channel=Channel.PUSH, recipient="psub_unknown",
            subject="x", body_text="y", body_html=None, status=DeliveryStatus.QUEUED,
            created_at=container.clock.now(),
        )  # fmt: skip
        result = channel_of(container).send(message)
        assert result.outcome == "permanent_failure"
        assert "psub_unknown" in result.detail


class TestThroughTheOutbox:
    @pytest.mark.parametrize(
        ("status", "recorded"), [(201, DeliveryStatus.SENT), (410, DeliveryStatus.FAILED)]
    )
    def test_the_delivery_job_records_the_push_services_answer(
        self, container: bootstrap.Container, org: CreatedOrganisation, status: int, recorded: DeliveryStatus
    ) -> None:
        browser = new_browser()
        with push_service() as service:
            service.status = status
            subscription = subscribe(container, org, f"{service.url}/push/job", browser)
            message = push_message(container, subscription, f"Betal her: {PAY_LINK}")
            with container.uow() as uow:
                queue_message(uow, message)
                uow.commit()
            assert deliver(container.uow, container.channels(), message.id) is recorded
        [(_, _, encrypted)] = service.received
        plain = http_ece.decrypt(encrypted, private_key=browser.private_key, auth_secret=browser.auth,
                                 version="aes128gcm")  # fmt: skip
        assert json.loads(plain)["url"] == PAY_LINK
        with container.uow() as uow:
            found = uow.outbox.get(message.id)
        assert found is not None
        assert found.status is recorded
        expected = SubscriptionStatus.ACTIVE if status == 201 else SubscriptionStatus.EXPIRED
        assert stored(container, subscription.id).status is expected


class TestVapidKeyStore:
    def test_made_once_and_stable_across_containers(self, container: bootstrap.Container) -> None:
        first = container.push_keys().public_key()
        other = bootstrap.build(container.settings, hasher=Argon2PasswordHasher(fast=True))
        try:
            assert other.push_keys().public_key() == first
        finally:
            other.close()
        point = b64url_decode(first)
        assert point is not None
        assert len(point) == 65
        with container.session_factory() as session:
            rows = session.scalars(select(InstallationKeyRow)).all()
        assert [r.name for r in rows] == ["vapid"]
        assert "PRIVATE KEY" not in rows[0].private_key, "the private key is stored encrypted"
        assert "BEGIN PRIVATE KEY" in container.cipher.decrypt(rows[0].private_key)

    def test_concurrent_first_use_agrees_on_one_key(self, settings: Settings) -> None:
        containers = [bootstrap.build(settings, hasher=Argon2PasswordHasher(fast=True)) for _ in range(4)]
        barrier = threading.Barrier(len(containers))
        keys: list[str] = []

        def first_use(c: bootstrap.Container) -> None:
            store = VapidKeyStore(c.session_factory, c.cipher, c.clock)
            barrier.wait()
            keys.append(store.public_key())

        threads = [threading.Thread(target=first_use, args=(c,)) for c in containers]
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
        finally:
            for c in containers:
                c.close()
        assert len(keys) == len(containers)
        assert len(set(keys)) == 1

    def test_the_signer_matches_the_public_key(self, container: bootstrap.Container) -> None:
        store = VapidKeyStore(container.session_factory, container.cipher, container.clock)
        public = store.signer().public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        assert base64.urlsafe_b64encode(public).decode().rstrip("=") == store.public_key()


class TestPushTarget:
    @pytest.mark.parametrize(
        ("credentials", "subject"),
        [({}, "https://betal.example"),
         ({"email": {"from": "noreply@hansen.example"}}, "mailto:noreply@hansen.example"),
         ({"email": {"from": "noreply@hansen.example"}, "push": {"subject": "mailto:ops@betal.example"}},
          "mailto:ops@betal.example")],
    )  # fmt: skip
    def test_the_vapid_contact(self, credentials: dict[str, dict[str, str]], subject: str) -> None:
        settings = Settings(base_url="https://betal.example/", provider_credentials=credentials)
        assert push_target(settings) == PushTarget(subject, "https://betal.example/inbox")

    def test_push_needs_the_database(self, container: bootstrap.Container) -> None:
        assert build_channels(container.settings).get(Channel.PUSH) is None
        assert isinstance(container.channels().get(Channel.PUSH), WebPushChannel)
