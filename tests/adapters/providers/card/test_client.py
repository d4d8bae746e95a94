"""The card acquirer's HTTP client: headers and error mapping, against a scripted HTTP server
(httpx.MockTransport stands in for the acquirer; the happy path runs against the simulator in
test_provider.py)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from betal.adapters.providers.card.client import CardClient
from betal.adapters.providers.card.config import CardConfig
from betal.config import Settings
from betal.domain.provider import ProviderRateLimited, ProviderRejected, ProviderUnavailable

DATA = Path(__file__).parent / "data"
CONFIG = CardConfig.from_settings(Settings(secret_key="test-secret-key-for-betal-tests-only-0123456789"))


def client_answering(
    response: httpx.Response | Exception, seen: list[httpx.Request] | None = None
) -> CardClient:
    def handle(request: httpx.Request) -> httpx.Response:
        (seen if seen is not None else []).append(request)
        if isinstance(response, Exception):
            raise response
        return response

    return CardClient(CONFIG, transport=httpx.MockTransport(handle))


class TestRequests:
    def test_create_sends_key_and_idempotency_key(self) -> None:
        seen: list[httpx.Request] = []
        answer = json.loads((DATA / "create_response.json").read_text())
        client = client_answering(httpx.Response(201, json=answer), seen)
        assert client.create_payment("pay_1", {"amount": 100}) == answer
        (request,) = seen
        assert (request.method, request.url.path) == ("POST", "/sandbox/card/v1/payments")
        assert request.headers["Authorization"] == f"Bearer {CONFIG.secret_key.get_secret_value()}"
        assert request.headers["Idempotency-Key"] == "pay_1"
        assert json.loads(request.content) == {"amount": 100}

    def test_reads_carry_no_idempotency_key(self) -> None:
        seen: list[httpx.Request] = []
        client_answering(httpx.Response(200, json={"paymentId": "p1"}), seen).get_payment("p1")
        assert seen[0].url.path == "/sandbox/card/v1/payments/p1"
        assert "Idempotency-Key" not in seen[0].headers

    def test_refund_cancel_and_endpoints(self) -> None:
        seen: list[httpx.Request] = []
        client = client_answering(httpx.Response(200, json={"data": [{"url": "u"}]}), seen)
        client.refund("p1", "r1", 500)
        client.cancel("p1", "c1")
        assert client.list_endpoints() == [{"url": "u"}]
        client.create_endpoint("e1", "https://betal.example/hooks/card", ["payment.captured"])
        assert [(r.method, r.url.path, r.headers.get("Idempotency-Key")) for r in seen] == [
            ("POST", "/sandbox/card/v1/payments/p1/refunds", "r1"),
            ("POST", "/sandbox/card/v1/payments/p1/cancel", "c1"),
            ("GET", "/sandbox/card/v1/webhook-endpoints", None),
            ("POST", "/sandbox/card/v1/webhook-endpoints", "e1"),
        ]
        assert json.loads(seen[0].content) == {"amount": 500}
        client.close()


class TestErrors:
    def test_acquirer_error_is_a_rejection(self) -> None:
        error = json.loads((DATA / "error_refund_not_allowed.json").read_text())
        with pytest.raises(ProviderRejected) as caught:
            client_answering(httpx.Response(409, json=error)).refund("p1", "r1", 100)
        assert caught.value.provider_code == "409"
        assert caught.value.detail == "card acquirer: At most 0 can be refunded (refund_not_allowed)"

    def test_not_found(self) -> None:
        error = json.loads((DATA / "error_not_found.json").read_text())
        with pytest.raises(ProviderRejected) as caught:
            client_answering(httpx.Response(404, json=error)).get_payment("nope")
        assert caught.value.provider_code == "404"

    @pytest.mark.parametrize("body", [b"<html>", b"[1]", b'{"error": "x"}'])
    def test_error_without_the_usual_body(self, body: bytes) -> None:
        with pytest.raises(ProviderRejected, match=r"card acquirer: Bad Request \(rejected\)"):
            client_answering(httpx.Response(400, content=body)).get_payment("p1")

    def test_rate_limited(self) -> None:
        with pytest.raises(ProviderRateLimited) as caught:
            client_answering(httpx.Response(429, headers={"Retry-After": "3"})).get_payment("p1")
        assert caught.value.retry_after == 3

    @pytest.mark.parametrize(
        "response", [httpx.Response(502), httpx.ReadTimeout("slow"), httpx.ConnectError("refused")]
    )
    def test_unavailable(self, response: httpx.Response | Exception) -> None:
        with pytest.raises(ProviderUnavailable):
            client_answering(response).get_payment("p1")
