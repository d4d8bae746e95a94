"""OpenBankingProvider against the sandbox bank over real HTTP: initiate, SCA, status, for both products."""

from __future__ import annotations

from dataclasses import replace

import pytest

from betal.adapters.providers.openbanking import PROVIDER
from betal.adapters.providers.openbanking.mapping import PRODUCT_A2A, PRODUCT_FI
from betal.adapters.providers.openbanking.provider import OpenBankingProvider
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import Capability, CreateRefund, NotSupported, ProviderRejected
from betal.services.organisation import CreatedOrganisation
from tests.adapters.providers.openbanking.support import (
    OTHER_SANDBOX_ACCOUNT,
    SANDBOX_ACCOUNT,
    command,
    decide,
    open_request,
    preselected,
    sca_page,
    settle_all,
)
from tests.conftest import LiveServer

PAY_ID = "pay_01JDPROVIDERTEST0000000001"


@pytest.fixture
def provider(live_server: LiveServer) -> OpenBankingProvider:
    return OpenBankingProvider(live_server.container.settings)


def _start(
    live_server: LiveServer,
    org: CreatedOrganisation,
    provider: OpenBankingProvider,
    method: Method,
    *,
    payment_id: str = PAY_ID,
    payer_account: str | None = None,
) -> tuple[str, str]:
    request = open_request(live_server.container, org)
    cmd = command(
        live_server.container, org, request, method, payment_id=payment_id,
        return_url=f"{live_server.url}/pay/return", payer_account=payer_account,
    )  # fmt: skip
    created = provider.create_payment(cmd)
    assert created.redirect_url is not None
    return created.reference, created.redirect_url


class TestOpenBankingProvider:
    def test_identity(self, live_server: LiveServer) -> None:
        assert PROVIDER is OpenBankingProvider
        provider = OpenBankingProvider(live_server.container.settings)
        assert provider.key == "openbanking"
        assert provider.capabilities == frozenset({Capability.REDIRECT, Capability.POLL})
        assert provider.config.base_url == f"{live_server.url}/sandbox/openbanking"

    def test_account_to_account_create_sca_status(
        self, live_server: LiveServer, org: CreatedOrganisation, provider: OpenBankingProvider
    ) -> None:
        request = open_request(live_server.container, org)
        cmd = command(
            live_server.container, org, request, Method.ACCOUNT_TO_ACCOUNT, payment_id=PAY_ID,
            return_url=f"{live_server.url}/pay/return",
        )  # fmt: skip
        created = provider.create_payment(cmd)
        assert created.reference.startswith(f"{PRODUCT_A2A}:")
        assert created.status is PaymentStatus.INITIATED
        assert (created.payment_id, created.amount_minor, created.currency) == (PAY_ID, 12_500, "DKK")
        assert created.raw["transactionStatus"] == "RCVD"
        assert created.redirect_url == created.raw["_links"]["scaRedirect"]["href"]
        assert provider.get_payment(created.reference).status is PaymentStatus.INITIATED
        assert created.redirect_url is not None
        answer = decide(created.redirect_url, "instant")
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{live_server.url}/pay/return"
        done = provider.get_payment(created.reference)
        assert done.status is PaymentStatus.SUCCEEDED
        assert (done.payment_id, done.amount_minor, done.currency) == (PAY_ID, 12_500, "DKK")
        assert done.payer_account == SANDBOX_ACCOUNT
        assert done.raw["status"] == {"transactionStatus": "ACSC"}
        assert done.raw["payment"]["creditorName"] == "Hansen & Co ApS"

    def test_fi_card_create_sca_status(
        self, live_server: LiveServer, org: CreatedOrganisation, provider: OpenBankingProvider
    ) -> None:
        reference, url = _start(live_server, org, provider, Method.FI_CARD)
        assert reference.startswith(f"{PRODUCT_FI}:")
        html, _ = sca_page(url)
        assert "+71&lt;" in html  # the FI payment line is shown to the payer
        decide(url, "instant", OTHER_SANDBOX_ACCOUNT)
        done = provider.get_payment(reference)
        assert done.status is PaymentStatus.SUCCEEDED
        assert done.payer_account == OTHER_SANDBOX_ACCOUNT
        structured = done.raw["payment"]["remittanceInformationStructured"]
        assert structured["referenceType"] == "FIK"
        assert structured["reference"].startswith("71/")

    def test_standard_transfer_is_pending_until_settled(
        self, live_server: LiveServer, org: CreatedOrganisation, provider: OpenBankingProvider
    ) -> None:
        reference, url = _start(live_server, org, provider, Method.ACCOUNT_TO_ACCOUNT)
        decide(url, "standard")
        assert provider.get_payment(reference).status is PaymentStatus.PENDING
        assert settle_all(live_server.url) == [reference.partition(":")[2]]
        assert provider.get_payment(reference).status is PaymentStatus.SUCCEEDED

    def test_rejected_at_the_bank(
        self, live_server: LiveServer, org: CreatedOrganisation, provider: OpenBankingProvider
    ) -> None:
        reference, url = _start(live_server, org, provider, Method.ACCOUNT_TO_ACCOUNT)
        decide(url, "reject")
        done = provider.get_payment(reference)
        assert done.status is PaymentStatus.FAILED
        assert done.failure_reason == "the payer or the bank rejected the payment (RJCT)"
        assert done.payer_account is None

    def test_create_is_idempotent_by_payment_id(
        self, live_server: LiveServer, org: CreatedOrganisation, provider: OpenBankingProvider
    ) -> None:
        request = open_request(live_server.container, org)
        cmd = command(
            live_server.container, org, request, Method.ACCOUNT_TO_ACCOUNT, payment_id=PAY_ID,
            return_url=f"{live_server.url}/pay/return",
        )  # fmt: skip
        first = provider.create_payment(cmd)
        again = provider.create_payment(cmd)
        assert again.reference == first.reference
        assert again.redirect_url == first.redirect_url
        assert len(live_server.container.sandbox_store().list("openbanking", "payment")) == 1
        other = provider.create_payment(replace(cmd, payment_id=PAY_ID + "X"))
        assert other.reference != first.reference

    def test_last_used_account_is_preselected(
        self, live_server: LiveServer, org: CreatedOrganisation, provider: OpenBankingProvider
    ) -> None:
        _, url = _start(
            live_server, org, provider, Method.ACCOUNT_TO_ACCOUNT, payer_account=OTHER_SANDBOX_ACCOUNT
        )
        assert preselected(sca_page(url)[0]) == OTHER_SANDBOX_ACCOUNT

    def test_unknown_payment(self, provider: OpenBankingProvider) -> None:
        with pytest.raises(ProviderRejected) as caught:
            provider.get_payment(f"{PRODUCT_A2A}:no-such-payment")
        assert caught.value.provider_code == "RESOURCE_UNKNOWN"
        with pytest.raises(ProviderRejected):
            provider.get_payment("sepa-credit-transfers:123")

    def test_refund_and_cancel_are_not_supported(self, provider: OpenBankingProvider) -> None:
        refund = CreateRefund(PAY_ID, "ref_1", f"{PRODUCT_A2A}:x", 100, "DKK")
        with pytest.raises(NotSupported, match="no refunds"):
            provider.refund(refund)
        with pytest.raises(NotSupported):
            provider.cancel(f"{PRODUCT_A2A}:x")
