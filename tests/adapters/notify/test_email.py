from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from betal.adapters.notify.email import (
    SmtpEmailChannel,
    classify,
    html_of,
    parse_smtp_url,
)
from betal.domain.notification import Channel, DeliveryStatus, OutboxMessage
from tests.adapters.notify.smtp_server import BUSY, REJECTED, Recorder, smtp_server
from tests.conftest import free_port

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def outbox_email(recipient: str = "kunde@example.dk", *, html: str | None = None) -> OutboxMessage:
    return OutboxMessage(
        id="out_01TEST", organisation_id=None, channel=Channel.EMAIL, recipient=recipient,
        subject="Din kode til betal: æøå", body_text="Hej Søren,\n\nDin kode er 123456.\nVenlig hilsen",
        body_html=html, status=DeliveryStatus.QUEUED, created_at=T0,
    )  # fmt: skip


@pytest.fixture
def server() -> Iterator[tuple[Recorder, str]]:
    with smtp_server() as running:
        yield running


def channel_for(url: str) -> SmtpEmailChannel:
    return SmtpEmailChannel(
        parse_smtp_url(url), sender_address="no-reply@betal.test", message_id_domain="betal.test"
    )


class TestParseSmtpUrl:
    def test_plain_smtp_with_credentials_and_required_starttls(self) -> None:
        target = parse_smtp_url("smtp://mail%40user:p%3Ass@mail.example.dk:2525?starttls=required")
        assert (target.host, target.port, target.implicit_tls) == ("mail.example.dk", 2525, False)
        assert (target.username, target.password, target.starttls_required) == ("mail@user", "p:ss", True)

    def test_default_ports_and_implicit_tls(self) -> None:
        assert parse_smtp_url("smtp://mail.example.dk").port == 25
        smtps = parse_smtp_url("smtps://mail.example.dk")
        assert (smtps.port, smtps.implicit_tls, smtps.username, smtps.starttls_required) == (
            465,
            True,
            None,
            False,
        )

    @pytest.mark.parametrize("url", ["http://mail.example.dk", "smtp://", "mail.example.dk"])
    def test_other_forms_are_refused(self, url: str) -> None:
        with pytest.raises(ValueError, match="BETAL_SMTP_URL"):
            parse_smtp_url(url)


class TestClassify:
    def test_5xx_is_permanent_and_4xx_is_retried(self) -> None:
        assert classify(550, "mailbox unknown").outcome == "permanent_failure"
        assert classify(451, "later").outcome == "retry"
        assert classify(421, "closing").outcome == "retry"


class TestHtmlOf:
    def test_escapes_and_keeps_paragraphs(self) -> None:
        assert "<p>a &lt;b&gt;<br>c</p>\n<p>d</p>" in html_of("a <b>\nc\n\nd")


class TestSmtpEmailChannel:
    def test_sends_multipart_text_and_html_with_utf8_and_our_message_id(
        self, server: tuple[Recorder, str]
    ) -> None:
        recorder, url = server
        result = channel_for(url).send(outbox_email(), sender_name="Hansen & Co ApS")
        assert result.outcome == "sent"
        [(mail_from, rcpt_tos, _)] = recorder.envelopes
        assert (mail_from, rcpt_tos) == ("no-reply@betal.test", ["kunde@example.dk"])
        [mail] = recorder.messages()
        assert mail.get_content_type() == "multipart/alternative"
        assert mail["Message-ID"] == "<out_01TEST@betal.test>"
        assert mail["Subject"] == "Din kode til betal: æøå"
        assert mail["From"].addresses[0].display_name == "Hansen & Co ApS"
        assert mail["To"] == "kunde@example.dk"
        text, html = mail.iter_parts()
        assert text.get_content_type() == "text/plain"
        assert "Hej Søren" in text.get_content()
        assert html.get_content_type() == "text/html"
        assert "<p>Hej Søren,</p>" in html.get_content()

    def test_the_given_html_part_is_sent_as_is(self, server: tuple[Recorder, str]) -> None:
        recorder, url = server
        assert channel_for(url).send(outbox_email(html="<p>Kære kunde</p>")).outcome == "sent"
        [mail] = recorder.messages()
        _, html = mail.iter_parts()
        assert html.get_content().strip() == "<p>Kære kunde</p>"
        assert mail["From"].addresses[0].display_name == "betal"

    def test_a_retry_carries_the_same_message_id(self, server: tuple[Recorder, str]) -> None:
        recorder, url = server
        channel = channel_for(url)
        channel.send(outbox_email())
        channel.send(outbox_email())
        assert [m["Message-ID"] for m in recorder.messages()] == ["<out_01TEST@betal.test>"] * 2

    def test_550_is_a_permanent_failure(self, server: tuple[Recorder, str]) -> None:
        recorder, url = server
        result = channel_for(url).send(outbox_email(REJECTED))
        assert result.outcome == "permanent_failure"
        assert "550" in result.detail
        assert recorder.envelopes == []

    def test_451_is_retried(self, server: tuple[Recorder, str]) -> None:
        _, url = server
        result = channel_for(url).send(outbox_email(BUSY))
        assert result.outcome == "retry"
        assert "451" in result.detail

    def test_no_server_is_retried(self) -> None:
        result = channel_for(f"smtp://127.0.0.1:{free_port()}").send(outbox_email())
        assert result.outcome == "retry"
        assert "connection failed" in result.detail

    def test_required_starttls_without_the_extension_is_not_sent_in_clear(
        self, server: tuple[Recorder, str]
    ) -> None:
        recorder, url = server
        result = channel_for(url + "?starttls=required").send(outbox_email())
        assert result.outcome == "retry"
        assert "STARTTLS" in result.detail
        assert recorder.envelopes == []
