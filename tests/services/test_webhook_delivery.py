"""One webhook attempt at a time, against a real receiver on 127.0.0.1: signing, the retry schedule,
410, throttling, timeouts, redirects, garbage, ordering, live-mode safety, rotation, and the 3-day rule."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.db.orm_receivables import OutboxMessageRow as OutboxRow
from betal.adapters.security import Argon2PasswordHasher
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.tenancy import Role
from betal.domain.webhook import (
    DISABLE_AFTER,
    RETRY_SCHEDULE,
    DeliveryStatus,
    DisableReason,
    EndpointStatus,
    Outcome,
    WebhookEndpoint,
)
from betal.services.organisation import CreatedOrganisation
from betal.services.webhook import rotate_secret
from betal.services.webhook_delivery import Outbound, deliver
from betal.services.webhook_log import LoggedDelivery
from tests.services.webhook_support import add_endpoint, add_user, delivery_jobs, logged, owner, publish
from tests.webhook_receiver import Answer, Received, Receiver, running_receiver


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))  # near real time: the library checks it


@pytest.fixture
def container(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    built = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield built
    built.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def attempt(container: Container, org: CreatedOrganisation, delivery_id: str, *, live: bool = False) -> str:
    """Run the job's work once, as ``webhooks.deliver`` does, without jitter."""
    out = Outbound(
        container.webhook_transport(), container.webhook_signer(), container.cipher, live,
        container.renderer(), "https://betal.example.dk", random=lambda: 0.5,
    )  # fmt: skip
    with container.uow() as uow:
        return deliver(container.uow, uow, out, org.organisation.id, delivery_id)


def state(container: Container, org: CreatedOrganisation, delivery_id: str) -> LoggedDelivery:
    with container.uow() as uow:
        delivery = uow.webhook_deliveries.get(org.organisation.id, delivery_id)
        assert delivery is not None
        return LoggedDelivery(delivery, tuple(uow.webhook_deliveries.attempts_for([delivery_id])))


def endpoint(container: Container, org: CreatedOrganisation, endpoint_id: str) -> WebhookEndpoint:
    with container.uow() as uow:
        found = uow.webhook_endpoints.get(org.organisation.id, endpoint_id)
    assert found is not None
    return found


def setup(
    container: Container, org: CreatedOrganisation, receiver: Receiver, *answers: Answer, path: str = "/hook"
) -> tuple[str, str, str]:
    """An endpoint at the receiver answering ``answers``, one event for it: (secret, endpoint, delivery)."""
    receiver.answer(path, *answers)
    made = add_endpoint(container, org, receiver.url(path))
    publish(container, org, "payment.succeeded", amount=12500)
    [entry] = logged(container, org, made.endpoint.id)
    return made.secret, made.endpoint.id, entry.delivery.id


def until_next(container: Container, org: CreatedOrganisation, delivery_id: str, clock: FrozenClock) -> None:
    due = state(container, org, delivery_id).delivery.next_attempt_at
    assert due is not None
    clock.set(due)


class TestSuccess:
    def test_a_2xx_delivers_the_event_signed_over_the_raw_bytes(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver
    ) -> None:
        secret, _, delivery_id = setup(container, org, receiver, Answer(204, b""))
        assert attempt(container, org, delivery_id) == "delivered"
        [got] = receiver.at("/hook")
        assert got.headers["webhook-id"] == delivery_id
        assert got.headers["content-type"] == "application/json"
        assert got.headers["webhook-timestamp"] == str(int(container.clock.now().timestamp()))
        body = Webhook(secret).verify(got.body, got.headers)
        assert (body["type"], body["organisation_id"]) == ("payment.succeeded", org.organisation.id)
        assert body["data"] == {"id": "pay_test", "amount": 12500}
        assert body["id"].startswith("evt_")
        assert body["sequence"] == state(container, org, delivery_id).delivery.event_sequence

    def test_the_log_records_the_attempt(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver
    ) -> None:
        _, _, delivery_id = setup(container, org, receiver, Answer(200, b'{"received":true}'))
        attempt(container, org, delivery_id)
        entry = state(container, org, delivery_id)
        assert (entry.delivery.status, entry.delivery.delivered_at, entry.delivery.next_attempt_at) == (
            DeliveryStatus.DELIVERED,
            container.clock.now(),
            None,
        )
        [made] = entry.attempts
        assert (made.number, made.outcome, made.status_code, made.error) == (1, Outcome.DELIVERED, 200, None)
        assert made.response_excerpt == '{"received":true}'
        assert 0 <= made.latency_ms < 5000

    def test_a_job_for_a_delivery_no_longer_pending_sends_nothing(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver
    ) -> None:
        _, _, delivery_id = setup(container, org, receiver, Answer(200))
        attempt(container, org, delivery_id)
        assert attempt(container, org, delivery_id) == "delivered"
        assert len(receiver.at("/hook")) == 1
        assert attempt(container, org, "del_01JQ3Z8K6V4N2B7C9D0E1F2G3H") == "missing"


