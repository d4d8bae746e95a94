"""The MobilePay simulator's "MobilePay app" under ``/sandbox/mobilepay/app/{reference}``: the screen where
the payer approves or rejects a payment the shop created with the ePayment API.

Protocol: developer.vippsmobilepay.com/api/epayment (v1), the ``WEB_REDIRECT`` user flow: the shop sends
the payer to ``redirectUrl``; approving reserves the amount (``AUTHORIZED``), rejecting ends the payment
(``ABORTED``); either way the payer returns to the shop's ``returnUrl`` and the signed callback follows
(``betal.sandbox._mobilepay.notify``). Sandbox convention (docs/providers/mobilepay.md): any Danish mobile
number approves.
"""

from __future__ import annotations

import hmac
import re
from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from betal.bootstrap import Container
from betal.sandbox._mobilepay import PROVIDER, load, notify, problem, psp
from betal.sandbox._support import answers, form_token, render_page, sandbox_only

router = APIRouter(
    prefix=f"/sandbox/{PROVIDER}", include_in_schema=False, dependencies=[Depends(sandbox_only)]
)
PHONE = re.compile(r"^(\+?45)?[0-9]{8}$")


@router.get("/app/{reference}", name="mobilepay_app")
@answers
def app_page(reference: str, request: Request, background: BackgroundTasks) -> Response:
    doc = load(request, reference, None, background)
    return _app(request, doc)


def _app(request: Request, doc: dict[str, Any], *, error: str | None = None, phone: str = "") -> Response:
    context = {"payment": doc, "error": error, "phone": phone, "token": form_token(request, doc["reference"])}
    return render_page(request, "sandbox/mobilepay/app.html", context, status=422 if error else 200)


@router.post("/app/{reference}")
@answers
def app_decision(
    reference: str,
    request: Request,
    background: BackgroundTasks,
    decision: Literal["approve", "reject"] = Form(),
    token: str = Form(),
    phone: str = Form(""),
) -> Response:
    container: Container = request.app.state.container
    doc = load(request, reference, None, background)
    if not hmac.compare_digest(token, form_token(request, reference)):
        raise problem(403, "Forbidden", "The form has expired; open the payment again")
    clean = re.sub(r"[\s-]", "", phone)
    if doc["state"] == "CREATED" and decision == "approve" and not PHONE.match(clean):
        return _app(request, doc, error="phone", phone=phone)
    target = "AUTHORIZED" if decision == "approve" else "ABORTED"

    def decide(d: dict[str, Any]) -> dict[str, Any]:
        if d["state"] != "CREATED":
            return d
        agg = d["aggregate"] | {"authorizedAmount": d["amount"]} if target == "AUTHORIZED" else d["aggregate"]
        return d | {"state": target, "aggregate": agg, "pspReference": psp()}

    updated = container.sandbox_store().update(PROVIDER, f"payment:{reference}", decide) or doc
    if doc["state"] == "CREATED" and updated["state"] == target:
        notify(background, container, updated, target)
    return RedirectResponse(updated["returnUrl"], status_code=303)
