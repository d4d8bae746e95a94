"""The card acquirer simulator under ``/sandbox/card``: a hosted-payment-page API (the page is ``card_page``).

Protocol (docs/providers/card.md), the common shape of Nets Easy (developer.nexigroup.com/nexi-checkout)
and Stripe Checkout (docs.stripe.com/api): ``POST /v1/payments`` (bearer secret key, ``Idempotency-Key``)
answers ``{paymentId, hostedPaymentPageUrl, status}``; ``GET /v1/payments/{id}``; ``POST .../refunds``
and ``.../cancel``; ``POST /v1/webhook-endpoints`` registers a callback URL and issues its secret.
Approved payments are captured at once. Callbacks carry ``Card-Signature: t=<unix>,v1=<hex
HMAC-SHA256 of "{t}.{body}">``. The card form posts here, to the acquirer, never to betal; only brand,
last four digits and expiry are kept, never the number or the CVC. Test cards: 4111 1111 1111 1111
approved, 4000 0000 0000 0002 declined, 4000 0000 0000 9995 insufficient funds.

Page rendering, anti-forgery tokens, idempotent replay, derived webhook secrets and callback delivery
come from ``betal.sandbox._support``, shared with the other simulators.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

import httpx
from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError
from pydantic.alias_generators import to_camel
from stdnum import luhn

from betal.bootstrap import Container
from betal.sandbox._support import (
    Operation,
    Refusal,
    answers,
    body_of,
    deliver,
    derived_secret,
    once,
    put,
    sandbox_only,
)
from betal.sandbox._support import money as money  # the hosted page's amount format

# --- the acquirer ------------------------------------------------------------------------------------

router = APIRouter(prefix="/sandbox/card", include_in_schema=False, dependencies=[Depends(sandbox_only)])
PROVIDER = "card"
SECRET_KEY = "sk_sandbox_betal"
DECLINES = {
    "4111111111111111": None,
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}
EVENTS = ("payment.captured", "payment.declined", "payment.cancelled", "payment.refunded")


def error(status: int, code: str, message: str, param: str | None = None) -> Refusal:
    kind = "invalid_request_error" if status < 500 else "api_error"
    body = {"error": {"type": kind, "code": code, "message": message, "param": param}}
    return Refusal(JSONResponse(body, status_code=status))


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class NewPayment(_Body):
    amount: StrictInt = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    reference: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=200)
    return_url: str = Field(pattern=r"^https?://", max_length=2000)
    cancel_url: str = Field(pattern=r"^https?://", max_length=2000)
    merchant_id: str = Field(pattern=r"^[A-Za-z0-9-]{3,40}$")


class NewRefund(_Body):
    amount: StrictInt = Field(gt=0)


class NewEndpoint(_Body):
    url: str = Field(pattern=r"^https?://", max_length=2000)
    events: list[Literal[EVENTS]] = Field(min_length=1)  # type: ignore[valid-type]


def parse(model: type[_Body], raw: bytes) -> Any:
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        first = exc.errors()[0]
        raise error(
            400, "parameter_invalid", first["msg"], ".".join(map(str, first["loc"])) or None
        ) from None


def authorise(request: Request) -> Container:
    if not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {SECRET_KEY}"):
        raise error(401, "unauthorized", "Invalid API key: send Authorization: Bearer <secret key>")
    container: Container = request.app.state.container
    return container


def idempotent(request: Request, operation: Operation) -> Response:
    key = request.headers.get("Idempotency-Key", "")
    if not 0 < len(key) <= 255:
        raise error(400, "idempotency_key_missing", "Send an Idempotency-Key header", "Idempotency-Key")
    busy = error(409, "idempotency_key_in_use", "A request with this Idempotency-Key is in progress")
    return once(request.app.state.container, PROVIDER, f"{request.url.path}|{key}", operation, busy)


def view(doc: dict[str, Any]) -> dict[str, Any]:
    keys = ("paymentId", "status", "amount", "currency", "capturedAmount", "refundedAmount", "reference")
    return {k: doc[k] for k in (*keys, "description", "merchantId", "card", "declineReason", "created")}


def load(request: Request, payment_id: str) -> dict[str, Any]:
    doc = request.app.state.container.sandbox_store().get(PROVIDER, f"payment:{payment_id}")
    if doc is None:
        raise error(404, "resource_missing", f"No such payment: {payment_id}", "paymentId")
    return dict(doc)


def change(
    request: Request, payment_id: str, fn: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """Apply ``fn`` to the payment under the store's row lock (``fn`` may raise a ``Refusal``)."""
    updated = request.app.state.container.sandbox_store().update(PROVIDER, f"payment:{payment_id}", fn)
    if updated is None:
        raise error(404, "resource_missing", f"No such payment: {payment_id}", "paymentId")
    return dict(updated)


@router.post("/v1/payments")
@answers
def create_payment(request: Request, raw: bytes = Depends(body_of)) -> Response:
    container = authorise(request)

    def create() -> tuple[int, dict[str, Any]]:
        data = parse(NewPayment, raw)
        payment_id = secrets.token_hex(16)
        page = str(request.url_for("card_page", payment_id=payment_id))
        doc = data.model_dump(by_alias=True) | {
            "paymentId": payment_id, "status": "CREATED", "capturedAmount": 0, "refundedAmount": 0,
            "card": None, "declineReason": None, "created": int(container.clock.now().timestamp()),
        }  # fmt: skip
        container.sandbox_store().create(PROVIDER, "payment", f"payment:{payment_id}", doc)
        return 201, {"paymentId": payment_id, "hostedPaymentPageUrl": page, "status": "CREATED"}

    return idempotent(request, create)


@router.get("/v1/payments/{payment_id}")
@answers
def get_payment(payment_id: str, request: Request) -> Response:
    authorise(request)
    return JSONResponse(view(load(request, payment_id)))


@router.post("/v1/payments/{payment_id}/refunds")
@answers
def refund(
    payment_id: str, request: Request, background: BackgroundTasks, raw: bytes = Depends(body_of)
) -> Response:
    container = authorise(request)

    def run() -> tuple[int, dict[str, Any]]:
        amount = parse(NewRefund, raw).amount

        def apply(doc: dict[str, Any]) -> dict[str, Any]:
            left = doc["capturedAmount"] - doc["refundedAmount"]
            if doc["status"] not in ("CAPTURED", "PARTIALLY_REFUNDED") or amount > left:
                raise error(409, "refund_not_allowed", f"At most {max(left, 0)} can be refunded", "amount")
            refunded = doc["refundedAmount"] + amount
            status = "REFUNDED" if refunded == doc["capturedAmount"] else "PARTIALLY_REFUNDED"
            return doc | {"refundedAmount": refunded, "status": status}

        doc = change(request, payment_id, apply)
        notify(background, container, "payment.refunded", doc, refundAmount=amount)
        refund_id = "re_" + secrets.token_hex(12)
        return 201, {"refundId": refund_id, "paymentId": payment_id, "amount": amount, "status": "SUCCEEDED"}

    return idempotent(request, run)


def cancelled(doc: dict[str, Any]) -> dict[str, Any]:
    """The payment cancelled (a refusal unless it is still open)."""
    if doc["status"] not in ("CREATED", "AUTHORIZED"):
        raise error(409, "payment_not_cancellable", f"A {doc['status']} payment cannot be cancelled")
    return doc | {"status": "CANCELLED"}


@router.post("/v1/payments/{payment_id}/cancel")
@answers
def cancel(payment_id: str, request: Request, background: BackgroundTasks) -> Response:
    container = authorise(request)

    def run() -> tuple[int, dict[str, Any]]:
        doc = change(request, payment_id, cancelled)
        notify(background, container, "payment.cancelled", doc)
        return 200, view(doc)

    return idempotent(request, run)


@router.get("/v1/webhook-endpoints")
@answers
def list_endpoints(request: Request) -> Response:
    hooks = authorise(request).sandbox_store().list(PROVIDER, "endpoint")
    return JSONResponse({"data": [{k: h[k] for k in ("id", "url", "events")} for h in hooks]})


@router.post("/v1/webhook-endpoints")
@answers
def create_endpoint(request: Request, raw: bytes = Depends(body_of)) -> Response:
    container = authorise(request)

    def run() -> tuple[int, dict[str, Any]]:
        data = parse(NewEndpoint, raw)
        hook = {"id": "we_" + hashlib.sha256(data.url.encode()).hexdigest()[:24], "url": data.url}
        hook["events"] = data.events
        put(container, PROVIDER, "endpoint", f"endpoint:{hook['id']}", hook)
        return 201, hook | {"secret": derived_secret(container, data.url)}

    return idempotent(request, run)


def notify(
    background: BackgroundTasks, container: Container, kind: str, doc: dict[str, Any], **extra: Any
) -> None:
    """Queue the signed event to every endpoint registered for ``kind`` (sent after the response)."""
    created = int(container.clock.now().timestamp())
    event = {
        "id": "evt_" + secrets.token_hex(12),
        "type": kind,
        "created": created,
        "data": view(doc) | extra,
    }
    for hook in container.sandbox_store().list(PROVIDER, "endpoint"):
        if kind in hook["events"]:
            background.add_task(send, container, hook["url"], event)


def send(container: Container, url: str, event: dict[str, Any]) -> None:
    """POST ``event`` signed with ``Card-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">``."""
    body = json.dumps(event).encode()
    stamp = str(int(container.clock.now().timestamp()))
    mac = hmac.new(derived_secret(container, url).encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    headers = {"Content-Type": "application/json", "Card-Signature": f"t={stamp},v1={mac.hexdigest()}"}
    deliver(PROVIDER, httpx.Request("POST", url, content=body, headers=headers))


# --- the test cards ----------------------------------------------------------------------------------------


def brand(number: str) -> str:
    if number.startswith(("4571", "5019")):
        return "dankort"
    if number.startswith(("34", "37")):
        return "amex"
    return "visa" if number.startswith("4") else "mastercard" if number[:1] in "25" else "unknown"


def check_card(number: str, expiry: str, cvc: str, name: str, now: datetime) -> tuple[str, int, int] | str:
    """``(digits, month, year)`` of a usable test card, or the key of the problem the page shows."""
    digits = re.sub(r"[\s-]", "", number)
    match = re.fullmatch(r"(\d{1,2})\s*/\s*(\d{2}|\d{4})", expiry.strip())
    if not (digits.isdigit() and 12 <= len(digits) <= 19 and luhn.is_valid(digits)):
        return "number"
    if match is None or not 1 <= int(match[1]) <= 12:
        return "expiry"
    month, year = int(match[1]), int(match[2]) % 100 + 2000
    if (year, month) < (now.year, now.month):
        return "expired"
    if not re.fullmatch(r"\d{4}" if brand(digits) == "amex" else r"\d{3}", cvc.strip()):
        return "cvc"
    if not name.strip():
        return "name"
    return (digits, month, year) if digits in DECLINES else "not_a_test_card"
