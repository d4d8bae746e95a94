from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from betal.adapters.notify import build_channels, sms_token
from betal.adapters.notify.sms import GatewaySmsChannel, describe, request_body
from betal.config import Mode
from betal.domain.notification import Channel, DeliveryStatus, OutboxMessage
from tests.conftest import LiveServer, free_port

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def outbox_sms(recipient: str = "+4520304050", message_id: str = "out_01SMS") -> OutboxMessage:
    return OutboxMessage(
        id=message_id, organisation_id=None, channel=Channel.SMS, recipient=recipient, subject="betal",
        body_text="Din kode til betal er 123456. Æble", body_html=None, status=DeliveryStatus.QUEUED,
        created_at=T0,
    )  # fmt: skip


@contextmanager
def answering(status: int, body: bytes) -> Iterator[str]:
    """A real HTTP server that answers every POST with ``status`` and ``body`` (a failing gateway)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def sandbox_channel(live_server: LiveServer) -> GatewaySmsChannel:
    channel = build_channels(live_server.container.settings).get(Channel.SMS)
    assert isinstance(channel, GatewaySmsChannel)
    return channel


class TestRequestBody:
    def test_gatewayapi_shape(self) -> None:
        assert request_body(outbox_sms(), "betal-sender-too-long") == {
            "sender": "betal-sende",
            "message": "Din kode til betal er 123456. Æble",
            "recipients": [{"msisdn": 4520304050}],
            "userref": "out_01SMS",
        }

    def test_a_recipient_that_is_not_e164_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"E\.164"):
            request_body(outbox_sms("kunde@example.dk"), "betal")


class TestDescribe:
    def test_reads_the_gateway_error_body(self) -> None:
        response = httpx.Response(422)
        assert describe({"code": "0x0216", "message": "bad"}, response) == ("bad", "0x0216")
        assert describe(None, response) == ("SMS gateway answered HTTP 422", None)


class TestGatewaySmsChannel:
    def test_sends_through_the_sandbox_gateway_over_http(self, live_server: LiveServer) -> None:
        result = sandbox_channel(live_server).send(outbox_sms(), sender_name="Hansen & Co ApS")
        assert result.outcome == "sent"
        listed = httpx.get(f"{live_server.url}/sandbox/sms/messages").json()["messages"]
        [recorded] = listed
        assert recorded["recipients"] == [{"msisdn": 4520304050}]
        assert recorded["message"] == "Din kode til betal er 123456. Æble"
        assert (recorded["sender"], recorded["userref"]) == ("betal", "out_01SMS")

    def test_a_retried_send_is_recorded_once(self, live_server: LiveServer) -> None:
        channel = sandbox_channel(live_server)
        assert channel.send(outbox_sms()).outcome == "sent"
        assert channel.send(outbox_sms()).outcome == "sent"
        assert len(httpx.get(f"{live_server.url}/sandbox/sms/messages").json()["messages"]) == 1

    def test_an_invalid_number_is_a_permanent_failure(self, live_server: LiveServer) -> None:
        result = sandbox_channel(live_server).send(outbox_sms("+4512"))
        assert result.outcome == "permanent_failure"
        assert "0x0216" in result.detail

    def test_a_wrong_token_is_a_permanent_failure(self, live_server: LiveServer) -> None:
        channel = sandbox_channel(live_server)
        result = GatewaySmsChannel(channel.base_url, "wrong", "betal").send(outbox_sms())
        assert result.outcome == "permanent_failure"
        assert "0x0213" in result.detail

    def test_an_unreachable_gateway_is_retried(self) -> None:
        result = GatewaySmsChannel(f"http://127.0.0.1:{free_port()}/sandbox/sms", "t", "betal").send(
            outbox_sms()
        )
        assert result.outcome == "retry"

    def test_a_wrong_url_is_a_permanent_failure(self, live_server: LiveServer) -> None:
        result = GatewaySmsChannel(f"{live_server.url}/no-such-gateway", "t", "betal").send(outbox_sms())
        assert result.outcome == "permanent_failure"  # 404: retrying will not help

    @pytest.mark.parametrize(
        ("status", "outcome"), [(503, "retry"), (500, "retry"), (429, "retry"), (200, "retry")]
    )
    def test_5xx_rate_limits_and_answers_without_ids_are_retried(self, status: int, outcome: str) -> None:
        with answering(status, b'{"code": "0x0000", "message": "down"}' if status != 200 else b"{}") as url:
            assert GatewaySmsChannel(url, "t", "betal").send(outbox_sms()).outcome == outcome

    def test_a_timeout_is_retried(self) -> None:
        with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
            url = f"http://127.0.0.1:{silent.getsockname()[1]}"
            result = GatewaySmsChannel(url, "t", "betal", timeout=0.3).send(outbox_sms())
        assert result.outcome == "retry"
        assert "timed out" in result.detail


class TestBuildChannels:
    def test_sandbox_without_smtp_has_sms_and_leaves_email_to_the_dev_mailbox(
        self, live_server: LiveServer
    ) -> None:
        settings = live_server.container.settings
        channels = build_channels(settings)
        assert channels.get(Channel.EMAIL) is None
        assert channels.get(Channel.PUSH) is None
        assert sms_token(settings) == sandbox_channel(live_server).token

    def test_smtp_url_and_live_credentials(self, live_server: LiveServer) -> None:
        settings = live_server.container.settings.model_copy(
            update={
                "smtp_url": "smtps://u:p@mail.example.dk",
                "mode": Mode.LIVE,
                "provider_urls": {"sms": "https://gatewayapi.eu"},
                "provider_credentials": {"sms": {"token": "live-token", "sender": "Hansen"}},
            }
        )
        channels = build_channels(settings)
        sms = channels.get(Channel.SMS)
        assert isinstance(sms, GatewaySmsChannel)
        assert (sms.base_url, sms.token, sms.sender) == ("https://gatewayapi.eu", "live-token", "Hansen")
        email = channels.get(Channel.EMAIL)
        assert email is not None
        assert email.channel is Channel.EMAIL

    def test_live_mode_without_a_token_has_no_sms(self, live_server: LiveServer) -> None:
        settings = live_server.container.settings.model_copy(update={"mode": Mode.LIVE})
        assert sms_token(settings) is None
        assert build_channels(settings).get(Channel.SMS) is None
