"""What the simulators share, driven through a small app of its own over the real sandbox store: pages in
the portal's language with the simulators' headers, the sandbox-only guard, tokens and derived secrets,
refusals, documents created once, idempotent replay and callback delivery."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.providers.sandbox_secret import sandbox_webhook_secret
from betal.adapters.security import Argon2PasswordHasher
from betal.bootstrap import Container
from betal.config import Mode, Settings
from betal.sandbox import _support as support
from tests.adapters.providers.mobilepay.support import Receiver, wait_until

SIGNUP_CONTEXT = {"signup": None, "signup_id": "s1", "error": None, "account": {}, "csrf": "c"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 22, 23, 30, tzinfo=UTC))  # 23 November in Copenhagen


@pytest.fixture
def sandbox(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    container = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield container
    container.close()


def app_for(container: Container, runs: list[str]) -> FastAPI:
    """Routes that use each shared piece the way the simulators do."""
    app = FastAPI()
    app.state.container = container

    @app.get("/page")
    def page(request: Request, status: int = 200) -> Response:
        return support.render_page(
            request, "sandbox/betalingsservice/signup.html", SIGNUP_CONTEXT, status=status
        )

    @app.get("/own-headers")
    def own_headers(request: Request) -> Response:
        context = SIGNUP_CONTEXT | {"current_path": "/elsewhere"}
        template = "sandbox/betalingsservice/signup.html"
        return support.render_page(request, template, context, headers={"X-Frame-Options": "DENY"})

    @app.get("/guarded")
    def guarded(container: support.Sandbox) -> Response:
        return JSONResponse({"sandbox": container.settings.is_sandbox})

    @app.get("/token/{object_id}")
    def token(request: Request, object_id: str) -> Response:
        return JSONResponse({"token": support.form_token(request, object_id)})

    @app.post("/echo")
    def echo(raw: bytes = Depends(support.body_of)) -> Response:
        return Response(raw[::-1])

    @app.post("/once/{scope}")
    @support.answers
    def run_once(scope: str, refuse: bool = False) -> Response:
        def operation() -> tuple[int, dict[str, object]]:
            runs.append(scope)
            if refuse:
                raise support.Refusal(JSONResponse({"refused": scope}, status_code=422))
            return 201, {"scope": scope, "run": len(runs)}

        busy = support.Refusal(JSONResponse({"busy": True}, status_code=409))
        return support.once(container, "test", scope, operation, busy)

    return app


@pytest.fixture
def runs() -> list[str]:
    return []


@pytest.fixture
def client(sandbox: Container, runs: list[str]) -> Iterator[TestClient]:
    with TestClient(app_for(sandbox, runs)) as test_client:
        yield test_client


class TestRenderPage:
    def test_danish_by_default_english_by_cookie(self, client: TestClient) -> None:
        danish = client.get("/page?x=1")
        assert danish.status_code == 200
        assert '<html lang="da">' in danish.text
        assert "Tilmeldingslinket er ikke gyldigt" in danish.text
        assert "/app/language/en?next=/page%3Fx%3D1" in danish.text  # the path with its query
        client.cookies.set("betal_lang", "en")
        english = client.get("/page")
        assert '<html lang="en">' in english.text
        assert "The sign-up link is not valid" in english.text
        client.cookies.set("betal_lang", "fr")
        assert "Tilmeldingslinket er ikke gyldigt" in client.get("/page").text

    def test_security_headers_and_status(self, client: TestClient) -> None:
        page = client.get("/page", params={"status": 422})
        assert page.status_code == 422
        assert page.headers["content-security-policy"] == support.CSP
        assert "script-src 'self'" in support.CSP
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["cache-control"] == "no-store"

    def test_a_simulator_may_send_its_own_headers_and_path(self, client: TestClient) -> None:
        page = client.get("/own-headers")
        assert page.headers["x-frame-options"] == "DENY"
        assert "content-security-policy" not in page.headers
        assert "next=/elsewhere" in page.text

    def test_static_urls_carry_the_content_hash(self) -> None:
        css = (support.WEB / "static" / "sandbox.css").read_bytes()
        assert (
            support.static_url("sandbox.css")
            == f"/app/static/sandbox.css?v={hashlib.sha256(css).hexdigest()[:12]}"
        )

    @pytest.mark.parametrize(
        ("value", "currency", "text"),
        [(123_450, "DKK", "1.234,50 kr."), (5, "DKK", "0,05 kr."), (123_456_789, "DKK", "1.234.567,89 kr."),
         (1_200, "EUR", "12,00 EUR")],
    )  # fmt: skip
    def test_money(self, value: int, currency: str, text: str) -> None:
        assert support.money(value, currency) == text
        assert support.environment("da").filters["money"](value, currency) == text


class TestRequests:
    def test_live_installations_have_no_simulators(self, settings: Settings, clock: FrozenClock) -> None:
        live = settings.model_copy(update={"mode": Mode.LIVE})
        container = bootstrap.build(live, clock=clock, hasher=Argon2PasswordHasher(fast=True))
        try:
            with TestClient(app_for(container, [])) as client:
                assert client.get("/guarded").status_code == 404
        finally:
            container.close()

    def test_sandbox_installations_have_them(self, client: TestClient) -> None:
        assert client.get("/guarded").json() == {"sandbox": True}

    def test_the_raw_body(self, client: TestClient) -> None:
        assert client.post("/echo", content=b"\x00abc").content == b"cba\x00"

    def test_today_is_the_copenhagen_date(self, sandbox: Container) -> None:
        assert support.today(sandbox) == date(2026, 11, 23)

    def test_form_tokens_are_per_page_and_object(self, client: TestClient, sandbox: Container) -> None:
        first = client.get("/token/a").json()["token"]
        assert first == client.get("/token/a").json()["token"]
        assert first != client.get("/token/b").json()["token"]
        assert first == support.mac(sandbox, "sandbox-form:/token/a:a")
        assert re.fullmatch(r"[0-9a-f]{64}", first)

    def test_derived_secrets_match_what_betal_derives(self, sandbox: Container) -> None:
        url = "http://localhost:9000/hooks/mobilepay"
        # the vector of tests/adapters/providers/mobilepay/test_config.py, computed with openssl
        assert support.derived_secret(sandbox, url) == "RyUo26ZGm14R7yPByln00RP9UwWhsmEnhi5GAjyvr6M"
        other = "http://localhost:9000/hooks/card"
        assert support.derived_secret(sandbox, other) == sandbox_webhook_secret(
            sandbox.settings.secret_key, other
        )


class TestState:
    def test_create_once(self, sandbox: Container) -> None:
        assert support.create_once(sandbox, "test", "thing", "t1", {"n": 1})
        assert not support.create_once(sandbox, "test", "thing", "t1", {"n": 2})
        assert sandbox.sandbox_store().get("test", "t1") == {"n": 1}

    def test_put_creates_then_merges(self, sandbox: Container) -> None:
        support.put(sandbox, "test", "hook", "h1", {"url": "a", "events": ["x"]})
        support.put(sandbox, "test", "hook", "h1", {"events": ["y"]})
        assert sandbox.sandbox_store().list("test", "hook") == [{"url": "a", "events": ["y"]}]


class TestOnce:
    def test_a_repeated_scope_answers_the_stored_response(self, client: TestClient, runs: list[str]) -> None:
        first = client.post("/once/k1")
        again = client.post("/once/k1")
        assert (first.status_code, again.status_code) == (201, 201)
        assert first.json() == again.json() == {"scope": "k1", "run": 1}
        assert client.post("/once/k2").json() == {"scope": "k2", "run": 2}
        assert runs == ["k1", "k2"]

    def test_a_refusal_stores_nothing(self, client: TestClient, runs: list[str]) -> None:
        refused = client.post("/once/k1", params={"refuse": True})
        assert (refused.status_code, refused.json()) == (422, {"refused": "k1"})
        assert client.post("/once/k1").json() == {"scope": "k1", "run": 2}
        assert runs == ["k1", "k1"]


class TestDeliver:
    def test_delivered(self) -> None:
        with Receiver() as receiver:
            request = httpx.Request("POST", receiver.url, content=b'{"a": 1}', headers={"X-Sig": "s"})
            support.deliver("test", request)
            wait_until(lambda: receiver.received)
        (received,) = receiver.received
        assert (received.path, received.body, received.headers["X-Sig"]) == ("/hooks/test", b'{"a": 1}', "s")

    def test_a_failed_delivery_is_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.WARNING, logger="betal.sandbox.test"):
            support.deliver("test", httpx.Request("POST", "http://127.0.0.1:9/hooks/x", content=b"{}"))
        assert [r.name for r in caplog.records] == ["betal.sandbox.test"]
        assert "test webhook to http://127.0.0.1:9/hooks/x failed: ConnectError" in caplog.text
