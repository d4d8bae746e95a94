"""The Betalingsservice simulator under ``/sandbox/betalingsservice``: a sign-up page and a file exchange.

Betalingsservice is file based (shared/standards/danish-payments.md §3.1): the creditor sends collection
deliveries (0601) and receives payment (0602) and mandate (0603) information; the payer signs up at
Betalingsservice, not at the creditor. docs/providers/betalingsservice.md describes the protocol:

- ``GET|POST /signup/{id}?pbs_number=&debtor_group=&customer_number=&creditor_name=&return_url=``: the
  payer's page (test account prefilled). Confirming registers the mandate, makes a 0603 delivery (0212 /
  0231 "registered") and returns to ``return_url`` with ``status=registered`` (else ``cancelled``).
- ``POST /deliveries`` (``text/plain``): a 0601 delivery, parsed strictly; a malformed one is refused
  whole (422, ``{"errors": [{line, reason}]}``); its delivery id again answers the first receipt (409 for
  another file). ``GET /deliveries?since=&pbs_number=&type=&limit=`` lists information deliveries.
- Collections are settled when listed on or after their due date, or by ``POST /admin/run-settlement?
  date=``: 0236 (completed) on an active mandate whose payer chose "paid", else 0237 (rejected).
  ``POST /admin/cancel-mandate?pbs_number=&debtor_group=&customer_number=`` cancels as a bank (0232).

State lives in ``container.sandbox_store()`` (provider ``betalingsservice``). The simulator is the outside
world: its page renders with the simulators' own Jinja environment (``betal.sandbox._support``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from betal.bootstrap import Container
from betal.formats import dk_betalingsservice as bs
from betal.sandbox._support import Sandbox, body_of, create_once, mac, render_page, today

PROVIDER = "betalingsservice"
TEST_ACCOUNT = {"reg_no": "5301", "account_no": "0123456789", "cpr": "0101901234"}
SIGNUP = {"pbs_number": r"\d{8}", "debtor_group": r"\d{5}", "customer_number": r"\d{1,15}"}


router = APIRouter(prefix="/sandbox/betalingsservice", include_in_schema=False)


def _page(
    request: Request, container: Container, signup_id: str, context: dict[str, Any], status: int
) -> Response:
    values = {"signup_id": signup_id, "error": None, "account": TEST_ACCOUNT,
              "csrf": _form_token(container, signup_id), **context}  # fmt: skip
    return render_page(request, "sandbox/betalingsservice/signup.html", values, status=status)


def _form_token(container: Container, signup_id: str) -> str:
    return mac(container, f"sandbox-bs-signup:{signup_id}")


def _signup(container: Container, values: dict[str, str]) -> dict[str, str] | None:
    """The sign-up parameters, or None when one is malformed or the return URL is not betal's."""
    if any(not re.fullmatch(pattern, values.get(name, "")) for name, pattern in SIGNUP.items()):
        return None
    if not values.get("return_url", "").startswith(container.settings.base_url.rstrip("/") + "/"):
        return None  # Betalingsservice returns only to the creditor's registered site
    signup = {k: values.get(k, "") for k in (*SIGNUP, "creditor_name", "return_url")}
    return signup | {"customer_number": signup["customer_number"].zfill(15)}


def _back(return_url: str, status: str) -> str:
    parts = urlsplit(return_url)
    return urlunsplit(parts._replace(query=urlencode([*parse_qsl(parts.query), ("status", status)])))


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


@router.get("/signup/{signup_id}")
def signup_page(request: Request, container: Sandbox, signup_id: str) -> Response:
    signup = _signup(container, dict(request.query_params))
    return _page(request, container, signup_id, {"signup": signup}, 200 if signup else 400)


@router.post("/signup/{signup_id}")
def signup_decision(
    request: Request, container: Sandbox, signup_id: str, form: Annotated[dict[str, str], Depends(_form)]
) -> Response:
    signup = _signup(container, form)
    if signup is None or not hmac.compare_digest(
        form.get("csrf_token", ""), _form_token(container, signup_id)
    ):
        return _page(request, container, signup_id, {"signup": None}, 400)
    if form.get("decision") != "confirm":
        return RedirectResponse(_back(signup["return_url"], "cancelled"), status_code=303)
    account = {k: form.get(k, "").strip() for k in TEST_ACCOUNT}
    if not (re.fullmatch(r"\d{4}", account["reg_no"]) and re.fullmatch(r"\d{1,10}", account["account_no"])):
        return _page(
            request, container, signup_id, {"signup": signup, "account": account, "error": "account"}, 422
        )
    _register(container, signup, account, pays=form.get("behaviour") != "reject")
    return RedirectResponse(_back(signup["return_url"], "registered"), status_code=303)


