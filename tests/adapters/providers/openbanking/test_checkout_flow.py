"""The whole use case over real HTTP: checkout, the payer at the sandbox bank, refresh or polling, paid.

``services.checkout`` drives the open banking provider, which talks to the sandbox bank of a live betal
server; the payer is played with httpx (GET the SCA page, POST a decision). No service is faked.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from betal.domain.calendar import business_date
from betal.domain.job import NewJob
from betal.domain.payment import Payment, PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest, RequestStatus
from betal.domain.provider import ProviderRejected
from betal.jobs.handlers.provider_polling import POLL_KIND
from betal.services.checkout import Checkout, refresh_payment, start_checkout
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import settle_from_provider
from betal.services.payment_request import NewPaymentRequest, create_payment_request
from tests.adapters.providers.openbanking.support import (
    OTHER_SANDBOX_ACCOUNT,
    SANDBOX_ACCOUNT,
    decide,
    open_request,
    owner,
    preselected,
    sca_page,
    settle_all,
)
from tests.conftest import LiveServer


def _checkout(live_server: LiveServer, request: PaymentRequest, method: Method) -> Checkout:
    container = live_server.container
    return start_checkout(
        container.uow, container.providers, request_id=request.id, method=method,
        return_url=f"{live_server.url}/pay/return?request={request.id}",
    )  # fmt: skip


def _refresh(live_server: LiveServer, payment: Payment) -> Payment:
    container = live_server.container
    return refresh_payment(
        container.uow, container.providers, organisation_id=payment.organisation_id, payment_id=payment.id
    )


def _request_now(live_server: LiveServer, request: PaymentRequest) -> PaymentRequest:
    with live_server.container.uow() as uow:
        current = uow.payment_requests.get(request.organisation_id, request.id)
    assert current is not None
    return current


def _event_types(live_server: LiveServer, org: CreatedOrganisation) -> list[str]:
    with live_server.container.uow() as uow:
        return [e.type for e in uow.events.list_after(org.organisation.id, 0, 200)]


class TestInstantTransfer:
    def test_paid_once_and_the_payer_account_is_remembered(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        request = open_request(live_server.container, org)
        checkout = _checkout(live_server, request, Method.ACCOUNT_TO_ACCOUNT)
        assert checkout.payment.status is PaymentStatus.INITIATED
        assert checkout.payment.provider == "openbanking"
        assert checkout.redirect_url is not None
        assert checkout.redirect_url.startswith(f"{live_server.url}/sandbox/openbanking/sca/")
        html, _ = sca_page(checkout.redirect_url)
        assert "Hansen &amp; Co ApS" in html
        assert "125,00" in html
        assert "Faktura 1042" in html
        assert preselected(html) is None  # a first-time payer has no account to preselect

        answer = decide(checkout.redirect_url, "instant", OTHER_SANDBOX_ACCOUNT)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{live_server.url}/pay/return?request={request.id}"
        paid = _refresh(live_server, checkout.payment)
        assert paid.status is PaymentStatus.SUCCEEDED
        assert paid.payer_account == OTHER_SANDBOX_ACCOUNT
        assert _request_now(live_server, request).status is RequestStatus.PAID
        events = _event_types(live_server, org)
        assert events.count("payment.succeeded") == 1
        assert events.count("payment_request.paid") == 1

        assert _refresh(live_server, checkout.payment) == paid  # a replayed refresh changes nothing
        result = live_server.container.providers.for_method(Method.ACCOUNT_TO_ACCOUNT).get_payment(
            str(paid.provider_reference)
        )
        with live_server.container.uow() as uow:
            assert settle_from_provider(uow, "openbanking", result).status is PaymentStatus.SUCCEEDED
        assert _event_types(live_server, org) == events

        again = open_request(live_server.container, org, customer_id=request.customer_id)
        second = _checkout(live_server, again, Method.ACCOUNT_TO_ACCOUNT)
        assert second.redirect_url is not None
        assert preselected(sca_page(second.redirect_url)[0]) == OTHER_SANDBOX_ACCOUNT

    def test_fi_card_pay_now(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        request = open_request(live_server.container, org)
        assert request.fi_payment_line is not None
        checkout = _checkout(live_server, request, Method.FI_CARD)
        assert checkout.redirect_url is not None
        html, _ = sca_page(checkout.redirect_url)
        shown = request.fi_payment_line.replace("<", "&lt;")
        assert shown in html
        decide(checkout.redirect_url, "instant")
        paid = _refresh(live_server, checkout.payment)
        assert paid.status is PaymentStatus.SUCCEEDED
        assert _request_now(live_server, request).status is RequestStatus.PAID


class TestStandardTransfer:
    def test_pending_is_not_paid_until_the_bank_settles_and_polling_sees_it(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        request = open_request(live_server.container, org)
        checkout = _checkout(live_server, request, Method.ACCOUNT_TO_ACCOUNT)
        assert checkout.redirect_url is not None
        decide(checkout.redirect_url, "standard")
        pending = _refresh(live_server, checkout.payment)
        assert pending.status is PaymentStatus.PENDING
        assert _request_now(live_server, request).status is RequestStatus.OPEN
        assert "payment.succeeded" not in _event_types(live_server, org)

        settle_all(live_server.url)
        with live_server.container.uow() as uow:
            uow.enqueue(NewJob(POLL_KIND, {"min_age_seconds": 0}))
            uow.commit()
        assert live_server.run_jobs() >= 1
        with live_server.container.uow() as uow:
            polled = uow.payments.get(org.organisation.id, checkout.payment.id)
        assert polled is not None
        assert polled.status is PaymentStatus.SUCCEEDED
        assert polled.payer_account == SANDBOX_ACCOUNT
        assert _request_now(live_server, request).status is RequestStatus.PAID
        assert _event_types(live_server, org).count("payment_request.paid") == 1


class TestRejected:
    def test_failed_payment_leaves_the_request_open(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        request = open_request(live_server.container, org)
        checkout = _checkout(live_server, request, Method.ACCOUNT_TO_ACCOUNT)
        assert checkout.redirect_url is not None
        decide(checkout.redirect_url, "reject")
        failed = _refresh(live_server, checkout.payment)
        assert failed.status is PaymentStatus.FAILED
        assert failed.failure_reason == "the payer or the bank rejected the payment (RJCT)"
        assert _request_now(live_server, request).status is RequestStatus.OPEN
        assert _event_types(live_server, org).count("payment.failed") == 1
        retry = _checkout(live_server, request, Method.ACCOUNT_TO_ACCOUNT)  # the payer may try again
        assert retry.payment.id != checkout.payment.id


class TestCheckoutErrors:
    def test_a_request_in_another_currency_fails_without_reaching_the_bank(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        first = open_request(live_server.container, org)
        due = business_date(live_server.container.clock.now()) + timedelta(days=3)
        data = NewPaymentRequest(first.customer_id, 5_000, "EUR", due, "Consulting", ("account_to_account",))
        with live_server.container.uow() as uow:
            euro = create_payment_request(uow, owner(org), data)
        with pytest.raises(ProviderRejected):
            _checkout(live_server, euro, Method.ACCOUNT_TO_ACCOUNT)
        with live_server.container.uow() as uow:
            [attempt] = uow.payments.list_for_request(org.organisation.id, euro.id)
        assert attempt.status is PaymentStatus.FAILED
        assert live_server.container.sandbox_store().list("openbanking", "payment") == []
