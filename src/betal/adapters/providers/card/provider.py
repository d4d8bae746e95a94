"""``CardProvider``: ``ports.PaymentProvider`` over the acquirer's hosted payment page API.

create -> the payer types the card on the acquirer's page (never on betal's) -> the acquirer captures
at once and calls back -> ``get_payment`` reads the outcome. In sandbox mode the provider registers
betal's callback URL with the simulator before its first payment; in live mode the operator registers
it once and configures the secret (docs/providers/card.md).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime

import httpx

from betal.adapters.providers.card import mapping, webhooks
from betal.adapters.providers.card.client import CardClient
from betal.adapters.providers.card.config import KEY, CardConfig
from betal.config import Settings
from betal.domain.provider import (
    Capability,
    CreatePayment,
    CreateRefund,
    NotSupported,
    ProviderPayment,
    ProviderRefund,
)


class CardProvider:
    key = KEY
    capabilities = frozenset(
        {Capability.REDIRECT, Capability.POLL, Capability.WEBHOOK, Capability.REFUND, Capability.CANCEL}
    )

    def __init__(self, settings: Settings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = CardConfig.from_settings(settings)
        self._client = CardClient(self.config, transport=transport)
        self._registered = False
        self._lock = threading.Lock()

    def create_payment(self, request: CreatePayment) -> ProviderPayment:
        if request.method.value != KEY:
            raise NotSupported(f"the card acquirer does not take {request.method.value} payments")
        if self.config.sandbox:
            self.ensure_webhook()
        response = self._client.create_payment(request.payment_id, mapping.create_body(request))
        return mapping.created(request, response)

    def get_payment(self, reference: str) -> ProviderPayment:
        return mapping.to_provider_payment(self._client.get_payment(mapping.payment_id(reference)))

    def refund(self, request: CreateRefund) -> ProviderRefund:
        payment_id = mapping.payment_id(request.reference)
        payload = self._client.refund(payment_id, mapping.refund_key(request), request.amount_minor)
        return ProviderRefund(
            reference=request.reference, succeeded=payload.get("status") == "SUCCEEDED", raw=payload
        )

    def cancel(self, reference: str) -> ProviderPayment:
        payment_id = mapping.payment_id(reference)
        return mapping.to_provider_payment(self._client.cancel(payment_id, f"cancel-{payment_id}"))

    def ensure_webhook(self) -> None:
        """Register betal's callback URL unless it is registered already (once per process)."""
        with self._lock:
            if self._registered:
                return
            urls = {endpoint.get("url") for endpoint in self._client.list_endpoints()}
            if self.config.webhook_url not in urls:
                key = f"endpoint-{self.config.webhook_url}"
                self._client.create_endpoint(key, self.config.webhook_url, mapping.WEBHOOK_EVENTS)
            self._registered = True

    def verify_callback(
        self, *, path_and_query: str, headers: Mapping[str, str], body: bytes, now: datetime | None = None
    ) -> webhooks.Callback:
        """The event's id and payment once ``Card-Signature`` checks out (the path is not signed)."""
        del path_and_query
        lower = {k.lower(): v for k, v in headers.items()}
        secret = self.config.webhook_secret.get_secret_value()
        webhooks.verify(secret, lower.get(webhooks.HEADER.lower(), ""), body, now or datetime.now(UTC))
        return webhooks.parse(body)
