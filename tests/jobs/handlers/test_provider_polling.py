"""Polling providers: the 30-second schedule and one-off refreshes, run by the real job engine.

The open banking provider runs against the sandbox bank of a live server; the provider's failure modes
(no polling, rejected, unreachable) come from a fake provider implementing the port, or from a container
whose providers point at a port where nothing listens.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from betal import bootstrap
from betal.adapters.security import Argon2PasswordHasher
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.job import JobStatus, NewJob
from betal.domain.payment import Payment, PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import RequestStatus
from betal.domain.provider import (
    Capability,
    NotSupported,
    ProviderPayment,
    ProviderRejected,
    ProviderUnavailable,
)
from betal.jobs import registry
from betal.jobs.handlers.provider_polling import POLL_EVERY, POLL_KIND, REFRESH_KIND
from betal.jobs.worker import Worker
from betal.services.checkout import start_checkout
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import begin_payment, record_provider_payment
from tests.adapters.providers.openbanking.support import decide, open_request
from tests.conftest import LiveServer
from tests.jobs.support import job_of_kind


def _run(
    container: Container, kind: str, payload: dict[str, object]
) -> tuple[JobStatus, dict[str, object] | None, int]:
    with container.uow() as uow:
        uow.enqueue(NewJob(kind, payload))
        uow.commit()
    Worker(container, name="test").run_once()
    job = job_of_kind(container, kind)
    return job.status, job.result, job.attempts


def _payment(container: Container, payment_id: str, organisation_id: str) -> Payment:
    with container.uow() as uow:
        payment = uow.payments.get(organisation_id, payment_id)
    assert payment is not None
    return payment


def _bank_checkout(live_server: LiveServer, org: CreatedOrganisation) -> tuple[Payment, str]:
    request = open_request(live_server.container, org)
    checkout = start_checkout(
        live_server.container.uow, live_server.container.providers, request_id=request.id,
        method=Method.ACCOUNT_TO_ACCOUNT, return_url=f"{live_server.url}/pay/return",
    )  # fmt: skip
    assert checkout.redirect_url is not None
    return checkout.payment, checkout.redirect_url


class TestRegistration:
    def test_kinds_and_schedule(self) -> None:
        assert registry.handler_for(POLL_KIND) is not None
        assert registry.handler_for(REFRESH_KIND) is not None
        [poll] = [s for s in registry.schedules() if s.kind == POLL_KIND]
        assert poll.every == POLL_EVERY == timedelta(seconds=30)


class TestPollProviders:
    def test_settles_what_the_bank_settled(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        waiting, _ = _bank_checkout(live_server, org)  # the payer never acts
        paid, url = _bank_checkout(live_server, org)
        decide(url, "instant")
        status, result, _ = _run(live_server.container, POLL_KIND, {"min_age_seconds": 0})
        assert status is JobStatus.SUCCEEDED
        assert result == {"unchanged": 1, "succeeded": 1}
        assert _payment(live_server.container, paid.id, org.organisation.id).status is PaymentStatus.SUCCEEDED
        assert (
            _payment(live_server.container, waiting.id, org.organisation.id).status is PaymentStatus.INITIATED
        )
        with live_server.container.uow() as uow:
            request = uow.payment_requests.get(org.organisation.id, paid.payment_request_id)
        assert request is not None
        assert request.status is RequestStatus.PAID

    def test_payments_younger_than_the_minimum_age_wait(
        self, live_server: LiveServer, org: CreatedOrganisation
    ) -> None:
        payment, url = _bank_checkout(live_server, org)
        decide(url, "instant")
        status, result, _ = _run(live_server.container, POLL_KIND, {})  # default: 5 seconds
        assert (status, result) == (JobStatus.SUCCEEDED, {"too_new": 1})
        assert (
            _payment(live_server.container, payment.id, org.organisation.id).status is PaymentStatus.INITIATED
        )

    def test_a_bad_minimum_age_fails_the_job(self, container: Container) -> None:
        status, _, attempts = _run(container, POLL_KIND, {"min_age_seconds": "soon"})
        assert (status, attempts) == (JobStatus.FAILED, 1)


class TestRefresh:
    def test_one_payment(self, live_server: LiveServer, org: CreatedOrganisation) -> None:
        payment, url = _bank_checkout(live_server, org)
        decide(url, "standard")
        payload = {"organisation_id": org.organisation.id, "payment_id": payment.id}
        status, result, _ = _run(live_server.container, REFRESH_KIND, payload)
        assert status is JobStatus.SUCCEEDED
        assert result == {"payment_id": payment.id, "status": "pending"}

    @pytest.mark.parametrize(
        "payload", [{}, {"organisation_id": "org_x"}, {"organisation_id": "org_x", "payment_id": 7}]
    )
    def test_a_bad_payload_fails_at_once(self, container: Container, payload: dict[str, object]) -> None:
        status, _, attempts = _run(container, REFRESH_KIND, payload)
        assert (status, attempts) == (JobStatus.FAILED, 1)

    def test_an_unknown_payment_fails_at_once(self, container: Container, org: CreatedOrganisation) -> None:
        payload = {"organisation_id": org.organisation.id, "payment_id": "pay_nope"}
        status, _, attempts = _run(container, REFRESH_KIND, payload)
        assert (status, attempts) == (JobStatus.FAILED, 1)


# --- Provider failures ---------------------------------------------------------------------------------


@dataclass
class FakeBank:
    """A provider implementing the port that answers polls as told."""

    capabilities: frozenset[Capability]
    error: Exception | None = None
    key: str = "openbanking"

    def get_payment(self, reference: str) -> ProviderPayment:
        if self.error is not None:
            raise self.error
        return ProviderPayment("", reference, PaymentStatus.SUCCEEDED, 12_500, "DKK")

    def create_payment(self, request: object) -> ProviderPayment:
        raise NotSupported("the fake bank takes no new payments")

    def refund(self, request: object) -> object:
        raise NotSupported("no refunds")

    def cancel(self, reference: str) -> ProviderPayment:
        raise NotSupported("no cancelling")


@dataclass
class FakeProviders:
    bank: FakeBank

    def for_method(self, method: Method) -> FakeBank:
        return self.bank

    def mandates(self) -> object:
        raise NotSupported("no mandates")


def _pending(container: Container, org: CreatedOrganisation) -> Payment:
    request = open_request(container, org)
    with container.uow() as uow:
        payment = begin_payment(uow, request, Method.ACCOUNT_TO_ACCOUNT, provider="openbanking")
    answer = ProviderPayment(payment.id, f"ref-{payment.id}", PaymentStatus.PENDING, 12_500, "DKK")
    with container.uow() as uow:
        return record_provider_payment(uow, payment.id, org.organisation.id, answer)


def _with(container: Container, bank: FakeBank) -> Container:
    return replace(container, providers=FakeProviders(bank))  # type: ignore[arg-type]


POLL_ONLY = frozenset({Capability.POLL})


class TestProviderFailures:
    @pytest.mark.parametrize(
        ("bank", "outcome"),
        [
            (FakeBank(frozenset({Capability.REDIRECT})), "skipped"),  # cannot poll
            (FakeBank(POLL_ONLY, NotSupported("not here")), "skipped"),
            (FakeBank(POLL_ONLY, ProviderRejected("no such payment")), "rejected"),
            (FakeBank(POLL_ONLY, ProviderUnavailable("down")), "retry_later"),
            (FakeBank(POLL_ONLY), "succeeded"),
        ],
    )
    def test_poll_goes_on_past_a_failing_provider(
        self, container: Container, org: CreatedOrganisation, bank: FakeBank, outcome: str
    ) -> None:
        payment = _pending(container, org)
        status, result, _ = _run(_with(container, bank), POLL_KIND, {"min_age_seconds": 0})
        assert (status, result) == (JobStatus.SUCCEEDED, {outcome: 1})
        expected = PaymentStatus.SUCCEEDED if outcome == "succeeded" else PaymentStatus.PENDING
        assert _payment(container, payment.id, org.organisation.id).status is expected

    @pytest.mark.parametrize(
        ("error", "status", "attempts"),
        [(ProviderUnavailable("down"), JobStatus.QUEUED, 1), (ProviderRejected("gone"), JobStatus.FAILED, 1)],
    )
    def test_refresh_is_retried_only_for_temporary_errors(
        self,
        container: Container,
        org: CreatedOrganisation,
        error: Exception,
        status: JobStatus,
        attempts: int,
    ) -> None:
        payment = _pending(container, org)
        payload = {"organisation_id": org.organisation.id, "payment_id": payment.id}
        outcome = _run(_with(container, FakeBank(POLL_ONLY, error)), REFRESH_KIND, payload)
        assert (outcome[0], outcome[2]) == (status, attempts)

    def test_refresh_skips_a_provider_that_cannot_poll(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        payment = _pending(container, org)
        payload = {"organisation_id": org.organisation.id, "payment_id": payment.id}
        status, result, _ = _run(
            _with(container, FakeBank(POLL_ONLY, NotSupported("x"))), REFRESH_KIND, payload
        )
        assert (status, result) == (
            JobStatus.SUCCEEDED,
            {"payment_id": payment.id, "skipped": "not_supported"},
        )


@pytest.fixture
def unreachable(db_url: str) -> Iterator[Container]:
    """A container whose sandbox providers point at a port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        settings = Settings(
            database_url=db_url, secret_key="test-secret-key-for-betal-tests-only-0123456789",
            base_url=f"http://127.0.0.1:{port}",
        )  # fmt: skip
        container = bootstrap.build(settings, hasher=Argon2PasswordHasher(fast=True))
        yield container
        container.close()


class TestUnreachableBank:
    def test_the_real_provider_unreachable(
        self, live_server: LiveServer, org: CreatedOrganisation, unreachable: Container
    ) -> None:
        payment, url = _bank_checkout(live_server, org)
        decide(url, "instant")
        status, result, _ = _run(unreachable, POLL_KIND, {"min_age_seconds": 0})
        assert (status, result) == (JobStatus.SUCCEEDED, {"retry_later": 1})
        payload = {"organisation_id": org.organisation.id, "payment_id": payment.id}
        status, _, attempts = _run(unreachable, REFRESH_KIND, payload)
        assert (status, attempts) == (JobStatus.QUEUED, 1)  # retried later with backoff
        assert _payment(unreachable, payment.id, org.organisation.id).status is PaymentStatus.INITIATED
