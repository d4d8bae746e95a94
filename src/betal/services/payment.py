"""Payments: begin an attempt, record what the provider said, settle, refund.

The provider is called between transactions, never inside one: ``begin_payment`` commits the
attempt, the caller asks the provider (with the payment id as idempotency key), and
``record_provider_payment`` commits what came back. Settling locks the request row, so concurrent
completions never record more paid than due; the rest is recorded as overpayment.
"""

from __future__ import annotations

from dataclasses import replace

from betal.domain import payment as pay
from betal.domain import payment_request as pr
from betal.domain import posting
from betal.domain.errors import Conflict, InvalidInput, NotFound
from betal.domain.events import NewEvent
from betal.domain.ids import new_id
from betal.domain.ledger import AccountRole
from betal.domain.payment import Payment, PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest
from betal.domain.provider import Capability, CreatePayment, CreateRefund, ProviderPayment
from betal.domain.tenancy import Permission, Principal
from betal.ports import Providers, UnitOfWork
from betal.services import ledger
from betal.services.payment_request import snapshot as request_snapshot

REDIRECT_METHODS = frozenset({Method.ACCOUNT_TO_ACCOUNT, Method.FI_CARD, Method.MOBILEPAY, Method.CARD})


def payment_snapshot(payment: Payment) -> dict[str, object]:
    return {
        "id": payment.id,
        "payment_request_id": payment.payment_request_id,
        "customer_id": payment.customer_id,
        "method": payment.method.value,
        "amount": payment.amount_minor,
        "currency": payment.currency,
        "status": payment.status.value,
        "refunded_amount": payment.refunded_minor,
        "failure_reason": payment.failure_reason,
    }


def begin_payment(uow: UnitOfWork, request: PaymentRequest, method: Method, *, provider: str) -> Payment:
    """Record a new attempt to pay what is outstanding on ``request`` by ``method`` (and commit)."""
    if method not in request.allowed_methods:
        raise InvalidInput(f"{method.value} is not allowed for this request", field="method")
    if method not in REDIRECT_METHODS:
        raise InvalidInput(f"{method.value} is not paid through a redirect", field="method")
    if not request.is_payable or request.outstanding_minor == 0:
        raise Conflict("this request is not open for payment", code="payment_request.not_payable")
    now = uow.clock.now()
    payment = Payment(
        id=new_id("pay"), organisation_id=request.organisation_id, payment_request_id=request.id,
        customer_id=request.customer_id, method=method, amount_minor=request.outstanding_minor,
        currency=request.currency, status=PaymentStatus.INITIATED, provider=provider, provider_reference=None,
        refunded_minor=0, failure_reason=None, payer_account=None, created_at=now, updated_at=now,
    )  # fmt: skip
    uow.payments.add(payment)
    uow.audit(request.organisation_id, "payment.initiated", "payment", payment.id, method=method.value)
    uow.publish(NewEvent(request.organisation_id, "payment.initiated", payment_snapshot(payment)))
    uow.commit()
    return payment


def create_payment_command(
    payment: Payment,
    request: PaymentRequest,
    *,
    creditor: dict[str, object],
    return_url: str,
    payer_account: str | None,
    payer_ip: str | None = None,
) -> CreatePayment:
    return CreatePayment(
        payment_id=payment.id, organisation_id=payment.organisation_id, method=payment.method,
        amount_minor=payment.amount_minor, currency=payment.currency, description=request.description,
        return_url=return_url, creditor=dict(creditor), payer_account=payer_account,
        fi_payment_line=request.fi_payment_line, payer_ip=payer_ip,
    )  # fmt: skip


def record_provider_payment(
    uow: UnitOfWork, payment_id: str, organisation_id: str, result: ProviderPayment
) -> Payment:
    """Store the provider's answer to ``create_payment`` and settle if it is already final."""
    payment = uow.payments.get(organisation_id, payment_id, for_update=True)
    if payment is None:
        raise NotFound(f"no payment {payment_id}", code="payment.not_found")
    if payment.provider_reference is None:
        payment = replace(payment, provider_reference=result.reference, raw=result.raw)
        uow.payments.save(payment)
    return _apply_status(uow, payment, result)


def settle_from_provider(uow: UnitOfWork, provider: str, result: ProviderPayment) -> Payment:
    """A provider told us (callback, return or poll) where a payment stands; idempotent."""
    payment = uow.payments.get_by_reference(provider, result.reference)
    if payment is None:
        raise NotFound("no payment with this provider reference", code="payment.unknown_reference")
    locked = uow.payments.get(payment.organisation_id, payment.id, for_update=True)
    assert locked is not None
    return _apply_status(uow, locked, result)


def _apply_status(uow: UnitOfWork, payment: Payment, result: ProviderPayment) -> Payment:
    if payment.status in pay.FINAL:
        uow.commit()  # news about a payment we already closed: nothing changes
        return payment
    if result.status == payment.status:
        # Nothing new; touching updated_at sends it to the back of the polling queue, so a payment
        # that never changes cannot keep others from being asked.
        touched = replace(payment, updated_at=uow.clock.now())
        uow.payments.save(touched)
        uow.commit()
        return touched
    now = uow.clock.now()
    moved = pay.move(
        payment, result.status, now,
        payer_account=result.payer_account or payment.payer_account,
        failure_reason=result.failure_reason, raw=result.raw or payment.raw,
    )  # fmt: skip
    uow.payments.save(moved)
    org = payment.organisation_id
    if moved.status is PaymentStatus.SUCCEEDED:
        settle_request(uow, moved)
    else:  # pending, failed, cancelled
        uow.publish(NewEvent(org, f"payment.{moved.status.value}", payment_snapshot(moved)))
    uow.audit(org, f"payment.{moved.status.value}", "payment", payment.id)
    uow.commit()
    return moved


