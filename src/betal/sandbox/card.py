"""The card acquirer simulator under ``/sandbox/card``: a hosted-payment-page API and the page itself.

Protocol (docs/providers/card.md), the common shape of Nets Easy (developer.nexigroup.com/nexi-checkout)
and Stripe Checkout (docs.stripe.com/api): ``POST /v1/payments`` (bearer secret key, ``Idempotency-Key``)
answers ``{paymentId, hostedPaymentPageUrl, status}``; ``GET /v1/payments/{id}``; ``POST .../refunds``
and ``.../cancel``; ``POST /v1/webhook-endpoints`` registers a callback URL and issues its secret.
Approved payments are captured at once. Callbacks carry ``Card-Signature: t=<unix>,v1=<hex
HMAC-SHA256 of "{t}.{body}">``. The card form posts here, to the acquirer, never to betal; only brand,
last four digits and expiry are kept, never the number or the CVC. Test cards: 4111 1111 1111 1111
approved, 4000 0000 0000 0002 declined, 4000 0000 0000 9995 insufficient funds.

The first part (page rendering, anti-forgery tokens, idempotency, derived webhook secrets) is shared
with the MobilePay simulator; the simulators are the outside world, so they render with their own
Jinja environment over the portal's templates and catalogues and never import betal's web layer.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any, Literal, ParamSpec

import httpx
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from fastapi import APIRouter, BackgroundTasks, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError
from pydantic.alias_generators import to_camel
from sqlalchemy.exc import IntegrityError
from stdnum import luhn

from betal.bootstrap import Container

WEB = Path(__file__).resolve().parents[1] / "web"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self' "
    "http: https:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
P = ParamSpec("P")


@functools.cache
def _environment(language: str) -> Environment:
    translations = NullTranslations()
    if language != "en":
        with (WEB / "i18n" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
            buffer = BytesIO()
            write_mo(buffer, read_po(po, locale=language))
        buffer.seek(0)
        translations = Translations(fp=buffer)
    env = Environment(
        loader=FileSystemLoader(WEB / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(language=language, static_url=_static_url)
    env.filters["money"] = money
    return env


@functools.cache
def _static_url(path: str) -> str:
    return f"/app/static/{path}?v={hashlib.sha256((WEB / 'static' / path).read_bytes()).hexdigest()[:12]}"


def money(value: int, currency: str) -> str:
    """Minor units as Danish text: ``123450, "DKK"`` -> ``1.234,50 kr.``."""
    kroner, ore = divmod(value, 100)
    return f"{kroner:,}".replace(",", ".") + f",{ore:02d} " + ("kr." if currency == "DKK" else currency)


def render_page(request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> Response:
    """A simulator page in the portal's language (cookie ``betal_lang``; Danish by default)."""
    language = "en" if request.cookies.get("betal_lang") == "en" else "da"
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    values = {"request": request, "current_path": path, **context}
    html = _environment(language).get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def sandbox_only(request: Request) -> Container:
    container: Container = request.app.state.container
    if not container.settings.is_sandbox:
        raise HTTPException(404)  # a live installation has no simulators
    return container


def form_token(request: Request, object_id: str) -> str:
    """The simulator's own anti-forgery token for a page's form (the page belongs to the provider)."""
    key = request.app.state.container.settings.secret_key.encode()
    return hmac.new(key, f"sandbox-form:{request.url.path}:{object_id}".encode(), hashlib.sha256).hexdigest()


