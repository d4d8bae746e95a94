"""Pure mapping between the port's dataclasses and the card acquirer's JSON (docs/providers/card.md).

Amounts are integer minor units on both sides. The acquirer's ``paymentId`` is the provider reference;
our payment id travels as ``reference``. Status table (approved payments are captured at once):

| acquirer | betal |
|---|---|
| CREATED | initiated |
| AUTHORIZED | pending (captured a moment later) |
| CAPTURED, PARTIALLY_REFUNDED, REFUNDED | succeeded (refunds are booked by ``refund_payment``) |
| DECLINED | failed, with the decline reason |
| CANCELLED | cancelled |
"""

from __future__ import annotations

import re
from typing import Any

from betal.domain.payment import PaymentStatus
from betal.domain.provider import CreatePayment, CreateRefund, ProviderPayment, ProviderRejected

PAYMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
WEBHOOK_EVENTS = ["payment.captured", "payment.declined", "payment.cancelled", "payment.refunded"]
DESCRIPTION_MAX = 200
STATUSES = {
    "CREATED": PaymentStatus.INITIATED,
    "AUTHORIZED": PaymentStatus.PENDING,
    "CAPTURED": PaymentStatus.SUCCEEDED,
    "PARTIALLY_REFUNDED": PaymentStatus.SUCCEEDED,
    "REFUNDED": PaymentStatus.SUCCEEDED,
    "DECLINED": PaymentStatus.FAILED,
    "CANCELLED": PaymentStatus.CANCELLED,
}
DECLINE_REASONS = {
    "card_declined": "the card was declined",
    "insufficient_funds": "the card has insufficient funds",
    "expired_card": "the card has expired",
}


def payment_id(value: str) -> str:
    """A well-formed acquirer payment id (it goes into URL paths)."""
    if not PAYMENT_ID.match(value):
        raise ProviderRejected(f"{value!r} is not a card payment id", provider_code="404")
    return value


def merchant_id(creditor: dict[str, Any]) -> str:
    value = str(creditor.get("merchant_id") or "")
    if not value:
        raise ProviderRejected("the card agreement has no acquirer merchant id")
    return value


def create_body(request: CreatePayment) -> dict[str, Any]:
    return {
        "amount": request.amount_minor,
        "currency": request.currency,
        "reference": request.payment_id,
        "description": request.description[:DESCRIPTION_MAX],
        "returnUrl": request.return_url,
        "cancelUrl": request.return_url,  # betal's return page reads the payment back either way
        "merchantId": merchant_id(request.creditor),
    }


def created(request: CreatePayment, response: dict[str, Any]) -> ProviderPayment:
    return ProviderPayment(
        payment_id=request.payment_id,
        reference=payment_id(str(response["paymentId"])),
        status=STATUSES.get(str(response.get("status")), PaymentStatus.INITIATED),
        amount_minor=request.amount_minor,
        currency=request.currency,
        redirect_url=str(response["hostedPaymentPageUrl"]),
        raw=response,
    )


def failure_reason(payload: dict[str, Any]) -> str | None:
    if payload.get("status") == "DECLINED":
        reason = str(payload.get("declineReason") or "card_declined")
        return DECLINE_REASONS.get(reason, f"the card was declined ({reason})")
    if payload.get("status") == "CANCELLED":
        return "the payer cancelled on the card page"
    return None


def to_provider_payment(payload: dict[str, Any]) -> ProviderPayment:
    """``GET /v1/payments/{paymentId}`` as the port's result (the raw payload kept: no card number
    is ever in it, only brand, last four digits and expiry)."""
    status = str(payload.get("status"))
    if status not in STATUSES:
        raise ProviderRejected(f"unknown card payment status {status!r}")
    return ProviderPayment(
        payment_id=str(payload.get("reference") or ""),
        reference=payment_id(str(payload["paymentId"])),
        status=STATUSES[status],
        amount_minor=int(payload["amount"]),
        currency=str(payload["currency"]),
        failure_reason=failure_reason(payload),
        raw=payload,
    )


def refund_key(request: CreateRefund) -> str:
    return f"refund-{request.refund_id}"
