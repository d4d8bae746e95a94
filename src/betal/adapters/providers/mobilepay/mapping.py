"""Pure mapping between the port's dataclasses and ePayment JSON (standards §8.1).

- ``reference``: ePayment wants ``^[a-zA-Z0-9-]{8,64}$``; our ids are ``pay_<ULID>``, so ``_`` <-> ``-``
  (reversible: ULIDs contain neither). The port's provider reference is ``"<msn>:<reference>"``,
  because every ePayment call needs the ``Merchant-Serial-Number`` the payment was made under.
- States: ``CREATED`` -> initiated; ``AUTHORIZED`` -> pending until the full amount is captured, then
  succeeded (CAPTURED/REFUNDED are not states: money is read from ``aggregate``; refunds are booked by
  ``services.payment.refund_payment``); ``ABORTED``/``TERMINATED`` (and an authorisation cancelled
  before capture) -> cancelled; ``EXPIRED`` -> failed.
- Money: ``{"currency": "DKK", "value": <minor units, int>}``, the same unit as ours.
"""

from __future__ import annotations

import re
from typing import Any

from betal.domain.ids import has_prefix
from betal.domain.payment import PaymentStatus
from betal.domain.provider import CreatePayment, CreateRefund, ProviderPayment, ProviderRejected

REFERENCE = re.compile(r"^[a-zA-Z0-9-]{8,64}$")
MSN = re.compile(r"^[0-9]{4,10}$")
EVENT_NAMES = (
    "created",
    "authorized",
    "aborted",
    "expired",
    "terminated",
    "captured",
    "refunded",
    "cancelled",
)
WEBHOOK_EVENTS = [f"epayments.payment.{name}.v1" for name in EVENT_NAMES]
DESCRIPTION_MAX = 100
REASONS = {
    "ABORTED": "the payer rejected the payment in MobilePay",
    "TERMINATED": "the payment was cancelled before the payer approved it",
    "EXPIRED": "the payer did not approve the payment in time",
}


def reference_for(payment_id: str) -> str:
    reference = payment_id.replace("_", "-")
    if not REFERENCE.match(reference):
        raise ValueError(f"{payment_id!r} cannot be a MobilePay reference")
    return reference


def payment_id_for(reference: str) -> str:
    return reference.replace("-", "_")


def is_ours(reference: str) -> bool:
    """Whether a reference names a betal payment (other systems may share the merchant serial number)."""
    return has_prefix(payment_id_for(reference), "pay")


def idempotency_key(*parts: str) -> str:
    """An ``Idempotency-Key`` from our ids (letters, digits and dashes, at most 50)."""
    key = "-".join(parts).replace("_", "-")
    if not re.fullmatch(r"[a-zA-Z0-9-]{1,50}", key):
        raise ValueError(f"{key!r} is not a valid idempotency key")
    return key


def handle(msn: str, reference: str) -> str:
    """The provider reference betal stores: enough to call the API again."""
    return f"{msn}:{reference}"


def split_handle(value: str) -> tuple[str, str]:
    msn, sep, reference = value.partition(":")
    if not sep or not MSN.match(msn) or not REFERENCE.match(reference):
        raise ProviderRejected(f"{value!r} is not a MobilePay payment reference", provider_code="404")
    return msn, reference


def merchant_serial_number(creditor: dict[str, Any]) -> str:
    msn = str(creditor.get("merchant_serial_number") or "")
    if not MSN.match(msn):
        raise ProviderRejected("the MobilePay agreement has no valid merchant serial number")
    return msn


def create_body(request: CreatePayment) -> dict[str, Any]:
    return {
        "amount": {"currency": request.currency, "value": request.amount_minor},
        "paymentMethod": {"type": "WALLET"},
        "reference": reference_for(request.payment_id),
        "returnUrl": request.return_url,
        "userFlow": "WEB_REDIRECT",
        "paymentDescription": request.description[:DESCRIPTION_MAX],
    }


def created(msn: str, request: CreatePayment, response: dict[str, Any]) -> ProviderPayment:
    """The answer to ``POST /v1/payments`` (``{redirectUrl, reference}``)."""
    return ProviderPayment(
        payment_id=request.payment_id,
        reference=handle(msn, str(response["reference"])),
        status=PaymentStatus.INITIATED,
        amount_minor=request.amount_minor,
        currency=request.currency,
        redirect_url=str(response["redirectUrl"]),
        raw=response,
    )


def _value(aggregate: dict[str, Any], name: str) -> int:
    amount = aggregate.get(name) or {}
    return int(amount.get("value") or 0)


def needs_capture(payload: dict[str, Any]) -> bool:
    """Authorised, with nothing captured or cancelled yet: betal captures the full amount."""
    aggregate = payload.get("aggregate") or {}
    return (
        payload.get("state") == "AUTHORIZED"
        and _value(aggregate, "capturedAmount") == 0
        and _value(aggregate, "cancelledAmount") == 0
    )


def capture_body(payload: dict[str, Any]) -> dict[str, Any]:
    aggregate = payload.get("aggregate") or {}
    amount = aggregate.get("authorizedAmount") or payload["amount"]
    return {"modificationAmount": {"currency": amount["currency"], "value": int(amount["value"])}}


def refund_body(request: CreateRefund) -> dict[str, Any]:
    return {"modificationAmount": {"currency": request.currency, "value": request.amount_minor}}


def status_of(payload: dict[str, Any]) -> tuple[PaymentStatus, str | None]:
    state = str(payload.get("state"))
    if state == "CREATED":
        return PaymentStatus.INITIATED, None
    if state in ("ABORTED", "TERMINATED"):
        return PaymentStatus.CANCELLED, REASONS[state]
    if state == "EXPIRED":
        return PaymentStatus.FAILED, REASONS[state]
    if state != "AUTHORIZED":
        raise ProviderRejected(f"unknown MobilePay state {state!r}")
    aggregate = payload.get("aggregate") or {}
    authorized = _value(aggregate, "authorizedAmount")
    captured = _value(aggregate, "capturedAmount")
    if captured > 0 and captured >= authorized - _value(aggregate, "cancelledAmount"):
        return PaymentStatus.SUCCEEDED, None
    if captured == 0 and _value(aggregate, "cancelledAmount") >= authorized > 0:
        return PaymentStatus.CANCELLED, "the authorisation was cancelled"
    return PaymentStatus.PENDING, None


def to_provider_payment(msn: str, payload: dict[str, Any]) -> ProviderPayment:
    """``GET /v1/payments/{reference}`` (or a capture/refund/cancel answer) as the port's result."""
    reference = str(payload["reference"])
    status, reason = status_of(payload)
    amount = payload.get("amount") or (payload.get("aggregate") or {}).get("authorizedAmount") or {}
    return ProviderPayment(
        payment_id=payment_id_for(reference),
        reference=handle(msn, reference),
        status=status,
        amount_minor=int(amount.get("value") or 0),
        currency=str(amount.get("currency") or ""),
        failure_reason=reason,
        raw=payload,
    )
