"""betal Sandbox Bank: a Berlin Group NextGenPSD2 PIS bank for the open banking adapter in sandbox mode.

Spec: Berlin Group NextGenPSD2 Implementation Guidelines v1.3.x, §5 "Payment Initiation Service" (redirect
SCA approach), §14.13 transaction status codes, §14.31 ``tppMessages`` error codes;
shared/standards/danish-payments.md §9. Behaviour (docs/providers/openbanking.md "Sandbox"):

- ``POST /v1/payments/{product}`` for ``domestic-credit-transfers-dk`` and ``fi-card-payments-dk``: needs
  ``X-Request-ID`` (a UUID), ``PSU-IP-Address`` and ``TPP-Redirect-URI``; answers 201 ``RCVD`` with
  ``_links.scaRedirect``. The paymentId is derived from the X-Request-ID, so a repeated request returns
  the same payment; the same X-Request-ID with another body is a ``FORMAT_ERROR``.
- ``GET …/{paymentId}/status`` and ``GET …/{paymentId}``; an unknown id is 404 ``RESOURCE_UNKNOWN``.
- ``GET|POST /sca/{paymentId}``: the bank's page (Danish first). Approve instantly (``ACSC``), approve a
  standard transfer (``ACSP``, settled to ``ACSC`` when read on or after its value date, the next weekday,
  or at once by ``POST /admin/settle``), or reject (``RJCT``); then 303 to the TPP-Redirect-URI.

It is the outside world: it keeps its state in the sandbox store and never calls betal's services; its page
renders with the simulators' own Jinja environment (``betal.sandbox._support``).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlsplit

from babel.numbers import format_currency
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from stdnum import iban, luhn

from betal.bootstrap import Container
from betal.sandbox._support import create_once, language_of, render_page, sandbox_only, today

KEY = "openbanking"
PREFIX = f"/sandbox/{KEY}"
A2A, FI = "domestic-credit-transfers-dk", "fi-card-payments-dk"
BANKS = (  # the payer's sandbox banks and accounts offered on the SCA page
    ("Sandbox Nordbank", (("everyday", "DK4990700001234567"), ("savings", "DK6590700007654321"))),
    ("Sandbox Sparekasse", (("everyday", "DK7091800012345678"), ("budget", "DK1291800087654321"))),
    ("Sandbox Andelskasse", (("everyday", "DK6795700011223344"), ("savings", "DK7795700055667788"))),
)
ACCOUNTS = frozenset(number for _, accounts in BANKS for _, number in accounts)
DECISIONS = {"instant": "ACSC", "standard": "ACSP", "reject": "RJCT"}
_NAMESPACE = uuid.UUID("0b7e3a52-8c1d-4f0e-a6b9-5d2c7e1f4a90")
_AMOUNT = re.compile(r"[0-9]{1,14}(\.[0-9]{1,2})?")
_CREDITOR_NUMBER = re.compile(r"[0-9]{8}")
_FIK_ID_LENGTH = {"71": 15, "75": 16}  # standards §1.1
_CSP = "default-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
Problems = list[tuple[str, str]]  # (path, text) of each FORMAT_ERROR


router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(sandbox_only)])


def _error(status: int, code: str, problems: Problems) -> JSONResponse:
    messages = [{"category": "ERROR", "code": code, "text": text} | ({"path": path} if path else {})
                for path, text in problems]  # fmt: skip
    return JSONResponse({"tppMessages": messages}, status_code=status)


# --- Validation of the Berlin Group request ------------------------------------------------------------


def _header_problems(request: Request, *, initiation: bool) -> Problems:
    problems: Problems = []
    headers = request.headers
    try:
        uuid.UUID(headers.get("X-Request-ID", ""))
    except ValueError:
        problems.append(("X-Request-ID", "X-Request-ID must be a UUID"))
    if not initiation:
        return problems
    try:
        ipaddress.ip_address(headers.get("PSU-IP-Address", ""))
    except ValueError:
        problems.append(("PSU-IP-Address", "PSU-IP-Address must be an IP address"))
    redirect = urlsplit(headers.get("TPP-Redirect-URI", ""))
    if redirect.scheme not in ("http", "https") or not redirect.netloc:
        problems.append(("TPP-Redirect-URI", "TPP-Redirect-URI must be an absolute http(s) URL"))
    return problems


def _iban_ok(value: object) -> bool:
    number = value.get("iban") if isinstance(value, dict) else None
    return isinstance(number, str) and number.startswith("DK") and iban.is_valid(number)


def _text_ok(value: object, limit: int) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= limit


def _fik_ok(value: object) -> bool:
    info = value if isinstance(value, dict) else {}
    card_type, _, number = str(info.get("reference", "")).partition("/")
    good_id = _FIK_ID_LENGTH.get(card_type) == len(number) and number.isdigit() and luhn.is_valid(number)
    return good_id and info.get("referenceType") == "FIK"


def _body_problems(product: str, body: object) -> Problems:
    if not isinstance(body, dict):
        return [("", "the body must be a JSON object")]
    instructed = body.get("instructedAmount")
    amount: dict[str, Any] = instructed if isinstance(instructed, dict) else {}
    figure = amount.get("amount")
    creditor, debtor, e2e = (
        body.get(k) for k in ("creditorAccount", "debtorAccount", "endToEndIdentification")
    )
    checks = [
        ("instructedAmount.currency", amount.get("currency") == "DKK", "must be DKK for this product"),
        ("instructedAmount.amount", isinstance(figure, str) and bool(_AMOUNT.fullmatch(figure))
         and Decimal(figure) > 0, 'must be a positive amount in a string, e.g. "125.00"'),
        ("debtorAccount.iban", debtor is None or _iban_ok(debtor), "must be a valid Danish IBAN"),
        ("endToEndIdentification", e2e is None or _text_ok(e2e, 35), "must be 1 to 35 characters"),
    ]  # fmt: skip
    if product == FI:
        bban = str(creditor.get("bban")) if isinstance(creditor, dict) else ""
        checks += [
            ("creditorAccount.bban", bool(_CREDITOR_NUMBER.fullmatch(bban)), "must be an FI creditor number"),
            ("remittanceInformationStructured", _fik_ok(body.get("remittanceInformationStructured")),
             'must be {"reference": "71/<payment id>", "referenceType": "FIK"} with a valid id'),
        ]  # fmt: skip
    else:
        remittance = body.get("remittanceInformationUnstructured")
        checks += [
            ("creditorAccount.iban", _iban_ok(creditor), "must be a valid Danish IBAN"),
            ("creditorName", _text_ok(body.get("creditorName"), 70), "must be 1 to 70 characters"),
            ("remittanceInformationUnstructured", remittance is None or _text_ok(remittance, 140),
             "must be 1 to 140 characters"),
        ]  # fmt: skip
    return [(path, text) for path, ok, text in checks if not ok]


# --- The PIS API ------------------------------------------------------------------------------------------


def _links(container: Container, doc: dict[str, Any]) -> dict[str, Any]:
    path = f"{PREFIX}/v1/payments/{doc['product']}/{doc['paymentId']}"
    sca = f"{container.settings.base_url.rstrip('/')}{PREFIX}/sca/{doc['paymentId']}"
    return {"scaRedirect": {"href": sca}, "self": {"href": path}, "status": {"href": f"{path}/status"}}


def _create(container: Container, product: str, headers: dict[str, str], body: dict[str, Any]) -> Response:
    payment_id = str(uuid.uuid5(_NAMESPACE, headers["x-request-id"].lower()))
    digest = hashlib.sha256(json.dumps([product, body], sort_keys=True).encode()).hexdigest()
    store = container.sandbox_store()
    doc = store.get(KEY, payment_id)
    if doc is None:
        new = {
            "paymentId": payment_id, "product": product, "bodyHash": digest, "payment": body,
            "transactionStatus": "RCVD", "csrf": secrets.token_urlsafe(24), "valueDate": None,
            "redirectUri": headers["tpp-redirect-uri"], "psuIpAddress": headers["psu-ip-address"],
        }  # fmt: skip
        created = create_once(container, KEY, "payment", payment_id, new)
        doc = new if created else store.get(KEY, payment_id) or new  # else a concurrent twin stored it first
    if doc["bodyHash"] != digest:
        return _error(
            400, "FORMAT_ERROR", [("X-Request-ID", "this X-Request-ID was used for another payment")]
        )
    links = _links(container, doc)
    answer = {"transactionStatus": doc["transactionStatus"], "paymentId": payment_id, "_links": links}
    headers = {"Location": links["self"]["href"], "ASPSP-SCA-Approach": "REDIRECT"}
    return JSONResponse(answer, status_code=201, headers=headers)


@router.post("/v1/payments/{product}")
async def initiate_payment(product: str, request: Request) -> Response:
    if product not in (A2A, FI):
        return _error(404, "PRODUCT_UNKNOWN", [("", f"unknown payment product {product}")])
    try:
        body: Any = json.loads(await request.body())
    except ValueError:
        body = None
    problems = _header_problems(request, initiation=True) + _body_problems(product, body)
    if problems:
        return _error(400, "FORMAT_ERROR", problems)
    return await run_in_threadpool(_create, sandbox_only(request), product, dict(request.headers), body)


def _settle(doc: dict[str, Any]) -> dict[str, Any]:
    return doc | {"transactionStatus": "ACSC"} if doc["transactionStatus"] == "ACSP" else doc


def _read(request: Request, product: str, payment_id: str) -> dict[str, Any] | Response:
    """The payment, settled first when it is a standard transfer read on or after its value date."""
    problems = _header_problems(request, initiation=False)
    if problems:
        return _error(400, "FORMAT_ERROR", problems)
    container = sandbox_only(request)
    store = container.sandbox_store()
    doc = store.get(KEY, payment_id)
    if doc is None or doc["product"] != product:
        return _error(404, "RESOURCE_UNKNOWN", [("", f"no payment {payment_id} for product {product}")])
    if doc["transactionStatus"] == "ACSP" and doc["valueDate"] <= today(container).isoformat():
        doc = store.update(KEY, payment_id, _settle) or doc
    return doc


@router.get("/v1/payments/{product}/{payment_id}/status")
def payment_status(product: str, payment_id: str, request: Request) -> Response:
    doc = _read(request, product, payment_id)
    return doc if isinstance(doc, Response) else JSONResponse({"transactionStatus": doc["transactionStatus"]})


@router.get("/v1/payments/{product}/{payment_id}")
def payment_details(product: str, payment_id: str, request: Request) -> Response:
    doc = _read(request, product, payment_id)
    if isinstance(doc, Response):
        return doc
    links = _links(sandbox_only(request), doc)
    return JSONResponse(doc["payment"] | {"transactionStatus": doc["transactionStatus"], "_links": links})


@router.post("/admin/settle")
def settle(request: Request, payment_id: Annotated[str | None, Query(alias="paymentId")] = None) -> Response:
    """Settle standard transfers now (the bank's end-of-day run), or only ``paymentId``."""
    store = sandbox_only(request).sandbox_store()
    due = [d["paymentId"] for d in store.list(KEY, "payment") if d["transactionStatus"] == "ACSP"]
    return JSONResponse(
        {"settled": [p for p in due if payment_id in (None, p) and store.update(KEY, p, _settle)]}
    )


# --- The SCA page -----------------------------------------------------------------------------------------


def _suggested(doc: dict[str, Any]) -> str | None:
    """The debtor account the payee suggested (the payer's last used one)."""
    return (doc["payment"].get("debtorAccount") or {}).get("iban")


def _page(
    request: Request, doc: dict[str, Any] | None, *, status: int = 200, error: str = ""
) -> HTMLResponse:
    amount = None if doc is None else doc["payment"]["instructedAmount"]
    shown = amount and format_currency(
        Decimal(amount["amount"]), amount["currency"], locale=language_of(request)
    )
    suggested = None if doc is None else _suggested(doc)
    context = {"doc": doc, "banks": BANKS, "accounts": ACCOUNTS, "error": error, "amount": shown,
               "suggested": suggested, "current_path": request.url.path}  # fmt: skip
    target = "" if doc is None else " {0.scheme}://{0.netloc}".format(urlsplit(doc["redirectUri"]))
    headers = {"Content-Security-Policy": _CSP + target, "X-Frame-Options": "DENY",
               "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}  # fmt: skip
    return render_page(request, "sandbox/openbanking/sca.html", context, status=status, headers=headers)


@router.get("/sca/{payment_id}")
def sca_page(payment_id: str, request: Request) -> Response:
    doc = sandbox_only(request).sandbox_store().get(KEY, payment_id)
    return _page(request, doc, status=200 if doc else 404)


def _next_weekday(day: date) -> date:
    day += timedelta(days=1)
    return day if day.weekday() < 5 else _next_weekday(day)


def _decide(decision: str, debtor_iban: str, today: date) -> Callable[[dict[str, Any]], dict[str, Any]]:
    value_date = _next_weekday(today) if decision == "standard" else today

    def change(doc: dict[str, Any]) -> dict[str, Any]:
        if doc["transactionStatus"] != "RCVD":
            return doc  # decided already (a double click): the first decision stands
        debtor = {} if decision == "reject" else {"debtorAccount": {"iban": debtor_iban}}
        status, payment = DECISIONS[decision], doc["payment"] | debtor
        return doc | {"transactionStatus": status, "payment": payment, "valueDate": str(value_date)}

    return change


@router.post("/sca/{payment_id}")
def sca_decision(
    payment_id: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    debtor_iban: Annotated[str, Form()] = "",
) -> Response:
    container = sandbox_only(request)
    store = container.sandbox_store()
    doc = store.get(KEY, payment_id)
    if doc is None:
        return _page(request, None, status=404)
    if not hmac.compare_digest(doc["csrf"].encode(), csrf_token.encode()):
        return _page(request, doc, status=403, error="csrf")
    if decision not in DECISIONS:
        return _page(request, doc, status=400, error="decision")
    if decision != "reject" and debtor_iban not in ACCOUNTS | {_suggested(doc)}:
        return _page(request, doc, status=400, error="account")
    store.update(KEY, payment_id, _decide(decision, debtor_iban, today(container)))
    return RedirectResponse(doc["redirectUri"], status_code=303)