class TestRetries:
    def test_every_retry_carries_the_same_webhook_id_and_body_on_the_schedule(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver, clock: FrozenClock
    ) -> None:
        secret, _, delivery_id = setup(container, org, receiver, Answer(500), Answer(503), Answer(200))
        start = clock.now()
        assert attempt(container, org, delivery_id) == "retry"
        assert state(container, org, delivery_id).delivery.next_attempt_at == start + timedelta(seconds=5)
        until_next(container, org, delivery_id, clock)
        assert attempt(container, org, delivery_id) == "retry"
        assert state(container, org, delivery_id).delivery.next_attempt_at == start + timedelta(
            seconds=5, minutes=5
        )
        until_next(container, org, delivery_id, clock)
        assert attempt(container, org, delivery_id) == "delivered"
        received = receiver.at("/hook")
        assert {r.headers["webhook-id"] for r in received} == {delivery_id}
        assert len({r.body for r in received}) == 1
        assert len({r.headers["webhook-timestamp"] for r in received}) == 3
        Webhook(secret).verify(received[0].body, received[0].headers)
        assert [a.status_code for a in state(container, org, delivery_id).attempts] == [500, 503, 200]
        jobs = delivery_jobs(container)
        assert [key for d, key, _ in jobs if d == delivery_id] == [f"webhook:{delivery_id}", None, None]

    def test_after_the_last_scheduled_attempt_the_delivery_fails(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver
    ) -> None:
        _, _, delivery_id = setup(container, org, receiver, Answer(500))
        with container.uow() as uow:
            delivery = uow.webhook_deliveries.get(org.organisation.id, delivery_id)
            assert delivery is not None
            uow.webhook_deliveries.save(replace(delivery, attempts=len(RETRY_SCHEDULE) - 1))
            uow.commit()
        assert attempt(container, org, delivery_id) == "failed"
        entry = state(container, org, delivery_id)
        assert (entry.delivery.status, entry.delivery.attempts, entry.delivery.next_attempt_at) == (
            DeliveryStatus.FAILED,
            len(RETRY_SCHEDULE),
            None,
        )

    @pytest.mark.parametrize(
        ("answer", "wait"),
        [
            (Answer(429, b"", {"Retry-After": "120"}), timedelta(seconds=120)),
            (Answer(503, b"", {"Retry-After": "120"}), timedelta(seconds=5)),  # 503 does not throttle
            (Answer(502, b"", {"Retry-After": "1"}), timedelta(seconds=5)),  # never sooner than the schedule
            (Answer(504, b"", {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}), timedelta(hours=24)),
        ],
    )
    def test_throttling_answers_honour_retry_after(
        self,
        container: Container,
        org: CreatedOrganisation,
        receiver: Receiver,
        answer: Answer,
        wait: timedelta,
    ) -> None:
        _, _, delivery_id = setup(container, org, receiver, answer)
        assert attempt(container, org, delivery_id) == "retry"
        entry = state(container, org, delivery_id)
        assert entry.delivery.next_attempt_at == container.clock.now() + wait
        assert entry.attempts[0].outcome is (Outcome.FAILED if answer.status == 503 else Outcome.THROTTLED)

    def test_a_slow_receiver_times_out_and_is_retried(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver
    ) -> None:
        container.webhook_timeout = 0.3
        _, _, delivery_id = setup(container, org, receiver, Answer(200, delay=2))
        assert attempt(container, org, delivery_id) == "retry"
        [made] = state(container, org, delivery_id).attempts
        assert (made.status_code, made.error) == (None, "no answer within 0.3 s")

    def test_a_redirect_is_a_failure_and_is_not_followed(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver
    ) -> None:
        _, _, delivery_id = setup(
            container, org, receiver, Answer(302, b"", {"Location": "http://10.0.0.1/x"})
        )
        assert attempt(container, org, delivery_id) == "retry"
        [made] = state(container, org, delivery_id).attempts
        assert (made.status_code, made.outcome) == (302, Outcome.FAILED)
        assert made.error == "redirect to http://10.0.0.1/x not followed"
        assert len(receiver.received) == 1

    def test_garbage_and_huge_answers_are_cut_to_an_excerpt(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver, clock: FrozenClock
    ) -> None:
        huge = b"\xff\xfe<html>" + b"x" * (2 * 1024 * 1024)
        _, _, delivery_id = setup(
            container, org, receiver, Answer(500, huge), Answer(raw=b"\x00\x01 not http\r\n\r\n"), Answer(200)
        )
        assert attempt(container, org, delivery_id) == "retry"
        until_next(container, org, delivery_id, clock)
        assert attempt(container, org, delivery_id) == "retry"
        until_next(container, org, delivery_id, clock)
        assert attempt(container, org, delivery_id) == "delivered"
        first, second, _ = state(container, org, delivery_id).attempts
        assert first.response_excerpt is not None
        assert len(first.response_excerpt) == 500
        assert first.response_excerpt.startswith("\ufffd\ufffd<html>")
        assert (second.status_code, second.response_excerpt) == (None, None)
        assert second.error is not None


