"""Shared provider HTTP handling: one mapping of transport failures and status codes to port errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from betal.adapters.providers.http import check, json_object, retry_after, send
from betal.domain.provider import ProviderRateLimited, ProviderRejected, ProviderUnavailable


def describe(body: Any, response: httpx.Response) -> tuple[str, str | None]:
    return f"said {body}", None


class TestCheck:
    def test_statuses(self) -> None:
        check(httpx.Response(201), "P", describe)
        with pytest.raises(ProviderRateLimited) as limited:
            check(httpx.Response(429, headers={"Retry-After": "9"}), "P", describe)
        assert limited.value.retry_after == 9
        for status in (302, 500, 503):
            with pytest.raises(ProviderUnavailable, match=f"P answered HTTP {status}"):
                check(httpx.Response(status), "P", describe)
        with pytest.raises(ProviderRejected) as rejected:
            check(httpx.Response(422, json={"x": 1}), "P", describe)
        assert (str(rejected.value), rejected.value.provider_code) == ("said {'x': 1}", "422")

    def test_retry_after_defaults(self) -> None:
        assert (
            retry_after(httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), 30)
            == 30
        )
        assert retry_after(httpx.Response(429)) == 1


class TestSend:
    def test_transport_failures_are_temporary(self) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

        def slow(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("slow", request=request)

        with pytest.raises(ProviderUnavailable, match="cannot reach P"):
            send(httpx.Client(transport=httpx.MockTransport(refuse), base_url="http://p"), "P", "GET", "/x")
        with pytest.raises(ProviderUnavailable, match="timed out"):
            send(httpx.Client(transport=httpx.MockTransport(slow), base_url="http://p"), "P", "GET", "/x")

    def test_json_object_only(self) -> None:
        assert json_object(httpx.Response(200, json={"a": 1}), "P") == {"a": 1}
        for bad in (httpx.Response(200, json=[1]), httpx.Response(200, text="<html>")):
            with pytest.raises(ProviderUnavailable, match="without a JSON object"):
                json_object(bad, "P")
