"""The card acquirer simulator's hosted payment page under ``/sandbox/card/pay/{paymentId}``.

Protocol (docs/providers/card.md), the hosted payment page of Nets Easy (developer.nexigroup.com/
nexi-checkout) and Stripe Checkout (docs.stripe.com/payments/checkout): the payer types the card here, at
the acquirer, never at betal; the form posts back to this page. Only brand, last four digits and expiry
are kept, never the number or the CVC. A test card (``betal.sandbox.card.DECLINES``) is captured or
declined at once, then the payer goes to ``returnUrl`` (``cancelUrl`` when cancelled) and the signed
callback follows (``betal.sandbox.card.notify``).
"""

from __future__ import annotations

import hmac
from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from betal.bootstrap import Container
from betal.sandbox._support import Refusal, answers, form_token, render_page, sandbox_only
from betal.sandbox.card import DECLINES, PROVIDER, brand, cancelled, change, check_card, load, notify

router = APIRouter(
    prefix=f"/sandbox/{PROVIDER}", include_in_schema=False, dependencies=[Depends(sandbox_only)]
)


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
        doc = change(request, payment_id, cancelled)
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
