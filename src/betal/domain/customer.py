"""Customers (payers) of an organisation, with validated contact channels.

Phone numbers are E.164 (``phonenumbers``, Danish numbers without a country code accepted);
a CPR number is never held in clear here: the entity carries only its masked form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import phonenumbers

from betal.domain.errors import InvalidInput
from betal.domain.notification import DEFAULT_LANGUAGE, LANGUAGES, Channel

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@dataclass(frozen=True)
class Customer:
    id: str
    organisation_id: str
    name: str
    email: str | None
    phone: str | None
    cpr_masked: str | None
    cvr: str | None
    external_id: str | None
    created_at: datetime
    language: str = DEFAULT_LANGUAGE
    notification_channels: tuple[Channel, ...] = ()  # preferred first; empty: e-mail, SMS, push

    @property
    def is_business(self) -> bool:
        """A customer with a CVR number is a business (renteloven § 9 a applies)."""
        return self.cvr is not None

    def channel_order(self) -> tuple[Channel, ...]:
        """The channels to try, preferred first."""
        return self.notification_channels or DEFAULT_CHANNEL_ORDER

    def address(self, channel: Channel) -> str | None:
        """Where ``channel`` reaches the customer (push subscriptions are looked up separately)."""
        if channel is Channel.EMAIL:
            return self.email
        if channel is Channel.SMS:
            return self.phone
        return None


DEFAULT_CHANNEL_ORDER = (Channel.EMAIL, Channel.SMS, Channel.PUSH)


def validate_preferences(language: str | None, channels: list[str] | None) -> tuple[str, tuple[Channel, ...]]:
    """A language of ``LANGUAGES`` and an ordered list of distinct channels; ``InvalidInput`` otherwise."""
    lang = DEFAULT_LANGUAGE if language is None else language.strip().lower()
    if lang not in LANGUAGES:
        raise InvalidInput(f"must be one of {', '.join(LANGUAGES)}", field="language")
    if channels is None:
        return lang, ()
    try:
        parsed = tuple(Channel(c) for c in channels)
    except ValueError:
        known = ", ".join(c.value for c in Channel)
        raise InvalidInput(f"channels are {known}", field="notification_channels") from None
    if len(set(parsed)) != len(parsed):
        raise InvalidInput("a channel appears twice", field="notification_channels")
    return lang, parsed


def validate_email(value: str, *, field: str = "email") -> str:
    clean = value.strip().lower()
    if len(clean) > 254 or not _EMAIL.match(clean):
        raise InvalidInput("is not an e-mail address", field=field)
    return clean


def validate_phone(value: str, *, field: str = "phone") -> str:
    """The number in E.164 (``+4512345678``); a number without a country code is read as Danish."""
    try:
        number = phonenumbers.parse(value, "DK")
    except phonenumbers.NumberParseException:
        raise InvalidInput("is not a phone number", field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("is not a valid phone number", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_external_id(value: str, *, field: str = "external_id") -> str:
    clean = value.strip()
    if not clean or len(clean) > 100 or not clean.isprintable():
        raise InvalidInput("must be 1 to 100 printable characters", field=field)
    return clean
