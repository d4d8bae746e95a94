"""``MobilePayProvider``: ``ports.PaymentProvider`` over the ePayment API (standards §8.1).

create -> the payer approves in the MobilePay app -> ``get_payment`` sees ``AUTHORIZED`` and captures
the full amount (idempotently, keyed by our payment id) and reports succeeded once captured. In sandbox
mode the provider registers betal's callback URL for every ePayment event the first time it sees a
merchant serial number, so the simulator's signed webhooks reach ``/hooks/mobilepay``; in live mode
the operator registers it once and configures the secret (docs/providers/mobilepay.md).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime

import httpx

from betal.adapters.providers.mobilepay import mapping, webhooks
from betal.adapters.providers.mobilepay.client import MobilePayClient
from betal.adapters.providers.mobilepay.config import KEY, MobilePayConfig
from betal.config import Settings
from betal.domain.provider import (
    Capability,
    CreatePayment,
    CreateRefund,
    NotSupported,
    ProviderPayment,
    ProviderRefund,
    ProviderRejected,
)


class MobilePayProvider:
    key = KEY
    capabilities = frozenset(
        {Capability.REDIRECT, Capability.POLL, Capability.WEBHOOK, Capability.REFUND, Capability.CANCEL}
    )

    def __init__(self, settings: Settings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = MobilePayConfig.from_settings(settings)
        self._client = MobilePayClient(self.config, transport=transport)
        self._registered: set[str] = set()
        self._lock = threading.Lock()

    def create_payment(self, request: CreatePayment) -> ProviderPayment:
        if request.method.value != KEY:
            raise NotSupported(f"MobilePay does not take {request.method.value} payments")
        msn = mapping.merchant_serial_number(request.creditor)
        if self.config.sandbox:
            self.ensure_webhook(msn)
        body = mapping.create_body(request)
        response = self._client.create_payment(msn, mapping.idempotency_key(request.payment_id), body)
        return mapping.created(msn, request, response)

    def get_payment(self, reference: str) -> ProviderPayment:
        """Where the payment stands; an authorised payment is captured in full first."""
        msn, ref = mapping.split_handle(reference)
        payload = self._client.get_payment(msn, ref)
        if mapping.needs_capture(payload) and mapping.is_ours(ref):  # never capture another system's payment
            key = mapping.idempotency_key(mapping.payment_id_for(ref), "capture")
            try:
                payload = self._client.modify(msn, ref, "capture", key, mapping.capture_body(payload))
            except ProviderRejected:  # captured or cancelled meanwhile by someone else: read it again
                payload = self._client.get_payment(msn, ref)
        return mapping.to_provider_payment(msn, payload)

    def refund(self, request: CreateRefund) -> ProviderRefund:
        msn, ref = mapping.split_handle(request.reference)
        key = mapping.idempotency_key(request.refund_id)
        payload = self._client.modify(msn, ref, "refund", key, mapping.refund_body(request))
        return ProviderRefund(reference=request.reference, succeeded=True, raw=payload)

    def cancel(self, reference: str) -> ProviderPayment:
        msn, ref = mapping.split_handle(reference)
        key = mapping.idempotency_key(mapping.payment_id_for(ref), "cancel")
        return mapping.to_provider_payment(msn, self._client.modify(msn, ref, "cancel", key, {}))

    def ensure_webhook(self, msn: str) -> None:
        """Register betal's callback URL for ``msn`` unless it is registered already (once per process)."""
        with self._lock:
            if msn in self._registered:
                return
            urls = {hook.get("url") for hook in self._client.list_webhooks(msn)}
            if self.config.webhook_url not in urls:
                key = mapping.idempotency_key("webhook", msn)
                self._client.register_webhook(msn, key, self.config.webhook_url, mapping.WEBHOOK_EVENTS)
            self._registered.add(msn)

    def verify_callback(
        self, *, path_and_query: str, headers: Mapping[str, str], body: bytes, now: datetime | None = None
    ) -> webhooks.Callback:
        """The callback's payment and event id, once its signature checks out (else ``InvalidSignature``)."""
        webhooks.verify(
            self.config.webhook_secret.get_secret_value(),
            path_and_query=path_and_query,
            headers=headers,
            body=body,
            now=now or datetime.now(UTC),
        )
        return webhooks.parse(body)
