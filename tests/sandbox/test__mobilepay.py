"""The MobilePay simulator's shared pieces (betal.sandbox._mobilepay): RFC 7807 refusals, PSP references,
loading a payment (expiring it when its time ran out), and callbacks signed as betal's adapter verifies."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import BackgroundTasks, FastAPI
from starlette.requests import Request

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.providers.mobilepay import webhooks
from betal.adapters.security import Argon2PasswordHasher
from betal.bootstrap import Container
from betal.config import Settings
from betal.sandbox import _mobilepay as mp
from betal.sandbox._support import Refusal

NOW = datetime(2026, 11, 22, 9, 41, tzinfo=UTC)
REF = "pay-01JD5Z8Q3W0000000000000001"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def sandbox(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    container = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield container
    container.close()


def request_to(container: Container) -> Request:
    app = FastAPI()
    app.state.container = container
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [], "app": app})


def stored(container: Container, msn: str = "123456", state: str = "CREATED") -> dict[str, Any]:
    doc = {"reference": REF, "msn": msn, "state": state, "amount": {"currency": "DKK", "value": 12_500},
           "pspReference": "1000000001", "expiresAt": (NOW + timedelta(minutes=5)).isoformat()}  # fmt: skip
    return container.sandbox_store().create(mp.PROVIDER, "payment", f"payment:{REF}", doc)


def hook(container: Container, msn: str, url: str, *events: str) -> None:
    doc = {"id": f"webhook:{msn}:{url}", "msn": msn, "url": url, "events": list(events)}
    container.sandbox_store().create(mp.PROVIDER, "webhook", doc["id"], doc)


def queued(background: BackgroundTasks) -> list[tuple[str, dict[str, Any]]]:
    return [(task.args[1], task.args[2]) for task in background.tasks]


class TestProblem:
    def test_an_rfc_7807_answer(self) -> None:
        refusal = mp.problem(400, "Bad Request", "", [{"name": "reference", "reason": "required"}])
        response = refusal.response
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        body = json.loads(bytes(response.body))
        assert body["type"] == mp.ERROR_TYPE
        assert (body["title"], body["status"], body["detail"]) == ("Bad Request", 400, "Bad Request")
        assert body["extraDetails"] == [{"name": "reference", "reason": "required"}]
        assert re.fullmatch(r"[0-9a-f]{16}", body["traceId"])

    def test_psp_references_are_ten_digits(self) -> None:
        references = {mp.psp() for _ in range(20)}
        assert all(re.fullmatch(r"[1-9][0-9]{9}", r) for r in references)
        assert len(references) > 1


class TestLoad:
    def test_a_payment_within_its_time(self, sandbox: Container, clock: FrozenClock) -> None:
        stored(sandbox)
        background = BackgroundTasks()
        clock.advance(timedelta(minutes=5) - timedelta(seconds=1))
        assert mp.load(request_to(sandbox), REF, "123456", background)["state"] == "CREATED"
        assert mp.load(request_to(sandbox), REF, None, background)["state"] == "CREATED"
        assert background.tasks == []

    def test_expires_when_read_after_its_time(self, sandbox: Container, clock: FrozenClock) -> None:
        stored(sandbox)
        hook(sandbox, "123456", "http://127.0.0.1:9/hooks/a", "epayments.payment.expired.v1")
        clock.advance(timedelta(minutes=5))
        background = BackgroundTasks()
        doc = mp.load(request_to(sandbox), REF, "123456", background)
        assert doc["state"] == "EXPIRED"
        assert doc["pspReference"] != "1000000001"
        assert sandbox.sandbox_store().get(mp.PROVIDER, f"payment:{REF}") == doc
        assert [(url, payload["name"]) for url, payload in queued(background)] == [
            ("http://127.0.0.1:9/hooks/a", "EXPIRED")
        ]

    def test_unknown_and_another_merchants_payment(self, sandbox: Container) -> None:
        stored(sandbox)
        for reference, msn in (("pay-unknown-000", None), (REF, "654321")):
            with pytest.raises(Refusal) as refused:
                mp.load(request_to(sandbox), reference, msn, BackgroundTasks())
            assert refused.value.response.status_code == 404


class TestCallbacks:
    def test_only_subscribed_hooks_of_the_payments_merchant(self, sandbox: Container) -> None:
        doc = stored(sandbox)
        hook(sandbox, "123456", "http://127.0.0.1:9/hooks/a", "epayments.payment.authorized.v1")
        hook(sandbox, "123456", "http://127.0.0.1:9/hooks/b", "epayments.payment.captured.v1")
        hook(sandbox, "654321", "http://127.0.0.1:9/hooks/c", "epayments.payment.authorized.v1")
        background = BackgroundTasks()
        mp.notify(background, sandbox, doc, "AUTHORIZED")
        mp.notify(background, sandbox, doc, "CAPTURED", {"currency": "DKK", "value": 500})
        (authorized_url, authorized), (captured_url, captured) = queued(background)
        assert (authorized_url, captured_url) == ("http://127.0.0.1:9/hooks/a", "http://127.0.0.1:9/hooks/b")
        assert authorized == {
            "msn": "123456", "reference": REF, "pspReference": "1000000001", "name": "AUTHORIZED",
            "amount": {"currency": "DKK", "value": 12_500}, "timestamp": NOW.isoformat(),
            "idempotencyKey": None, "success": True,
        }  # fmt: skip
        assert captured["amount"] == {"currency": "DKK", "value": 500}

    def test_signed_as_betal_verifies(self) -> None:
        body = b'{"name": "AUTHORIZED"}'
        headers = mp.sign("s3cret", "/hooks/mobilepay?x=1", "betal.example", body, NOW)
        headers["Host"] = "betal.example"
        webhooks.verify("s3cret", path_and_query="/hooks/mobilepay?x=1", headers=headers, body=body, now=NOW)
        assert headers["x-ms-date"] == "Sun, 22 Nov 2026 09:41:00 GMT"
        with pytest.raises(webhooks.InvalidSignature):
            webhooks.verify(
                "other", path_and_query="/hooks/mobilepay?x=1", headers=headers, body=body, now=NOW
            )
        with pytest.raises(webhooks.InvalidSignature):
            webhooks.verify(
                "s3cret", path_and_query="/hooks/mobilepay?x=1", headers=headers, body=b"{}", now=NOW
            )
