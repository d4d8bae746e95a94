"""The webhook transport over real HTTP to a receiver on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from betal.adapters.webhook_http import MAX_RESPONSE_BYTES, USER_AGENT, HttpxWebhookTransport
from betal.ports import WebhookRequest
from tests.webhook_receiver import Answer, Receiver, running_receiver

BODY = b'{"id":"evt_1","type":"payment.succeeded"}'
UNRESOLVABLE = "a" * 64 + ".dk"  # a label over 63 octets: refused by the IDNA codec, no DNS query


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


class TestPost:
    def test_the_exact_bytes_and_headers_arrive_and_the_answer_comes_back(self, receiver: Receiver) -> None:
        receiver.answer("/hook", Answer(202, b"thanks"))
        response = HttpxWebhookTransport().post(
            WebhookRequest(receiver.url(), {"webhook-id": "del_1", "content-type": "application/json"}, BODY)
        )
        assert (response.status_code, response.body, response.error) == (202, b"thanks", None)
        assert 0 <= response.latency_ms < 5000
        [got] = receiver.at("/hook")
        assert got.body == BODY
        assert got.headers["webhook-id"] == "del_1"
        assert got.headers["user-agent"] == USER_AGENT
        assert got.headers["accept-encoding"] == "identity"

    def test_a_redirect_is_not_followed(self, receiver: Receiver) -> None:
        receiver.answer("/hook", Answer(302, b"", {"Location": "http://10.0.0.1/internal"}))
        receiver.answer("/elsewhere", Answer(200))
        response = HttpxWebhookTransport().post(WebhookRequest(receiver.url(), {}, BODY))
        assert (response.status_code, response.location) == (302, "http://10.0.0.1/internal")
        receiver.answer("/hook", Answer(307, b"", {"Location": receiver.url("/elsewhere")}))
        assert HttpxWebhookTransport().post(WebhookRequest(receiver.url(), {}, BODY)).status_code == 307
        assert receiver.at("/elsewhere") == []

    def test_a_huge_body_is_read_up_to_the_limit(self, receiver: Receiver) -> None:
        receiver.answer("/hook", Answer(200, b"x" * (4 * 1024 * 1024)))
        response = HttpxWebhookTransport().post(WebhookRequest(receiver.url(), {}, BODY))
        assert response.status_code == 200
        assert len(response.body) == MAX_RESPONSE_BYTES

    def test_binary_garbage_in_a_body_comes_back_as_bytes(self, receiver: Receiver) -> None:
        receiver.answer("/hook", Answer(500, bytes(range(256))))
        response = HttpxWebhookTransport().post(WebhookRequest(receiver.url(), {}, BODY))
        assert (response.status_code, response.body) == (500, bytes(range(256)))

    def test_an_answer_that_is_no_http_is_an_error(self, receiver: Receiver) -> None:
        receiver.answer("/hook", Answer(raw=b"\x00\x01garbage\r\n\r\n"))
        response = HttpxWebhookTransport().post(WebhookRequest(receiver.url(), {}, BODY))
        assert response.status_code is None
        assert response.error is not None
        assert response.error.startswith("could not connect")

    def test_a_slow_receiver_times_out(self, receiver: Receiver) -> None:
        receiver.answer("/hook", Answer(200, delay=3))
        response = HttpxWebhookTransport(timeout=0.3).post(WebhookRequest(receiver.url(), {}, BODY))
        assert (response.status_code, response.error) == (None, "no answer within 0.3 s")
        assert response.latency_ms < 2500

    def test_nobody_listening_is_an_error(self) -> None:
        with running_receiver() as gone:
            url = gone.url()
        response = HttpxWebhookTransport(timeout=2).post(WebhookRequest(url, {}, BODY))
        assert response.status_code is None
        assert response.error is not None

    def test_a_pinned_address_is_used_and_the_name_kept_in_host(self, receiver: Receiver) -> None:
        url = f"http://books.example.dk:{receiver.port}/hook"
        response = HttpxWebhookTransport().post(WebhookRequest(url, {}, BODY, address="127.0.0.1"))
        assert response.status_code == 200
        [got] = receiver.at("/hook")
        assert got.headers["host"] == f"books.example.dk:{receiver.port}"

    def test_retry_after_is_passed_on(self, receiver: Receiver) -> None:
        receiver.answer("/hook", Answer(429, b"slow down", {"Retry-After": "120"}))
        response = HttpxWebhookTransport().post(WebhookRequest(receiver.url(), {}, BODY))
        assert (response.status_code, response.retry_after) == (429, "120")


class TestResolve:
    def test_localhost_is_this_machine(self) -> None:
        assert "127.0.0.1" in HttpxWebhookTransport().resolve("localhost", 443)

    def test_an_address_resolves_to_itself(self) -> None:
        assert HttpxWebhookTransport().resolve("10.1.2.3", 443) == ["10.1.2.3"]

    def test_a_name_that_cannot_resolve_gives_nothing(self) -> None:
        assert HttpxWebhookTransport().resolve(UNRESOLVABLE, 443) == []


class TestLimits:
    def test_the_timeout_and_limit_are_checked(self) -> None:
        with pytest.raises(ValueError, match="positive"):
            HttpxWebhookTransport(timeout=0)
