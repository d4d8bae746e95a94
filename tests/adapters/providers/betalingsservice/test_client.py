"""The file exchange client: headers, paging, and how HTTP failures cross the port (httpx.MockTransport)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from betal.adapters.providers.betalingsservice.client import PAGE_SIZE, BetalingsserviceClient
from betal.adapters.providers.betalingsservice.config import BetalingsserviceConfig
from betal.domain.provider import ProviderRateLimited, ProviderRejected, ProviderUnavailable

CONFIG = BetalingsserviceConfig(base_url="https://bs.example/x", token=SecretStr("t0k"))


def _client(handler: Any, config: BetalingsserviceConfig = CONFIG) -> BetalingsserviceClient:
    return BetalingsserviceClient(config, transport=httpx.MockTransport(handler))


class TestUpload:
    def test_sends_the_file_with_key_and_token(self) -> None:
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(201, json={"receipt_id": "R1", "delivery_id": "0000000001", "records": 1})

        receipt = _client(handler).upload(b"BS002...", key="betal-pay_1")
        assert receipt["receipt_id"] == "R1"
        (request,) = seen
        assert (request.method, str(request.url)) == ("POST", "https://bs.example/x/deliveries")
        assert request.headers["Idempotency-Key"] == "betal-pay_1"
        assert request.headers["Authorization"] == "Bearer t0k"
        assert request.headers["Content-Type"].startswith("text/plain")
        assert request.content == b"BS002..."

    def test_no_token_no_header(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            assert "Authorization" not in request.headers
            return httpx.Response(201, json={})

        _client(handler, BetalingsserviceConfig(base_url="https://bs.example")).upload(b"x", key="k")


class TestDeliveries:
    def test_reads_every_page(self) -> None:
        calls: list[dict[str, str]] = []

        def handler(request: httpx.Request) -> httpx.Response:
            params = dict(request.url.params)
            calls.append(params)
            start = int(params.get("since", "0"))
            count = PAGE_SIZE if start == 0 else 3
            return httpx.Response(
                200, json={"deliveries": [{"id": f"{start + i + 1:010d}"} for i in range(count)]}
            )

        found = _client(handler).deliveries(pbs_number="12345678", delivery_type="0602")
        assert len(found) == PAGE_SIZE + 3
        assert calls[0] == {"pbs_number": "12345678", "type": "0602", "limit": str(PAGE_SIZE)}
        assert calls[1]["since"] == f"{PAGE_SIZE:010d}"


class TestErrors:
    @pytest.mark.parametrize(
        ("response", "error", "message"),
        [
            (httpx.Response(429, headers={"Retry-After": "7"}), ProviderRateLimited, "rate limit"),
            (httpx.Response(503), ProviderUnavailable, "answered HTTP 503"),
            (
                httpx.Response(422, json={"errors": [{"line": 3, "reason": "amount must be 13 digits"}]}),
                ProviderRejected,
                "refused the delivery: line 3: amount must be 13 digits",
            ),
            (httpx.Response(409, json={"detail": "delivery id used"}), ProviderRejected, "delivery id used"),
            (httpx.Response(404, text="not json"), ProviderRejected, "Not Found"),
        ],
    )
    def test_mapped_to_port_errors(
        self, response: httpx.Response, error: type[Exception], message: str
    ) -> None:
        with pytest.raises(error, match=message) as caught:
            _client(lambda _request: response).deliveries()
        if isinstance(caught.value, ProviderRateLimited):
            assert caught.value.retry_after == 7
        if isinstance(caught.value, ProviderRejected):
            assert caught.value.provider_code == str(response.status_code)

    def test_an_answer_that_is_not_json(self) -> None:
        with pytest.raises(ProviderUnavailable, match="without a JSON object"):
            _client(lambda _request: httpx.Response(200, text="<html>")).deliveries()

    def test_timeout(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("slow", request=request)

        with pytest.raises(ProviderUnavailable, match="timed out"):
            _client(handler).upload(b"x", key="k")

    def test_refused_connection(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

        with pytest.raises(ProviderUnavailable, match="unreachable"):
            _client(handler).deliveries()


class TestSignupUrl:
    def test_builds_the_page_address_without_calling(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            raise AssertionError("no call")

        client = _client(handler)
        url = client.signup_url("man/1", pbs_number="12345678", return_url="https://b.example/r?x=1&y=2")
        assert url == (
            "https://bs.example/x/signup/man%2F1?pbs_number=12345678"
            "&return_url=https%3A%2F%2Fb.example%2Fr%3Fx%3D1%26y%3D2"
        )
        client.close()
