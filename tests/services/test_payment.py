"""Payments: settle exactly once, never more paid than due, pending is not paid, refunds."""

from __future__ import annotations

import threading

import pytest

from betal.bootstrap import Container
from betal.domain.errors import Conflict, InvalidInput
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import RequestStatus
from betal.domain.provider import ProviderPayment
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import begin_payment, record_provider_payment, settle_from_provider
from tests.services.receivables_support import make_request


def result(
    payment_id: str, reference: str, status: PaymentStatus, amount: int, account: str | None = None
) -> ProviderPayment:
    return ProviderPayment(payment_id, reference, status, amount, "DKK", payer_account=account)


class TestSettle:
    def test_pending_is_not_paid_then_succeeded_pays(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        request = make_request(container, org)
        with container.uow() as uow:
            payment = begin_payment(uow, request, Method.CARD, provider="card")
        with container.uow() as uow:
            record_provider_payment(
                uow,
                payment.id,
                org.organisation.id,
                result(payment.id, "ref-1", PaymentStatus.PENDING, 10_000),
            )
        with container.uow() as uow:
            assert uow.payment_requests.get_any(request.id).status is RequestStatus.OPEN  # type: ignore[union-attr]
        with container.uow() as uow:
            settled = settle_from_provider(
                uow,
                "card",
                result(payment.id, "ref-1", PaymentStatus.SUCCEEDED, 10_000, "DK5000400440116243"),
            )
        assert settled.status is PaymentStatus.SUCCEEDED
        with container.uow() as uow:
            paid = uow.payment_requests.get_any(request.id)
            types = [e.type for e in uow.events.list_after(org.organisation.id, 0, 50)]
            assert uow.customers.last_payer_account(request.customer_id) == "DK5000400440116243"
        assert paid is not None
        assert (paid.status, paid.paid_minor) == (RequestStatus.PAID, 10_000)
        assert types.count("payment.succeeded") == 1
        assert types.count("payment_request.paid") == 1
        with container.uow() as uow:  # a replay changes nothing
            settle_from_provider(uow, "card", result(payment.id, "ref-1", PaymentStatus.SUCCEEDED, 10_000))
        with container.uow() as uow:
            assert [e.type for e in uow.events.list_after(org.organisation.id, 0, 50)] == types

    def test_an_unchanged_answer_moves_the_payment_to_the_back_of_the_polling_queue(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        from datetime import timedelta

        from betal.adapters.clock import FrozenClock

        request = make_request(container, org)
        with container.uow() as uow:
            payment = begin_payment(uow, request, Method.CARD, provider="card")
        pending = result(payment.id, "ref-q", PaymentStatus.PENDING, 10_000)
        with container.uow() as uow:
            first = record_provider_payment(uow, payment.id, org.organisation.id, pending)
        container.clock = FrozenClock(container.clock.now() + timedelta(minutes=1))
        with container.uow() as uow:
            again = settle_from_provider(uow, "card", pending)
        assert again.status is PaymentStatus.PENDING
        assert again.updated_at > first.updated_at
        with container.uow() as uow:
            assert [p.id for p in uow.payments.list_open(10)][-1] == payment.id

    def test_failed_payment_leaves_request_open(self, container: Container, org: CreatedOrganisation) -> None:
        request = make_request(container, org)
        with container.uow() as uow:
            payment = begin_payment(uow, request, Method.CARD, provider="card")
        with container.uow() as uow:
            failed = record_provider_payment(
                uow, payment.id, org.organisation.id, result(payment.id, "r", PaymentStatus.FAILED, 10_000)
            )
        assert failed.status is PaymentStatus.FAILED
        with container.uow() as uow:
            assert uow.payment_requests.get_any(request.id).status is RequestStatus.OPEN  # type: ignore[union-attr]

    def test_begin_checks(self, container: Container, org: CreatedOrganisation) -> None:
        request = make_request(container, org, methods=("card",))
        with container.uow() as uow, pytest.raises(InvalidInput, match="not allowed"):
            begin_payment(uow, request, Method.MOBILEPAY, provider="mobilepay")
        from betal.services.payment_request import cancel_payment_request
        from tests.services.receivables_support import owner

        with container.uow() as uow:
            cancelled = cancel_payment_request(uow, owner(org), request.id)
        with container.uow() as uow, pytest.raises(Conflict):
            begin_payment(uow, cancelled, Method.CARD, provider="card")


class TestConcurrentCompletion:
    def test_twenty_concurrent_completions_never_overpay(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        """20 concurrent completions of payments on one request never record more paid than due."""
        request = make_request(container, org, amount=10_000)
        payments = []
        for _ in range(20):
            with container.uow() as uow:
                payments.append(begin_payment(uow, request, Method.CARD, provider="card"))
        for n, p in enumerate(payments):
            with container.uow() as uow:
                record_provider_payment(
                    uow,
                    p.id,
                    org.organisation.id,
                    result(p.id, f"ref-{n}", PaymentStatus.PENDING, p.amount_minor),
                )
        barrier = threading.Barrier(20)
        errors: list[BaseException] = []

        def complete(n: int) -> None:
            try:
                barrier.wait()
                with container.uow() as uow:
                    settle_from_provider(
                        uow, "card", result(payments[n].id, f"ref-{n}", PaymentStatus.SUCCEEDED, 10_000)
                    )
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=complete, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        with container.uow() as uow:
            final = uow.payment_requests.get_any(request.id)
            events = [e.type for e in uow.events.list_after(org.organisation.id, 0, 200)]
        assert final is not None
        assert final.paid_minor == 10_000  # exactly what was due
        assert final.overpaid_minor == 19 * 10_000  # the rest recorded as overpayment, not as paid
        assert final.status is RequestStatus.PAID
        assert events.count("payment.succeeded") == 20
        assert events.count("payment_request.paid") == 1
