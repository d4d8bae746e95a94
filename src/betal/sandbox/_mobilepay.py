"""The MobilePay simulator's payment documents, refusals and signed callbacks, shared by its ePayment API
(``betal.sandbox.mobilepay``) and its "MobilePay app" page (``betal.sandbox.mobilepay_app``).

Protocol: developer.vippsmobilepay.com/api/epayment (v1) errors (RFC 7807 with ``extraDetails``) and
/api/webhooks callbacks, signed as standards §8.1 says. A payment nobody acts on until its ``expiresAt``
becomes ``EXPIRED`` when it is next read. Callbacks go out after the response in a background task; a
failed delivery is logged (betal's polling still settles).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime
from email.utils import format_datetime
from typing import Any

import httpx
from fastapi import BackgroundTasks, Request
from fastapi.responses import JSONResponse

from betal.bootstrap import Container
from betal.sandbox._support import Refusal, deliver, derived_secret

PROVIDER = "mobilepay"
ERROR_TYPE = "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/api-guide/errors"


def problem(status: int, title: str, detail: str = "", extra: list[dict[str, str]] | None = None) -> Refusal:
    """An RFC 7807 refusal with ``extraDetails``, as the ePayment API answers errors."""
    body = {
        "type": ERROR_TYPE,
        "title": title,
        "status": status,
        "detail": detail or title,
        "traceId": secrets.token_hex(8),
        "extraDetails": extra or [],
    }
    return Refusal(JSONResponse(body, status_code=status, media_type="application/problem+json"))


def psp() -> str:
    """A fresh PSP reference: every change of a payment gets one."""
    return str(secrets.randbelow(9 * 10**9) + 10**9)


def load(request: Request, reference: str, msn: str | None, background: BackgroundTasks) -> dict[str, Any]:
    """The payment (``EXPIRED`` first if its time ran out); 404 if unknown or another merchant's."""
    container: Container = request.app.state.container
    store = container.sandbox_store()
    doc = store.get(PROVIDER, f"payment:{reference}")
    if doc is None or (msn is not None and doc.get("msn") != msn):
        raise problem(404, "Not Found", f"No payment with reference {reference}")
    now = container.clock.now()
    if doc["state"] == "CREATED" and now >= datetime.fromisoformat(doc["expiresAt"]):

        def expire(d: dict[str, Any]) -> dict[str, Any]:
            return d | {"state": "EXPIRED", "pspReference": psp()} if d["state"] == "CREATED" else d

        doc = store.update(PROVIDER, f"payment:{reference}", expire) or doc
        if doc["state"] == "EXPIRED":
            notify(background, container, doc, "EXPIRED")
    return doc


def sign(secret: str, path_and_query: str, host: str, body: bytes, now: datetime) -> dict[str, str]:
    """MobilePay's callback signature (standards §8.1): HMAC-SHA256 over method, path, date, host, hash."""
    date, digest = format_datetime(now, usegmt=True), base64.b64encode(hashlib.sha256(body).digest()).decode()
    message = f"POST\n{path_and_query}\n{date};{host};{digest}".encode()
    signature = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()
    auth = f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
    return {"x-ms-date": date, "x-ms-content-sha256": digest, "Authorization": auth}


def notify(
    background: BackgroundTasks,
    container: Container,
    doc: dict[str, Any],
    name: str,
    amount: dict[str, Any] | None = None,
) -> None:
    """Queue the signed ``name`` callback to every URL registered for it under the payment's merchant."""
    event = f"epayments.payment.{name.lower()}.v1"
    hooks = [h for h in container.sandbox_store().list(PROVIDER, "webhook") if h["msn"] == doc["msn"]]
    payload = {
        "msn": doc["msn"],
        "reference": doc["reference"],
        "pspReference": doc["pspReference"],
        "name": name,
        "amount": amount or doc["amount"],
        "timestamp": container.clock.now().isoformat(),
        "idempotencyKey": None,
        "success": True,
    }
    for hook in hooks:
        if event in hook["events"]:
            background.add_task(send, container, hook["url"], payload)


def send(container: Container, url: str, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    request = httpx.Request("POST", url, content=body, headers={"Content-Type": "application/json"})
    path_and_query = request.url.raw_path.decode()
    now = container.clock.now()
    request.headers.update(
        sign(derived_secret(container, url), path_and_query, request.headers["Host"], body, now)
    )
    deliver(PROVIDER, request)