# --- state ----------------------------------------------------------------------------------------


def _next_number(container: Container) -> int:
    def bump(doc: dict[str, Any]) -> dict[str, Any]:
        return {"value": doc["value"] + 1}

    updated = container.sandbox_store().update(PROVIDER, "sequence", bump)
    if updated is None:
        create_once(container, PROVIDER, "counter", "sequence", {"value": 0})
        updated = container.sandbox_store().update(PROVIDER, "sequence", bump)
    assert updated is not None
    return int(updated["value"])


def _publish(container: Container, delivery_type: str, start: bs.SectionStart, records: list[Any]) -> str:
    """Store a one-section information delivery for the section's PBS number; returns its id."""
    delivery_id = f"{_next_number(container):010d}"
    head = bs.DeliveryStart(start.pbs_number, bs.SUBSYSTEM, delivery_type, delivery_id, today(container))
    content = bs.render(bs.delivery(head, [bs.section(start, records)])).decode(bs.ENCODING)
    doc = {"id": delivery_id, "type": delivery_type, "pbs_number": start.pbs_number, "content": content,
           "created_at": container.clock.now().isoformat()}  # fmt: skip
    container.sandbox_store().create(PROVIDER, "delivery", f"delivery:{delivery_id}", doc)
    return delivery_id


def _mandate_id(pbs_number: str, debtor_group: str, customer_number: str) -> str:
    return f"mandate:{pbs_number}:{debtor_group}:{customer_number.zfill(15)}"


def _mandate_delivery(container: Container, doc: dict[str, Any], code: str, cancelled: date | None) -> str:
    group, effective = doc["debtor_group"], date.fromisoformat(doc["effective"])
    record = bs.MandateInfo(
        doc["pbs_number"], code, group, doc["customer_number"], doc["mandate_no"], effective, cancelled
    )
    start = bs.SectionStart(doc["pbs_number"], "0212", group, "", today(container))
    return _publish(container, bs.MANDATE_INFORMATION, start, [record])


def _register(container: Container, signup: dict[str, str], account: dict[str, str], *, pays: bool) -> None:
    doc: dict[str, Any] = {k: signup[k] for k in SIGNUP}
    doc |= {"status": "active", "pays": pays, "effective": today(container).isoformat(),
            "mandate_no": f"{_next_number(container):09d}", "cpr": account["cpr"][:6] + "-XXXX",
            "account": f"{account['reg_no']} {account['account_no']}"}  # fmt: skip
    mandate_id = _mandate_id(doc["pbs_number"], doc["debtor_group"], doc["customer_number"])
    if create_once(container, PROVIDER, "mandate", mandate_id, doc):
        _mandate_delivery(container, doc, "0231", None)  # signed up once: reported once


# --- the file exchange -----------------------------------------------------------------------------


def _refusal(status: int, errors: list[tuple[int, str]]) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"line": n, "reason": reason} for n, reason in errors]}, status_code=status
    )


def _read(content: bytes) -> bs.Delivery | JSONResponse:
    try:
        delivery = bs.parse(content)
    except bs.RecordError as exc:
        return _refusal(422, [(exc.problem.lineno, str(exc.problem))])
    except bs.InvalidDelivery as exc:
        return _refusal(422, [(p.lineno, str(p)) for p in exc.problems])
    if delivery.start.delivery_type != bs.COLLECTIONS:
        return _refusal(422, [(1, f"delivery type {delivery.start.delivery_type} cannot be sent here")])
    return delivery


@router.post("/deliveries")
def upload(container: Sandbox, content: Annotated[bytes, Depends(body_of)]) -> Response:
    delivery = _read(content)
    if isinstance(delivery, JSONResponse):
        return delivery
    supplier, delivery_id = delivery.start.data_supplier, delivery.start.delivery_id
    receipt = {"receipt_id": f"R{supplier}-{delivery_id}", "delivery_id": delivery_id,
               "records": sum(len(s.records) for s in delivery.sections)}  # fmt: skip
    digest, upload_id = hashlib.sha256(content).hexdigest(), f"upload:{supplier}:{delivery_id}"
    if not create_once(container, PROVIDER, "upload", upload_id, {"sha256": digest, "receipt": receipt}):
        stored = container.sandbox_store().get(PROVIDER, upload_id) or {}
        if stored.get("sha256") != digest:
            return _refusal(409, [(1, f"delivery id {delivery_id} was used for another file")])
        return JSONResponse(stored["receipt"])
    for r in delivery.details():
        assert isinstance(r, bs.Collection)  # a valid 0601 delivery holds collections, each with a due date
        doc = {"pbs_number": r.pbs_number, "debtor_group": r.debtor_group, "customer_number": r.customer_no,
               "due_date": str(r.due_date), "amount": r.amount, "sign": r.sign, "reference": r.reference,
               "status": "submitted"}  # fmt: skip
        create_once(container, PROVIDER, "collection", f"collection:{r.pbs_number}:{r.reference}", doc)
    return JSONResponse(receipt, status_code=201)


