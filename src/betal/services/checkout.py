"""The payer's checkout: start a payment at the provider and learn how it ended.

These use cases span transactions on purpose: the attempt is committed, the provider is called
outside any transaction (idempotent by our payment id), and its answer is committed in a second
transaction. ``new_uow`` makes a fresh unit of work for each step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from betal.domain.errors import InvalidInput, NotFound
from betal.domain.payment import Payment, PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import ProviderCallback, ProviderError, ProviderPayment
from betal.ports import Providers, UnitOfWork
from betal.services.payment import begin_payment, create_payment_command, record_provider_payment
from betal.services.payment import settle_from_provider as _settle

NewUow = Callable[[], UnitOfWork]
ABANDONED_AFTER = timedelta(hours=24)  # an attempt still "initiated" this long after it began is given up


@dataclass(frozen=True)
class Checkout:
    payment: Payment
    redirect_url: str | None


def start_checkout(
    new_uow: NewUow,
    providers: Providers,
    *,
    request_id: str,
    method: Method,
    return_url: str,
    payer_ip: str | None = None,
) -> Checkout:
    """Begin a payment of what is outstanding and ask the provider where to send the payer."""
    provider = providers.for_method(method)
    with new_uow() as uow:
        request = uow.payment_requests.get_any(request_id)
        if request is None:
            raise NotFound("no such payment request", code="payment_request.not_found")
        agreement = uow.agreements.get(request.organisation_id, method)
        if agreement is None:
            raise InvalidInput(f"{method.value} is not available", field="method")
        payer_account = uow.customers.last_payer_account(request.customer_id)
        payment = begin_payment(uow, request, method, provider=provider.key)
    command = create_payment_command(
        payment, request, creditor=agreement.config, return_url=return_url, payer_account=payer_account,
        payer_ip=payer_ip,
    )  # fmt: skip
    try:
        result = provider.create_payment(command)
    except ProviderError as exc:
        _fail(new_uow, payment, str(exc.detail))
        raise
    with new_uow() as uow:
        recorded = record_provider_payment(uow, payment.id, payment.organisation_id, result)
    return Checkout(recorded, result.redirect_url)


def _fail(new_uow: NewUow, payment: Payment, reason: str) -> None:
    failed = ProviderPayment(
        payment.id,
        payment.id,
        PaymentStatus.FAILED,
        payment.amount_minor,
        payment.currency,
        failure_reason=reason[:500],
    )
    with new_uow() as uow:
        record_provider_payment(uow, payment.id, payment.organisation_id, failed)


def refresh_payment(
    new_uow: NewUow, providers: Providers, *, organisation_id: str, payment_id: str
) -> Payment:
    """Ask the provider where a payment stands now and settle accordingly (return pages, polling)."""
    with new_uow() as uow:
        payment = uow.payments.get(organisation_id, payment_id)
    if payment is None:
        raise NotFound(f"no payment {payment_id}", code="payment.not_found")
    if payment.provider_reference is None or payment.status not in (
        PaymentStatus.INITIATED,
        PaymentStatus.PENDING,
    ):
        return payment
    result = providers.for_method(payment.method).get_payment(payment.provider_reference)
    with new_uow() as uow:
        if (
            result.status is PaymentStatus.INITIATED
            and uow.clock.now() - payment.created_at > ABANDONED_AFTER
        ):
            reason = f"abandoned: the payer did not finish within {ABANDONED_AFTER.days * 24} hours"
            result = replace(result, status=PaymentStatus.CANCELLED, failure_reason=reason)
        return _settle(uow, payment.provider, result)


def settle_callback(
    new_uow: NewUow, providers: Providers, key: str, callback: ProviderCallback
) -> Payment | None:
    """A verified provider callback: find our payment first (a payment betal did not make is
    ``NotFound`` and the provider is not even asked), read its state back from the provider, and apply
    it once per provider event id (a replay changes nothing and returns None)."""
    with new_uow() as uow:
        known = uow.payments.get_by_reference(key, callback.provider_reference)
    if known is None:
        raise NotFound("no payment with this provider reference", code="payment.unknown_reference")
    result = providers.callbacks(key).get_payment(callback.provider_reference)
    with new_uow() as uow:
        if not uow.provider_events.first_time(key, callback.event_id, known.organisation_id, uow.clock.now()):
            uow.commit()
            return None
        return _settle(uow, key, result)
