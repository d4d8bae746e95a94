"""The ePayment HTTP client: headers, token caching and error mapping, against a scripted HTTP server
(httpx.MockTransport: a stand-in for MobilePay's side of the wire; the happy path runs against the
simulator in test_provider.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from betal.adapters.providers.mobilepay.client import MobilePayClient
from betal.adapters.providers.mobilepay.config import MobilePayConfig
from betal.config import Settings
from betal.domain.provider import ProviderRateLimited, ProviderRejected, ProviderUnavailable

DATA = Path(__file__).parent / "data"
CONFIG = MobilePayConfig.from_settings(Settings(secret_key="test-secret-key-for-betal-tests-only-0123456789"))
Handler = Callable[[httpx.Request], httpx.Response]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def server(api: Handler, seen: list[httpx.Request], tokens: list[str] | None = None) -> httpx.MockTransport:
    issued = iter(tokens or [f"token-{n}" for n in range(1, 10)])

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/accesstoken/get"):
            return httpx.Response(
                200, json={"token_type": "Bearer", "expires_in": "3600", "access_token": next(issued)}
            )
        return api(request)

    return httpx.MockTransport(handle)


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"reference": "pay-1abcdefgh", "state": "CREATED"})


class TestTokens:
    def test_token_request_and_api_headers(self) -> None:
        seen: list[httpx.Request] = []
        client = MobilePayClient(CONFIG, transport=server(ok, seen))
        client.create_payment("123456", "pay-1abcdefgh", {"reference": "pay-1abcdefgh"})
        token_call, create = seen
        assert token_call.method == "POST"
        assert token_call.url.path == "/sandbox/mobilepay/accesstoken/get"
        assert token_call.headers["client_id"] == CONFIG.client_id
        assert token_call.headers["client_secret"] == CONFIG.client_secret.get_secret_value()
        assert token_call.headers["Ocp-Apim-Subscription-Key"] == CONFIG.subscription_key.get_secret_value()
        assert token_call.headers["Merchant-Serial-Number"] == "123456"
        assert create.url.path == "/sandbox/mobilepay/epayment/v1/payments"
        assert create.headers["Authorization"] == "Bearer token-1"
        assert create.headers["Idempotency-Key"] == "pay-1abcdefgh"
        assert create.headers["Merchant-Serial-Number"] == "123456"
        assert json.loads(create.content) == {"reference": "pay-1abcdefgh"}

    def test_cached_per_merchant_until_it_expires(self) -> None:
        seen: list[httpx.Request] = []
        clock = Clock()
        client = MobilePayClient(CONFIG, transport=server(ok, seen), monotonic=clock)
        client.get_payment("123456", "pay-1abcdefgh")
        client.get_payment("123456", "pay-1abcdefgh")
        client.get_payment("654321", "pay-1abcdefgh")
        assert [r.url.path.rsplit("/", 1)[-1] for r in seen].count("get") == 2
        clock.now += 3600 - 60  # renewed a minute before it runs out
        client.get_payment("123456", "pay-1abcdefgh")
        assert seen[-1].headers["Authorization"] == "Bearer token-3"

    def test_a_refused_token_is_renewed_once(self) -> None:
        seen: list[httpx.Request] = []

        def api(request: httpx.Request) -> httpx.Response:
            if request.headers["Authorization"] == "Bearer token-1":
                return httpx.Response(401, json={"title": "Unauthorized"})
            return ok(request)

        client = MobilePayClient(CONFIG, transport=server(api, seen))
        assert client.get_payment("123456", "pay-1abcdefgh")["state"] == "CREATED"
        assert [r.headers.get("Authorization") for r in seen if "payments" in r.url.path] == [
            "Bearer token-1",
            "Bearer token-2",
        ]

    def test_a_second_refusal_is_final(self) -> None:
        client = MobilePayClient(CONFIG, transport=server(lambda _request: httpx.Response(401, json={}), []))
        with pytest.raises(ProviderRejected) as caught:
            client.get_payment("123456", "pay-1abcdefgh")
        assert caught.value.provider_code == "401"


def failing(response: httpx.Response | Exception) -> MobilePayClient:
    def api(request: httpx.Request) -> httpx.Response:
        if isinstance(response, Exception):
            raise response
        return response

    return MobilePayClient(CONFIG, transport=server(api, []))


class TestErrors:
    def test_rfc7807_with_extra_details_is_a_rejection(self) -> None:
        problem = json.loads((DATA / "problem_invalid_body.json").read_text())
        client = failing(httpx.Response(400, json=problem))
        with pytest.raises(ProviderRejected) as caught:
            client.create_payment("123456", "k", {})
        assert caught.value.provider_code == "400"
        assert "Bad Request (The request body is invalid)" in caught.value.detail
        assert "reference: String should match pattern" in caught.value.detail

    def test_capture_before_reservation(self) -> None:
        problem = json.loads((DATA / "problem_capture_before_reservation.json").read_text())
        with pytest.raises(ProviderRejected, match="Cannot capture before reservation"):
            failing(httpx.Response(400, json=problem)).modify("123456", "pay-1abcdefgh", "capture", "k", {})

    def test_an_error_without_a_body(self) -> None:
        with pytest.raises(ProviderRejected, match="MobilePay: Not Found"):
            failing(httpx.Response(404, text="<html>")).get_payment("123456", "pay-1abcdefgh")

    def test_rate_limited(self) -> None:
        with pytest.raises(ProviderRateLimited) as caught:
            failing(httpx.Response(429, headers={"Retry-After": "7"})).get_payment("123456", "pay-1abcdefgh")
        assert caught.value.retry_after == 7

    @pytest.mark.parametrize(
        "response",
        [
            httpx.Response(500),
            httpx.Response(503, json={"title": "Service Unavailable"}),
            httpx.ConnectTimeout("slow"),
            httpx.ReadTimeout("slow"),
            httpx.ConnectError("refused"),
        ],
    )
    def test_unavailable(self, response: httpx.Response | Exception) -> None:
        with pytest.raises(ProviderUnavailable):
            failing(response).get_payment("123456", "pay-1abcdefgh")

    def test_an_unreachable_token_endpoint(self) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused")

        client = MobilePayClient(CONFIG, transport=httpx.MockTransport(refuse))
        with pytest.raises(ProviderUnavailable, match="unreachable"):
            client.access_token("123456")


class TestWebhookRegistrations:
    def test_list_and_register(self) -> None:
        seen: list[httpx.Request] = []

        def api(request: httpx.Request) -> httpx.Response:
            if request.method == "GET":
                return httpx.Response(
                    200, json={"webhooks": [{"id": "w1", "url": "https://x", "events": []}]}
                )
            return httpx.Response(201, json={"id": "w2", "secret": "s"})

        client = MobilePayClient(CONFIG, transport=server(api, seen))
        assert client.list_webhooks("123456") == [{"id": "w1", "url": "https://x", "events": []}]
        assert client.register_webhook("123456", "k1", "https://y", ["e"]) == {"id": "w2", "secret": "s"}
        assert seen[-1].url.path == "/sandbox/mobilepay/webhooks/v1/webhooks"
        assert json.loads(seen[-1].content) == {"url": "https://y", "events": ["e"]}
        assert seen[-1].headers["Idempotency-Key"] == "k1"
        client.close()