def _settle(container: Container, day: date) -> list[str]:
    """Settle every submitted collection due on or before ``day``; returns the deliveries made."""
    store, run = container.sandbox_store(), secrets.token_hex(8)

    def claim(doc: dict[str, Any]) -> dict[str, Any]:
        return doc | {"status": "settled", "run": run} if doc["status"] == "submitted" else doc

    settled: dict[tuple[str, str], list[bs.PaymentInfo]] = {}
    for doc in store.list(PROVIDER, "collection"):
        if doc["status"] != "submitted" or date.fromisoformat(doc["due_date"]) > day:
            continue
        mine = store.update(PROVIDER, f"collection:{doc['pbs_number']}:{doc['reference']}", claim)
        if mine is not None and mine.get("run") == run:  # not settled by a concurrent run meanwhile
            settled.setdefault((doc["pbs_number"], doc["debtor_group"]), []).append(_outcome(container, mine))
    return [
        _publish(
            container, bs.PAYMENT_INFORMATION, bs.SectionStart(pbs, "0211", group, "", today(container)), rs
        )
        for (pbs, group), rs in sorted(settled.items())
    ]


def _outcome(container: Container, doc: dict[str, Any]) -> bs.PaymentInfo:
    key = _mandate_id(doc["pbs_number"], doc["debtor_group"], doc["customer_number"])
    mandate = container.sandbox_store().get(PROVIDER, key)
    paid = mandate is not None and mandate["status"] == "active" and bool(mandate["pays"])
    due, amount = date.fromisoformat(doc["due_date"]), doc["amount"]
    return bs.PaymentInfo(
        doc["pbs_number"], "0236" if paid else "0237", doc["debtor_group"], doc["customer_number"],
        mandate["mandate_no"] if mandate else "0", due, doc["sign"], amount, doc["reference"],
        due if paid else None, due if paid else None, amount if paid else 0,
    )  # fmt: skip


@router.get("/deliveries")
def deliveries(
    container: Sandbox,
    since: Annotated[str | None, Query(pattern=r"^\d{1,10}$")] = None,
    pbs_number: Annotated[str | None, Query(pattern=r"^\d{8}$")] = None,
    delivery_type: Annotated[str | None, Query(alias="type", pattern=r"^060[23]$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    _settle(container, today(container))
    found = [
        d for d in container.sandbox_store().list(PROVIDER, "delivery")
        if (since is None or int(d["id"]) > int(since))
        and pbs_number in (None, d["pbs_number"]) and delivery_type in (None, d["type"])
    ]  # fmt: skip
    return JSONResponse({"deliveries": sorted(found, key=lambda d: d["id"])[:limit]})


@router.post("/admin/run-settlement")
def run_settlement(container: Sandbox, day: Annotated[date, Query(alias="date")]) -> Response:
    return JSONResponse({"deliveries": _settle(container, day)})


@router.post("/admin/cancel-mandate")
def cancel_mandate(
    container: Sandbox,
    pbs_number: Annotated[str, Query(pattern=r"^\d{8}$")],
    debtor_group: Annotated[str, Query(pattern=r"^\d{5}$")],
    customer_number: Annotated[str, Query(pattern=r"^\d{1,15}$")],
) -> Response:
    was_active: list[bool] = []

    def cancel(doc: dict[str, Any]) -> dict[str, Any]:
        was_active.append(doc["status"] == "active")
        return doc | {"status": "cancelled"}

    doc = container.sandbox_store().update(
        PROVIDER, _mandate_id(pbs_number, debtor_group, customer_number), cancel
    )
    if doc is None:
        return _refusal(404, [(0, "no such mandate")])
    made = [_mandate_delivery(container, doc, "0232", today(container))] if was_active[-1] else []
    return JSONResponse({"deliveries": made})