def settle_request(uow: UnitOfWork, payment: Payment) -> pr.Application:
    """Apply a succeeded ``payment`` to its request (locked), publish what changed, and return the result.

    Shared by provider payments and bank receipts matched during reconciliation; the caller commits.
    """
    org = payment.organisation_id
    request = uow.payment_requests.get(org, payment.payment_request_id, for_update=True)
    assert request is not None
    applied = pr.apply_payment(request, payment.amount_minor, uow.clock.now())
    uow.payment_requests.save(applied.request)
    day = ledger.today(uow)
    uow.post(
        posting.payment_received(
            org, payment.id, payment.method, applied.applied_minor, applied.overpaid_minor, payment.currency,
            day, fx=ledger.fx_for(uow, request, AccountRole.RECEIVABLES, day),
        )
    )  # fmt: skip
    if payment.payer_account:
        uow.customers.set_last_payer_account(payment.customer_id, payment.payer_account)
    data = payment_snapshot(payment) | {
        "applied_amount": applied.applied_minor,
        "overpaid_amount": applied.overpaid_minor,
    }
    uow.publish(NewEvent(org, "payment.succeeded", data))
    if applied.became_paid:
        uow.publish(NewEvent(org, "payment_request.paid", request_snapshot(applied.request)))
    elif applied.request.status is not request.status:  # open -> partially_paid
        event = f"payment_request.{applied.request.status.value}"
        uow.publish(NewEvent(org, event, request_snapshot(applied.request)))
    return applied


def get_payment(uow: UnitOfWork, principal: Principal, payment_id: str) -> Payment:
    principal.require(Permission.READ)
    payment = uow.payments.get(principal.organisation_id, payment_id)
    if payment is None:
        raise NotFound(f"no payment {payment_id}", code="payment.not_found")
    return payment


def list_payments(
    uow: UnitOfWork, principal: Principal, *, request_id: str | None, after_id: str | None, limit: int
) -> list[Payment]:
    principal.require(Permission.READ)
    return uow.payments.list_page(
        principal.organisation_id, request_id=request_id, after_id=after_id, limit=limit
    )


def refund_payment(
    uow: UnitOfWork, providers: Providers, principal: Principal, payment_id: str, amount_minor: int | None
) -> Payment:
    """Refund all or part of a succeeded payment through its provider, then book it."""
    principal.require(Permission.BILL)
    payment = get_payment(uow, principal, payment_id)
    amount = payment.amount_minor - payment.refunded_minor if amount_minor is None else amount_minor
    pay.refund(payment, amount, uow.clock.now())  # validate before calling out
    provider = providers.for_method(payment.method)
    if Capability.REFUND not in provider.capabilities:
        raise Conflict(
            f"{payment.method.value} payments cannot be refunded through the provider; pay back by transfer",
            code="refund.not_supported",
        )
    uow.rollback()
    command = CreateRefund(
        payment_id=payment.id, refund_id=f"{payment.id}-r{payment.refunded_minor}-{amount}",
        reference=payment.provider_reference or payment.id, amount_minor=amount, currency=payment.currency,
    )  # fmt: skip
    outcome = provider.refund(command)
    if not outcome.succeeded:
        raise Conflict("the provider refused the refund", code="refund.refused")
    return record_refund(uow, principal.organisation_id, payment_id, amount)


def record_refund(uow: UnitOfWork, organisation_id: str, payment_id: str, amount_minor: int) -> Payment:
    """Book a refund the provider has made: the payment, its request, the journal entry (and commit).

    The refund pays back the request's overpayment first, then the amount (a credit note taking back
    sales and VAT), then charges; ``domain.posting.refund_paid`` has the rule.
    """
    locked = uow.payments.get(organisation_id, payment_id, for_update=True)
    if locked is None:
        raise NotFound(f"no payment {payment_id}", code="payment.not_found")
    now = uow.clock.now()
    refunded = pay.refund(locked, amount_minor, now)
    uow.payments.save(refunded)
    request = uow.payment_requests.get(organisation_id, locked.payment_request_id, for_update=True)
    assert request is not None
    refunded_request = pr.record_refund(request, amount_minor, now)
    uow.payment_requests.save(refunded_request)
    day = ledger.today(uow)
    credit = ledger.held_on(uow, request, AccountRole.CUSTOMER_CREDIT)
    uow.post(
        posting.refund_paid(
            request, payment_id, locked.method, amount_minor, day, credit_minor=credit.amount_minor,
            charges=uow.charges.list_for_request(organisation_id, request.id),
            fx=ledger.fx_for(uow, request, AccountRole.CUSTOMER_CREDIT, day, credit),
        )
    )  # fmt: skip
    data = payment_snapshot(refunded) | {"refund_amount": amount_minor}
    uow.publish(NewEvent(organisation_id, "payment.refunded", data))
    uow.publish(NewEvent(organisation_id, "payment_request.refunded", request_snapshot(refunded_request)))
    uow.audit(organisation_id, "payment.refunded", "payment", payment_id, amount=amount_minor)
    uow.commit()
    return refunded
