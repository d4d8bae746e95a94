"""What crosses the payment provider port (STYLE.md "A payment provider adapter").

Requests and responses are plain dataclasses; every provider maps its own protocol to these, keeps
the raw payload untouched, and raises only the errors below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from betal.domain.errors import BetalError
from betal.domain.mandate import MandateStatus
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method


class Capability(StrEnum):
    REDIRECT = "redirect"  # the payer is sent to the provider's page
    POLL = "poll"  # status can be read with get_payment
    WEBHOOK = "webhook"  # the provider calls us back
    REFUND = "refund"
    CANCEL = "cancel"
    MANDATE = "mandate"  # standing agreements and collections on them


@dataclass(frozen=True)
class CreatePayment:
    payment_id: str  # our id; also the idempotency key's root
    organisation_id: str
    method: Method
    amount_minor: int
    currency: str
    description: str
    return_url: str
    creditor: dict[str, Any] = field(default_factory=dict)  # the agreement's config
    payer_account: str | None = None  # preselected (last used) account
    fi_payment_line: str | None = None
    mandate_reference: str | None = None
    payer_ip: str | None = None  # the payer's address, which open banking APIs require (PSU-IP-Address)


@dataclass(frozen=True)
class ProviderPayment:
    payment_id: str
    reference: str
    status: PaymentStatus
    amount_minor: int
    currency: str
    redirect_url: str | None = None
    payer_account: str | None = None
    failure_reason: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CreateRefund:
    payment_id: str
    refund_id: str
    reference: str
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class ProviderRefund:
    reference: str
    succeeded: bool
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CreateMandate:
    mandate_id: str
    organisation_id: str
    customer_name: str
    creditor: dict[str, Any]
    return_url: str


@dataclass(frozen=True)
class ProviderMandate:
    mandate_id: str
    reference: str
    status: MandateStatus
    redirect_url: str | None = None
    debtor_account: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class ProviderCallback(Protocol):
    """A verified provider callback: which event, and which payment it is about."""

    @property
    def event_id(self) -> str: ...
    @property
    def provider_reference(self) -> str: ...


class ProviderError(BetalError):
    code = "provider.error"
    title = "Payment provider error"


class ProviderUnavailable(ProviderError):
    """Try again later (timeouts, 5xx)."""

    code = "provider.unavailable"


class ProviderRateLimited(ProviderError):
    code = "provider.rate_limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ProviderRejected(ProviderError):
    """A permanent refusal by the provider."""

    code = "provider.rejected"

    def __init__(self, detail: str, *, provider_code: str | None = None) -> None:
        super().__init__(detail)
        self.provider_code = provider_code


class NotSupported(ProviderError):
    code = "provider.not_supported"