def derived_secret(container: Container, url: str) -> str:
    """The webhook secret issued for ``url``, derived from ``BETAL_SECRET_KEY`` so betal derives the same
    without storing it: ``base64url(HMAC-SHA256(key, "betal-sandbox-webhook:" + url))`` (sandbox only)."""
    key = container.settings.secret_key.encode()
    digest = hmac.new(key, f"betal-sandbox-webhook:{url}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def body_of(request: Request) -> bytes:
    return await request.body()


class Refusal(Exception):
    """Stop a simulator route with this response (the provider's own error shape)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def answers(route: Callable[P, Response]) -> Callable[P, Response]:
    @functools.wraps(route)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return route(*args, **kwargs)
        except Refusal as refusal:
            return refusal.response

    return wrapper


Operation = Callable[[], tuple[int, dict[str, Any]]]


def once(container: Container, provider: str, scope: str, operation: Operation, busy: Refusal) -> Response:
    """Run ``operation`` once per idempotency ``scope``: a repeated key, even a concurrent one, answers
    the stored response. A refused operation stores nothing, so the caller may fix it and retry."""
    store, object_id = container.sandbox_store(), "idem:" + hashlib.sha256(scope.encode()).hexdigest()
    claimed: list[bool] = []

    def claim(doc: dict[str, Any]) -> dict[str, Any]:
        claimed.append(doc["state"] == "free")
        return {"state": "running"} if doc["state"] == "free" else doc

    if store.update(provider, object_id, claim) is None:
        try:
            store.create(provider, "idempotency", object_id, {"state": "running"})
            claimed.append(True)
        except IntegrityError:  # a concurrent twin claimed it first
            claimed.append(False)
    if not claimed[-1]:
        return _replay(container, provider, object_id, busy)
    try:
        status, body = operation()
    except BaseException:
        store.update(provider, object_id, lambda _doc: {"state": "free"})
        raise
    store.update(provider, object_id, lambda _doc: {"state": "done", "status": status, "body": body})
    return JSONResponse(body, status_code=status)


def _replay(container: Container, provider: str, object_id: str, busy: Refusal) -> Response:
    """The stored response, once the twin request that claimed the key has finished (or ``busy``)."""
    deadline = time.monotonic() + 10
    doc = container.sandbox_store().get(provider, object_id) or {}
    while doc.get("state") == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
        doc = container.sandbox_store().get(provider, object_id) or {}
    if doc.get("state") != "done":
        raise busy
    return JSONResponse(doc["body"], status_code=doc["status"])


# --- the acquirer ------------------------------------------------------------------------------------

router = APIRouter(prefix="/sandbox/card", include_in_schema=False, dependencies=[Depends(sandbox_only)])
log = logging.getLogger("betal.sandbox.card")
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


def _cancelled(doc: dict[str, Any]) -> dict[str, Any]:
    if doc["status"] not in ("CREATED", "AUTHORIZED"):
        raise error(409, "payment_not_cancellable", f"A {doc['status']} payment cannot be cancelled")
    return doc | {"status": "CANCELLED"}


@router.post("/v1/payments/{payment_id}/cancel")
@answers
def cancel(payment_id: str, request: Request, background: BackgroundTasks) -> Response:
    container = authorise(request)

    def run() -> tuple[int, dict[str, Any]]:
        doc = change(request, payment_id, _cancelled)
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
        store = container.sandbox_store()
        if store.update(PROVIDER, f"endpoint:{hook['id']}", lambda d: d | hook) is None:
            store.create(PROVIDER, "endpoint", f"endpoint:{hook['id']}", hook)
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
            background.add_task(deliver, container, hook["url"], event)


def deliver(container: Container, url: str, event: dict[str, Any]) -> None:
    body = json.dumps(event).encode()
    stamp = str(int(container.clock.now().timestamp()))
    mac = hmac.new(derived_secret(container, url).encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    headers = {"Content-Type": "application/json", "Card-Signature": f"t={stamp},v1={mac.hexdigest()}"}
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        log.warning("card webhook to %s failed: %s", url, exc.__class__.__name__)
        return
    if response.status_code >= 300:
        log.warning("card webhook to %s answered %s", url, response.status_code)


# --- the hosted payment page -------------------------------------------------------------------------


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


@router.get("/pay/{payment_id}", name="card_page")
@answers
def page(payment_id: str, request: Request) -> Response:
    return _page(request, load(request, payment_id))


def _page(request: Request, doc: dict[str, Any], problem: str | None = None, **keep: str) -> Response:
    context = {
        "payment": doc,
        "problem": problem,
        "keep": keep,
        "token": form_token(request, doc["paymentId"]),
    }
    return render_page(request, "sandbox/card/pay.html", context, status=422 if problem else 200)


@router.post("/pay/{payment_id}")
@answers
def submit(
    payment_id: str, request: Request, background: BackgroundTasks, token: str = Form(),
    action: Literal["pay", "cancel"] = Form(), number: str = Form(""), expiry: str = Form(""),
    cvc: str = Form(""), name: str = Form(""),
) -> Response:  # fmt: skip
    container: Container = request.app.state.container
    doc = load(request, payment_id)
    if not hmac.compare_digest(token, form_token(request, payment_id)):
        raise Refusal(HTMLResponse("The form has expired; open the payment page again.", status_code=403))
    if doc["status"] != "CREATED":  # paid, declined or cancelled already: back to the shop
        return RedirectResponse(doc["cancelUrl" if doc["status"] == "CANCELLED" else "returnUrl"], 303)
    if action == "cancel":
        doc = change(request, payment_id, _cancelled)
        notify(background, container, "payment.cancelled", doc)
        return RedirectResponse(doc["cancelUrl"], status_code=303)
    checked = check_card(number, expiry, cvc, name, container.clock.now())
    if isinstance(checked, str):  # never echo the number or the CVC back
        return _page(request, doc, checked, expiry=expiry, name=name)
    digits, month, year = checked
    card = {"brand": brand(digits), "last4": digits[-4:], "expiryMonth": month, "expiryYear": year}
    reason = DECLINES[digits]
    outcome = {"status": "DECLINED", "declineReason": reason} if reason else {"status": "CAPTURED"}

    def settle(d: dict[str, Any]) -> dict[str, Any]:
        if d["status"] != "CREATED":
            return d
        return d | outcome | {"card": card, "capturedAmount": 0 if reason else d["amount"]}

    doc = change(request, payment_id, settle)
    notify(background, container, "payment.declined" if reason else "payment.captured", doc)
    return RedirectResponse(doc["returnUrl"], status_code=303)
