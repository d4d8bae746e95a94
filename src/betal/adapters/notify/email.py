"""E-mail over SMTP with the standard library (``smtplib``, ``email.message.EmailMessage``).

Spec: RFC 5321 (SMTP; §4.2.1 reply codes: 4yz transient, 5yz permanent), RFC 3207 (STARTTLS), RFC 8314
(implicit TLS, ``smtps``), RFC 2046 §5.1.4 (``multipart/alternative``: plain text first, HTML last),
RFC 5322 §3.6.4 (``Message-ID``), RFC 6531/6532 (UTF-8 headers and bodies). ``BETAL_SMTP_URL`` forms:

- ``smtp://[user:pass@]host[:port]`` (port 25): STARTTLS when the server offers it;
  ``?starttls=required`` refuses to send in clear;
- ``smtps://[user:pass@]host[:port]`` (port 465): TLS from the first byte.

Every connection times out after ``TIMEOUT`` seconds. A 4xx reply, a dropped or refused connection is a
``retry``; a 5xx reply (e.g. 550 mailbox unknown) is a ``permanent_failure``. The Message-ID is derived
from the outbox id, so a retry that reaches the server twice carries the same Message-ID.
"""

from __future__ import annotations

import html
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from betal.domain.delivery import DeliveryResult
from betal.domain.notification import Channel, OutboxMessage

TIMEOUT = 10.0
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True)
class SmtpTarget:
    """A parsed ``BETAL_SMTP_URL``."""

    implicit_tls: bool
    host: str
    port: int
    username: str | None
    password: str | None
    starttls_required: bool


def parse_smtp_url(url: str) -> SmtpTarget:
    """The server, credentials and TLS mode of ``url``; ``ValueError`` for any other form."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError("BETAL_SMTP_URL must look like smtp://[user:pass@]host[:port] or smtps://…")
    query = parse_qs(parts.query)
    return SmtpTarget(
        implicit_tls=parts.scheme == "smtps",
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls_required=query.get("starttls", [""])[0] == "required",
    )


def html_of(text: str) -> str:
    """A minimal HTML rendering of a plain-text body: escaped, one paragraph per blank-line block."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    inner = "".join(f"<p>{html.escape(p.strip()).replace(chr(10), '<br>')}</p>\n" for p in paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="da"><head><meta charset="utf-8"></head><body>\n{inner}</body></html>\n'
    )


def compose(message: OutboxMessage, sender: Address, *, message_id_domain: str) -> EmailMessage:
    """The RFC 5322 message for an outbox e-mail: text and HTML alternatives, Message-ID from our id."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Message-ID"] = f"<{message.id}@{message_id_domain}>"
    mail["Date"] = message.created_at
    mail.set_content(message.body_text, charset="utf-8")
    mail.add_alternative(message.body_html or html_of(message.body_text), subtype="html")
    return mail


def classify(code: int, text: str) -> DeliveryResult:
    """RFC 5321 §4.2.1: 5yz is permanent, anything else that is not success is worth a retry."""
    detail = f"SMTP {code} {text}"[:500]
    return DeliveryResult.permanent_failure(detail) if 500 <= code < 600 else DeliveryResult.retry(detail)


def _reply_text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class SmtpEmailChannel:
    """``MessageChannel`` for e-mail: one SMTP session per message."""

    channel = Channel.EMAIL

    def __init__(self, target: SmtpTarget, *, sender_address: str, message_id_domain: str) -> None:
        self.target = target
        self.sender_address = sender_address
        self.message_id_domain = message_id_domain

    def send(self, message: OutboxMessage, *, sender_name: str | None = None) -> DeliveryResult:
        username, domain = self.sender_address.split("@", 1)
        sender = Address(display_name=sender_name or "betal", username=username, domain=domain)
        mail = compose(message, sender, message_id_domain=self.message_id_domain)
        try:
            with self._connect() as smtp:
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return classify(code, _reply_text(text))
        except smtplib.SMTPResponseException as exc:
            return classify(exc.smtp_code, _reply_text(exc.smtp_error))
        except (smtplib.SMTPException, OSError) as exc:
            return DeliveryResult.retry(f"SMTP connection failed: {exc.__class__.__name__}: {exc}"[:500])
        return DeliveryResult.sent(f"accepted by {self.target.host}")

    def _connect(self) -> smtplib.SMTP:
        target = self.target
        context = ssl.create_default_context()
        if target.implicit_tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=TIMEOUT)
        try:
            smtp.ehlo()
            if not target.implicit_tls and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            elif not target.implicit_tls and target.starttls_required:
                raise smtplib.SMTPNotSupportedError("the server does not offer STARTTLS (starttls=required)")
            if target.username is not None:
                smtp.login(target.username, target.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp
