"""The MobilePay simulator under ``/sandbox/mobilepay``: the ePayment API, its access tokens and webhook
registrations. The "MobilePay app" page where the payer approves or rejects is ``mobilepay_app``; the
payment documents, refusals and signed callbacks both use are in ``_mobilepay``.

Protocol: developer.vippsmobilepay.com/api/epayment (v1), /api/access-token, /api/webhooks; standards
§8.1. Like the real service it answers errors as RFC 7807 with ``extraDetails``, honours
``Idempotency-Key`` (the same key answers the same response) and keeps ``CAPTURED``/``REFUNDED`` out of
``state`` (money moves in ``aggregate``). Sandbox conventions (docs/providers/mobilepay.md): the fixed
credentials below; webhook secrets derived from ``BETAL_SECRET_KEY`` and the URL; a payment nobody acts
on for ``PAYMENT_TIMEOUT`` becomes ``EXPIRED`` when it is next read.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError
from pydantic.alias_generators import to_camel

from betal.bootstrap import Container
from betal.sandbox._mobilepay import PROVIDER, load, notify, problem, psp
from betal.sandbox._support import Operation, answers, body_of, derived_secret, mac, once, put, sandbox_only

router = APIRouter(prefix="/sandbox/mobilepay", include_in_schema=False, dependencies=[Depends(sandbox_only)])
CLIENT_ID = "betal-sandbox-client"
CLIENT_SECRET = "betal-sandbox-client-secret"
SUBSCRIPTION_KEY = "betal-sandbox-subscription-key"
TOKEN_SECONDS = 3600
PAYMENT_TIMEOUT = timedelta(minutes=5)


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Amount(_Body):
    currency: Literal["DKK", "NOK", "EUR"]
    value: StrictInt = Field(gt=0)


class PaymentMethod(_Body):
    type: Literal["WALLET", "CARD"]


class NewPayment(_Body):
    amount: Amount
    payment_method: PaymentMethod
    reference: str = Field(pattern=r"^[a-zA-Z0-9-]{8,64}$")
    return_url: str = Field(pattern=r"^https?://", max_length=2000)
    user_flow: Literal["WEB_REDIRECT", "NATIVE_REDIRECT", "PUSH_MESSAGE", "QR"]
    payment_description: str | None = Field(default=None, max_length=100)


class Modification(_Body):
    modification_amount: Amount


class NewWebhook(_Body):
    url: str = Field(pattern=r"^https?://", max_length=2000)
    events: list[str] = Field(min_length=1)


def parse(model: type[_Body], raw: bytes) -> Any:
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        extra = [
            {"name": ".".join(str(p) for p in e["loc"]) or "body", "reason": e["msg"]} for e in exc.errors()
        ]
        raise problem(400, "Bad Request", "The request body is invalid", extra) from None


def _merchant(request: Request) -> str:
    msn = request.headers.get("Merchant-Serial-Number", "")
    if request.headers.get("Ocp-Apim-Subscription-Key") != SUBSCRIPTION_KEY:
        raise problem(401, "Unauthorized", "Missing or wrong Ocp-Apim-Subscription-Key")
    if not re.fullmatch(r"[0-9]{4,10}", msn):
        raise problem(400, "Bad Request", "", [{"name": "Merchant-Serial-Number", "reason": "required"}])
    return msn


def authorise(request: Request) -> str:
    """The merchant serial number of a call with a valid bearer token for it."""
    msn = _merchant(request)
    expires, _, signature = request.headers.get("Authorization", "").removeprefix("Bearer ").partition(".")
    container: Container = request.app.state.container
    valid = expires.isdigit() and hmac.compare_digest(signature, mac(container, f"token:{msn}:{expires}"))
    if not valid or int(expires) < container.clock.now().timestamp():
        raise problem(401, "Unauthorized", "The access token is missing, invalid or expired")
    return msn


@router.post("/accesstoken/get")
@answers
def access_token(request: Request) -> Response:
    msn = _merchant(request)
    if (request.headers.get("client_id"), request.headers.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
        raise problem(401, "Unauthorized", "Wrong client_id or client_secret")
    container: Container = request.app.state.container
    expires = str(int(container.clock.now().timestamp()) + TOKEN_SECONDS)
    token = f"{expires}.{mac(container, f'token:{msn}:{expires}')}"
    body = {
        "token_type": "Bearer",
        "expires_in": str(TOKEN_SECONDS),
        "expires_on": expires,
        "access_token": token,
    }
    return JSONResponse(body)


def idempotent(request: Request, msn: str, operation: Operation) -> Response:
    """Run ``operation`` once per Idempotency-Key; a repeated key answers the stored response."""
    key = request.headers.get("Idempotency-Key", "")
    if not re.fullmatch(r"[a-zA-Z0-9-]{1,50}", key):
        raise problem(
            400, "Bad Request", "", [{"name": "Idempotency-Key", "reason": "required, [a-zA-Z0-9-]{1,50}"}]
        )
    busy = problem(409, "Conflict", "A request with this Idempotency-Key is in progress")
    scope = f"{msn}|{request.url.path}|{key}"
    return once(request.app.state.container, PROVIDER, scope, operation, busy)


def view(doc: dict[str, Any]) -> dict[str, Any]:
    keys = ("reference", "state", "amount", "aggregate", "pspReference", "paymentMethod", "redirectUrl")
    return {k: doc[k] for k in keys} | {"profile": {}}


def _money(currency: str, value: int = 0) -> dict[str, Any]:
    return {"currency": currency, "value": value}


@router.post("/epayment/v1/payments")
@answers
def create_payment(request: Request, background: BackgroundTasks, raw: bytes = Depends(body_of)) -> Response:
    msn = authorise(request)
    container: Container = request.app.state.container

    def create() -> tuple[int, dict[str, Any]]:
        data = parse(NewPayment, raw)
        store = container.sandbox_store()
        if store.get(PROVIDER, f"payment:{data.reference}") is not None:
            raise problem(409, "Conflict", "", [{"name": "reference", "reason": "already used"}])
        now, currency = container.clock.now(), data.amount.currency
        redirect = str(request.url_for("mobilepay_app", reference=data.reference))
        doc = {
            "reference": data.reference,
            "msn": msn,
            "state": "CREATED",
            "amount": data.amount.model_dump(),
            "aggregate": {
                f"{k}Amount": _money(currency) for k in ("authorized", "captured", "refunded", "cancelled")
            },
            "pspReference": psp(),
            "paymentMethod": data.payment_method.model_dump(),
            "redirectUrl": redirect,
            "returnUrl": data.return_url,
            "description": data.payment_description or "",
            "expiresAt": (now + PAYMENT_TIMEOUT).isoformat(),
        }
        store.create(PROVIDER, "payment", f"payment:{data.reference}", doc)
        notify(background, container, doc, "CREATED")
        return 201, {"redirectUrl": redirect, "reference": data.reference}

    return idempotent(request, msn, create)


@router.get("/epayment/v1/payments/{reference}")
@answers
def get_payment(reference: str, request: Request, background: BackgroundTasks) -> Response:
    return JSONResponse(view(load(request, reference, authorise(request), background)))


def _adjust(doc: dict[str, Any], action: str, value: int) -> tuple[dict[str, Any], str]:
    """The payment after ``action`` of ``value``, and the event it raises (or a refusal)."""
    state, agg = doc["state"], {k: dict(v) for k, v in doc["aggregate"].items()}
    captured, refunded = agg["capturedAmount"]["value"], agg["refundedAmount"]["value"]
    open_value = agg["authorizedAmount"]["value"] - captured - agg["cancelledAmount"]["value"]
    if action == "cancel" and state == "CREATED":
        return doc | {"state": "TERMINATED"}, "TERMINATED"
    if state != "AUTHORIZED":
        title = "Cannot capture before reservation" if state == "CREATED" else f"The payment is {state}"
        raise problem(400, title, "", [{"name": "state", "reason": state}])
    if action == "cancel":
        if captured > 0 or open_value == 0:
            raise problem(
                400, "Cannot cancel a captured payment", "", [{"name": "state", "reason": "CAPTURED"}]
            )
        agg["cancelledAmount"]["value"] += open_value
    else:
        limit = open_value if action == "capture" else captured - refunded
        if not 0 < value <= limit:
            reason = f"at most {limit} can be {action.removesuffix('e')}ed"
            raise problem(400, "Bad Request", "", [{"name": "modificationAmount.value", "reason": reason}])
        agg["capturedAmount" if action == "capture" else "refundedAmount"]["value"] += value
    event = {"capture": "CAPTURED", "refund": "REFUNDED", "cancel": "CANCELLED"}[action]
    return doc | {"aggregate": agg}, event


def modify(
    request: Request, reference: str, action: str, raw: bytes, background: BackgroundTasks
) -> Response:
    msn = authorise(request)
    container: Container = request.app.state.container

    def run() -> tuple[int, dict[str, Any]]:
        doc = load(request, reference, msn, background)
        amount = None if action == "cancel" else parse(Modification, raw).modification_amount
        if amount is not None and amount.currency != doc["amount"]["currency"]:
            extra = [{"name": "modificationAmount.currency", "reason": "not the payment's currency"}]
            raise problem(400, "Bad Request", "", extra)
        events: list[str] = []

        def change(d: dict[str, Any]) -> dict[str, Any]:
            changed, event = _adjust(d, action, 0 if amount is None else amount.value)
            events.append(event)
            return changed | {"pspReference": psp()}

        doc = container.sandbox_store().update(PROVIDER, f"payment:{reference}", change) or doc
        notify(background, container, doc, events[-1], None if amount is None else amount.model_dump())
        keys = ("amount", "state", "aggregate", "pspReference", "reference")
        return 200, {k: doc[k] for k in keys}

    return idempotent(request, msn, run)


@router.post("/epayment/v1/payments/{reference}/{action}")
@answers
def modify_payment(
    reference: str,
    action: Literal["capture", "refund", "cancel"],
    request: Request,
    background: BackgroundTasks,
    raw: bytes = Depends(body_of),
) -> Response:
    return modify(request, reference, action, raw, background)


@router.get("/webhooks/v1/webhooks")
@answers
def list_webhooks(request: Request) -> Response:
    msn = authorise(request)
    hooks = request.app.state.container.sandbox_store().list(PROVIDER, "webhook")
    mine = [{k: h[k] for k in ("id", "url", "events")} for h in hooks if h["msn"] == msn]
    return JSONResponse({"webhooks": mine})


@router.post("/webhooks/v1/webhooks")
@answers
def register_webhook(request: Request, raw: bytes = Depends(body_of)) -> Response:
    msn = authorise(request)
    container: Container = request.app.state.container

    def register() -> tuple[int, dict[str, Any]]:
        data = parse(NewWebhook, raw)
        hook_id = "webhook:" + hashlib.sha256(f"{msn}|{data.url}".encode()).hexdigest()[:32]
        hook = {"id": hook_id, "msn": msn, "url": data.url, "events": data.events}
        put(container, PROVIDER, "webhook", hook_id, hook)
        return 201, {"id": hook_id, "secret": derived_secret(container, data.url)}

    return idempotent(request, msn, register)
