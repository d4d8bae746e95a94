"""The notification channels betal delivers outbox messages through, built from the settings.

Spec: DESIGN.md "Components and how they start" (SMTP: ``BETAL_SMTP_URL``; unset = the dev mailbox) and
docs/notifications.md "Channels". E-mail goes over SMTP only when ``BETAL_SMTP_URL`` is set; SMS goes to
the HTTP gateway at ``settings.provider_url("sms")``: in sandbox mode betal's own ``/sandbox/sms`` with the
derived sandbox token, in live mode only when ``BETAL_PROVIDER_CREDENTIALS`` names an ``sms`` token.
A channel with no adapter leaves its messages in the dev mailbox. Push (``adapters/notify/push.py``) is
always configured when the database is at hand: the installation's VAPID key lives there, and a push
message names the stored subscription it goes to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from betal.adapters.notify.email import SmtpEmailChannel, parse_smtp_url
from betal.adapters.notify.push import PushTarget, VapidKeyStore, WebPushChannel
from betal.adapters.notify.sms import GatewaySmsChannel
from betal.adapters.providers.sandbox_secret import sandbox_webhook_secret
from betal.config import Settings
from betal.domain.delivery import route
from betal.domain.notification import Channel
from betal.ports import Cipher, Clock

SMS_KEY = "sms"
DEFAULT_SMS_SENDER = "betal"

MessageChannel = SmtpEmailChannel | GatewaySmsChannel | WebPushChannel


@dataclass(frozen=True)
class NotifyChannels:
    """The ``Channels`` lookup: the adapter that delivers a channel, or None (the dev mailbox)."""

    adapters: dict[Channel, MessageChannel] = field(default_factory=dict)

    def get(self, channel: Channel) -> MessageChannel | None:
        target = route(channel, self.adapters.keys())
        return None if target is None else self.adapters[target]


def mail_domain(settings: Settings) -> str:
    """The domain of betal's own addresses and Message-IDs: the host of ``BETAL_BASE_URL``."""
    return urlsplit(settings.base_url).hostname or "localhost"


def sms_token(settings: Settings) -> str | None:
    """The gateway token: configured, else (sandbox only) derived from ``BETAL_SECRET_KEY``."""
    token = settings.provider_credential(SMS_KEY, "token")
    if token:
        return token
    if settings.is_sandbox:
        return sandbox_webhook_secret(settings.secret_key, settings.provider_url(SMS_KEY))
    return None


def push_target(settings: Settings) -> PushTarget:
    """The VAPID contact (RFC 8292 §2.1 ``sub``): ``BETAL_PROVIDER_CREDENTIALS={"push": {"subject": …}}``,
    else ``mailto:`` the configured e-mail sender, else ``https://<host of BETAL_BASE_URL>``."""
    sender = settings.provider_credential("email", "from")
    default = f"mailto:{sender}" if sender else f"https://{mail_domain(settings)}"
    subject = settings.provider_credential("push", "subject", default)
    return PushTarget(subject, f"{settings.base_url.rstrip('/')}/inbox")


def build_channels(
    settings: Settings,
    *,
    session_factory: sessionmaker[Session] | None = None,
    cipher: Cipher | None = None,
    clock: Clock | None = None,
) -> NotifyChannels:
    """The channels ``settings`` configure (``Container.channels()``); push needs the database."""
    adapters: dict[Channel, MessageChannel] = {}
    if session_factory is not None and cipher is not None and clock is not None:
        keys = VapidKeyStore(session_factory, cipher, clock)
        adapters[Channel.PUSH] = WebPushChannel(session_factory, keys, clock, push_target(settings))
    if settings.smtp_url:
        domain = mail_domain(settings)
        sender = settings.provider_credential("email", "from", f"no-reply@{domain}")
        adapters[Channel.EMAIL] = SmtpEmailChannel(
            parse_smtp_url(settings.smtp_url), sender_address=sender, message_id_domain=domain
        )
    token = sms_token(settings)
    if token is not None:
        sender = settings.provider_credential(SMS_KEY, "sender", DEFAULT_SMS_SENDER)
        adapters[Channel.SMS] = GatewaySmsChannel(settings.provider_url(SMS_KEY), token, sender)
    return NotifyChannels(adapters)