class TestGone:
    def test_410_disables_the_endpoint_cancels_the_rest_and_tells_the_owners(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver
    ) -> None:
        add_user(container, org, "ejer@hansen.dk", Role.OWNER)
        add_user(container, org, "owner@hansen.dk", Role.OWNER, locale="en")
        add_user(container, org, "bogholder@hansen.dk", Role.BOOKKEEPER)
        _, endpoint_id, delivery_id = setup(container, org, receiver, Answer(410))
        publish(container, org, "payment.refunded")
        assert attempt(container, org, delivery_id) == "gone"
        off = endpoint(container, org, endpoint_id)
        assert (off.status, off.disabled_reason) == (EndpointStatus.DISABLED, DisableReason.GONE.value)
        statuses = [e.delivery.status for e in logged(container, org, endpoint_id)]
        assert statuses == [DeliveryStatus.FAILED, DeliveryStatus.CANCELLED]
        mails = outbox(container)
        assert sorted(m[0] for m in mails) == ["ejer@hansen.dk", "owner@hansen.dk"]
        danish = next(m for m in mails if m[0] == "ejer@hansen.dk")
        assert "410" in danish[2]
        assert receiver.url("/hook") in danish[2]
        assert f"https://betal.example.dk/app/webhooks/{endpoint_id}" in danish[2]


def outbox(container: Container) -> list[tuple[str, str, str]]:
    """(recipient, subject, text) of every queued e-mail."""
    with container.engine.connect() as conn:
        rows = conn.execute(select(OutboxRow.recipient, OutboxRow.subject, OutboxRow.body_text)).all()
    return [(str(r), str(s), str(t)) for r, s, t in rows]


class TestThreeDays:
    def test_an_endpoint_failing_for_three_days_is_disabled_and_owners_e_mailed(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver, clock: FrozenClock
    ) -> None:
        add_user(container, org, "ejer@hansen.dk", Role.OWNER)
        _, endpoint_id, delivery_id = setup(container, org, receiver, Answer(500))
        start = clock.now()
        outcomes = [attempt(container, org, delivery_id)]
        assert endpoint(container, org, endpoint_id).failing_since == start
        while outcomes[-1] == "retry":
            until_next(container, org, delivery_id, clock)
            outcomes.append(attempt(container, org, delivery_id))
        assert outcomes == ["retry"] * 9 + ["failed"]
        assert clock.now() - start >= DISABLE_AFTER
        off = endpoint(container, org, endpoint_id)
        assert (off.status, off.disabled_reason) == (EndpointStatus.DISABLED, DisableReason.FAILING.value)
        assert [m[0] for m in outbox(container)] == ["ejer@hansen.dk"]
        assert "3 dage" in outbox(container)[0][2]
        assert len(receiver.at("/hook")) == len(RETRY_SCHEDULE)

    def test_a_success_ends_the_failure_streak(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver, clock: FrozenClock
    ) -> None:
        _, endpoint_id, delivery_id = setup(container, org, receiver, Answer(500), Answer(200))
        attempt(container, org, delivery_id)
        assert endpoint(container, org, endpoint_id).failing_since is not None
        until_next(container, org, delivery_id, clock)
        attempt(container, org, delivery_id)
        assert endpoint(container, org, endpoint_id).failing_since is None


class TestEndpointState:
    def test_a_delivery_of_a_disabled_endpoint_is_cancelled_unsent(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver
    ) -> None:
        _, endpoint_id, delivery_id = setup(container, org, receiver, Answer(200))
        with container.uow() as uow:
            found = uow.webhook_endpoints.get(org.organisation.id, endpoint_id)
            assert found is not None
            uow.webhook_endpoints.save(replace(found, status=EndpointStatus.DISABLED))
            uow.commit()
        assert attempt(container, org, delivery_id) == "cancelled"
        assert state(container, org, delivery_id).delivery.status is DeliveryStatus.CANCELLED
        assert receiver.received == []

    def test_an_ordered_endpoint_delivers_by_event_sequence(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver, clock: FrozenClock
    ) -> None:
        receiver.answer("/ordered", Answer(500), Answer(200))
        made = add_endpoint(container, org, receiver.url("/ordered"), ordered=True)
        publish(container, org, "payment.succeeded", "payment.refunded")
        first, second = (e.delivery for e in logged(container, org, made.endpoint.id))
        assert attempt(container, org, second.id) == "deferred"
        assert state(container, org, second.id).attempts == ()
        assert attempt(container, org, first.id) == "retry"
        assert attempt(container, org, second.id) == "deferred"
        assert state(container, org, second.id).delivery.next_attempt_at == clock.now() + timedelta(seconds=6)
        until_next(container, org, first.id, clock)
        assert attempt(container, org, first.id) == "delivered"
        assert attempt(container, org, second.id) == "delivered"
        sequences = [json.loads(r.body)["sequence"] for r in receiver.at("/ordered")]
        assert sequences == [first.event_sequence, first.event_sequence, second.event_sequence]


FORBIDDEN = "a loopback, private or metadata address"


class TestLiveSafety:
    @pytest.mark.parametrize(
        ("url", "why"),
        [
            ("http://127.0.0.1:{port}/hook", "refused: the URL must be an https URL"),
            ("https://localhost:{port}/hook", "refused: the URL must not point at this machine (localhost)"),
            ("https://127.1:{port}/hook", f"refused: 127.1 resolves to 127.0.0.1, {FORBIDDEN}"),
            ("https://[::1]:{port}/hook", f"refused: the URL must not point at {FORBIDDEN} (::1)"),
            (
                "https://169.254.169.254/meta-data/",
                f"refused: the URL must not point at {FORBIDDEN} (169.254.169.254)",
            ),
            ("https://10.0.0.7/hook", f"refused: the URL must not point at {FORBIDDEN} (10.0.0.7)"),
        ],
    )
    def test_a_forbidden_target_is_refused_at_delivery_without_a_connection(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver, url: str, why: str
    ) -> None:
        made = add_endpoint(container, org, url.format(port=receiver.port))  # saved in sandbox mode
        publish(container, org, "payment.succeeded")
        [entry] = logged(container, org, made.endpoint.id)
        assert attempt(container, org, entry.delivery.id, live=True) == "retry"
        [made_attempt] = state(container, org, entry.delivery.id).attempts
        assert (made_attempt.status_code, made_attempt.latency_ms, made_attempt.error) == (None, 0, why)
        assert receiver.received == []

    def test_sandbox_mode_delivers_to_this_machine(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver
    ) -> None:
        receiver.answer("/hook", Answer(200))
        made = add_endpoint(container, org, f"http://localhost:{receiver.port}/hook")
        publish(container, org, "payment.succeeded")
        [entry] = logged(container, org, made.endpoint.id)
        assert attempt(container, org, entry.delivery.id) == "delivered"


class TestRotation:
    def test_both_secrets_sign_for_24_hours_then_only_the_new_one(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver, clock: FrozenClock
    ) -> None:
        receiver.answer("/hook", Answer(200))
        made = add_endpoint(container, org, receiver.url())
        with container.uow() as uow:
            rotated = rotate_secret(uow, container.cipher, owner(org), made.endpoint.id)
        steps = [timedelta(0), timedelta(hours=23, minutes=59), timedelta(minutes=1)]
        for step, kind in zip(
            steps, ("payment.succeeded", "payment.refunded", "payment.failed"), strict=True
        ):
            clock.advance(step)
            publish(container, org, kind)
            attempt(container, org, logged(container, org, made.endpoint.id)[-1].delivery.id)
        first, second, third = receiver.at("/hook")
        for secret in (rotated.secret, made.secret):
            Webhook(secret).verify(first.body, first.headers)  # now: both verify with the library
        assert signed_by(second, rotated.secret, made.secret) == {rotated.secret, made.secret}
        assert signed_by(third, rotated.secret, made.secret) == {rotated.secret}
        assert len(third.headers["webhook-signature"].split(" ")) == 1


def signed_by(received: Received, *secrets: str) -> set[str]:
    """Which of ``secrets`` made an entry of a delivery's webhook-signature header (plain HMAC)."""
    entries = set(received.headers["webhook-signature"].split(" "))
    found = set()
    for secret in secrets:
        key = base64.b64decode(secret.removeprefix("whsec_"))
        signed = (
            f"{received.headers['webhook-id']}.{received.headers['webhook-timestamp']}.".encode()
            + received.body
        )
        if "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode() in entries:
            found.add(secret)
    return found
