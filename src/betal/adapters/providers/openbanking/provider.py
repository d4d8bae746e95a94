"""``OpenBankingProvider``: account-to-account and FI-kort "pay now" payments by Berlin Group PIS redirect.

Spec: Berlin Group NextGenPSD2 Implementation Guidelines v1.3.x §5 (Payment Initiation Service, redirect
SCA approach); shared/standards/danish-payments.md §9. The payer authorises at the bank's SCA page and
comes back to our return URL; we then poll the status (there are no webhooks in PIS). PIS has no refunds
and we do not cancel: both raise ``NotSupported``. The provider reference is ``"<product>:<paymentId>"``.
"""

from __future__ import annotations

from betal.adapters.providers.openbanking import mapping
from betal.adapters.providers.openbanking.client import OpenBankingClient
from betal.adapters.providers.openbanking.config import KEY, OpenBankingConfig
from betal.config import Settings
from betal.domain.provider import (
    Capability,
    CreatePayment,
    CreateRefund,
    NotSupported,
    ProviderPayment,
    ProviderRefund,
)


class OpenBankingProvider:
    key = KEY
    capabilities = frozenset({Capability.REDIRECT, Capability.POLL})

    def __init__(self, settings: Settings) -> None:
        self.config = OpenBankingConfig.from_settings(settings)
        self._client = OpenBankingClient(self.config)

    def create_payment(self, request: CreatePayment) -> ProviderPayment:
        """Initiate at the bank; the answer carries the SCA redirect URL. Repeating it is safe."""
        product, body = mapping.initiation(request)
        response = self._client.initiate(
            product,
            body,
            request_id=mapping.request_id(request.payment_id),
            redirect_uri=request.return_url,
            psu_ip=request.payer_ip or self.config.psu_ip_address,
        )
        return mapping.created(request, product, response)

    def get_payment(self, reference: str) -> ProviderPayment:
        product, bank_id = mapping.parse_reference(reference)
        status = self._client.status(product, bank_id)
        details = self._client.details(product, bank_id)
        return mapping.fetched(reference, status, details)

    def refund(self, request: CreateRefund) -> ProviderRefund:
        raise NotSupported(
            f"{request.payment_id} was a bank transfer: payment initiation has no refunds, "
            "so pay the money back by transfer"
        )

    def cancel(self, reference: str) -> ProviderPayment:
        raise NotSupported(
            f"{reference} cannot be cancelled by betal; the payer rejects it at the bank's page"
        )
