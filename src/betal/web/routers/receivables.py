"""Portal pages for receivables (DESIGN.md "Receivables", API.md "Receivables"): customers, payment
requests (filtered list, detail with timeline, create, cancel), payments and mandates under ``/app``.

Every page calls the services with the user's role in the organisation the session looks at, so the
API's rules hold here too: a viewer reads, a role that may bill creates and cancels, another
organisation's id is a 404 page. Forms post back with the session's CSRF token and show errors next to
each field (as keys that ``templates/receivables/_macros.html`` translates). Amounts are typed in Danish
kroner notation ("1.234,50") and converted exactly, with ``Decimal``, into øre.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from betal.domain.errors import Conflict, FieldProblem, InvalidInput
from betal.domain.money import Money
from betal.domain.payment_request import TRANSITIONS, PaymentRequest, RequestStatus
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork
from betal.services import agreement as agreements
from betal.services import customer as customers
from betal.services import dunning
from betal.services import mandate as mandates
from betal.services import payment as payments
from betal.services import payment_request as requests
from betal.web.deps import Portal, PortalDep, portal_principal, portal_uow, require_csrf
from betal.web.templating import portal_values, render

router = APIRouter(prefix="/app", include_in_schema=False)
IdQuery = Annotated[str | None, Query(max_length=40)]
ShortQuery = Annotated[str | None, Query(max_length=20)]
PAGE = 25
CHOICES = 500  # customers offered in a select
CURRENCIES = ("DKK", "EUR", "SEK", "NOK", "USD", "GBP")
_KRONER = re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]+)?")  # 1.234,50 | 1234,5 | 1234
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


async def _form_data(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {k: form.getlist(k) if k == "allowed_methods" else str(form.get(k, "")) for k in form}


FormData = Annotated[dict[str, Any], Depends(_form_data)]


def _page(request: Request, portal: Portal, page: str, status: int = 200, **context: Any) -> Response:
    values = {"portal": portal, **portal_values(request, portal_principal(portal).role), **context}
    return render(request, f"receivables/{page}.html", values, status=status)


def _next(found: list[Any]) -> tuple[list[Any], str | None]:
    """A page of at most ``PAGE`` items from ``PAGE + 1`` fetched, and the cursor of the next page."""
    return found[:PAGE], (found[PAGE - 1].id if len(found) > PAGE else None)


def _names(uow: UnitOfWork, principal: Principal, ids: set[str]) -> dict[str, str]:
    return {i: customers.get_customer(uow, principal, i).name for i in ids}


def _day(value: str | None, name: str, errors: dict[str, str]) -> date | None:
    """A ``YYYY-MM-DD`` date from a form or query; a bad one is recorded under ``name`` in ``errors``."""
    try:
        if value and _ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    if value:
        errors[name] = "date"
    return None


# -- Customers ----------------------------------------------------------------------------------------


@router.get("/customers")
def customer_list(request: Request, portal: PortalDep, after: IdQuery = None) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        found, next_after = _next(customers.list_customers(uow, principal, after_id=after, limit=PAGE + 1))
    return _page(request, portal, "customers", customers=found, next_after=next_after, after=after)


@router.get("/customers/new")
def customer_form(request: Request, portal: PortalDep) -> Response:
    portal_principal(portal).require(Permission.BILL)
    return _page(request, portal, "customer_form", values={}, errors={})


@router.post("/customers/new")
def create_customer(request: Request, portal: PortalDep, form: FormData) -> Response:
    require_csrf(portal, form.get("csrf_token"))
    fields = ("email", "phone", "cpr", "cvr", "external_id")
    data = customers.NewCustomer(form.get("name", ""), **{k: form.get(k, "").strip() or None for k in fields})
    order = [c for c in (form.get(f"channel_{n}", "") for n in (1, 2, 3)) if c]
    preferences = customers.Preferences(form.get("language") or None, order or None)
    try:
        with portal_uow(request, portal) as uow:
            principal = portal_principal(portal)
            created = customers.create_customer(uow, portal.container.cipher, principal, data, preferences)
    except InvalidInput as exc:  # an e-mail error without an e-mail means: give an e-mail or a phone
        errors = {
            p.field: "contact" if (p.field, data.email) == ("email", None) else p.field for p in exc.errors
        }
    except Conflict:
        errors = {"external_id": "duplicate"}
    else:
        return RedirectResponse(f"/app/customers/{created.id}?notice=created", status_code=303)
    values = {**form, "cpr": ""}  # never echo a personal number back into the page
    return _page(request, portal, "customer_form", status=422, values=values, errors=errors)


@router.get("/customers/{customer_id}")
def customer_detail(
    request: Request, portal: PortalDep, customer_id: str, notice: ShortQuery = None
) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        customer = customers.get_customer(uow, principal, customer_id)
        billed = requests.list_payment_requests(
            uow, principal, status=None, customer_id=customer_id, after_id=None, limit=PAGE
        )
        held = mandates.list_mandates(uow, principal, customer_id=customer_id, after_id=None, limit=PAGE)
    return _page(
        request, portal, "customer", customer=customer, requests=billed, mandates=held, notice=notice
    )


# -- Payment requests ---------------------------------------------------------------------------------


def _filtered(
    uow: UnitOfWork, principal: Principal, status: str | None, customer: str | None,
    due: tuple[date | None, date | None], after: str | None,
) -> list[PaymentRequest]:  # fmt: skip
    """Up to ``PAGE + 1`` requests after ``after`` that pass the filters."""
    return requests.list_payment_requests(
        uow, principal, status=status, customer_id=customer, after_id=after, limit=PAGE + 1,
        due_from=due[0], due_to=due[1],
    )  # fmt: skip


@router.get("/payment-requests")
def request_list(
    request: Request, portal: PortalDep, status: ShortQuery = None, customer: IdQuery = None,
    due_from: ShortQuery = None, due_to: ShortQuery = None, after: IdQuery = None,
) -> Response:  # fmt: skip
    principal, errors = portal_principal(portal), dict[str, str]()
    due = (_day(due_from, "due_from", errors), _day(due_to, "due_to", errors))
    if status and status not in {s.value for s in RequestStatus}:
        errors["status"], status = "status", None
    with portal_uow(request, portal) as uow:
        found, next_after = _next(_filtered(uow, principal, status or None, customer or None, due, after))
        choices = customers.list_customers(uow, principal, after_id=None, limit=CHOICES)
        names = {c.id: c.name for c in choices}
        names |= _names(uow, principal, {r.customer_id for r in found} - set(names))
    query = {"status": status, "customer": customer, "due_from": due_from, "due_to": due_to}
    given = urlencode({k: v for k, v in query.items() if v})
    return _page(
        request, portal, "requests", requests=found, next_after=next_after, after=after, names=names,
        choices=choices, query={k: v or "" for k, v in query.items()}, errors=errors,
        statuses=[s.value for s in RequestStatus], list_url="/app/payment-requests" + (given and f"?{given}"),
    )  # fmt: skip


def _kroner(text: str, code: str) -> int:
    """ "1.234,50" (Danish: "." groups thousands, "," starts the decimals) in minor units, exactly."""
    clean = text.strip().removesuffix("kr.").removesuffix("kr").strip()
    if not _KRONER.fullmatch(clean):
        raise InvalidInput("write the amount like 1.234,50", field="amount", code="amount.format")
    minor = Money.from_decimal(Decimal(clean.replace(".", "").replace(",", ".")), code).minor
    if minor <= 0:
        raise InvalidInput("must be more than 0", field="amount", code="amount.out_of_range")
    return minor


def _error_key(code: str, problem: FieldProblem) -> str:
    """The key the template translates for an error on the payment request form."""
    if problem.field == "amount" and code in ("amount.format", "amount.precision"):
        return code
    if problem.field == "currency" and "FI-kort" in problem.message:
        return "currency.fi_card"
    if problem.field == "allowed_methods" and code == "payment_method.no_agreement":
        return "methods.agreement"
    if problem.field == "allowed_methods" and problem.message.startswith("allow at least"):
        return "methods.none"
    return "methods.fi_card" if problem.field == "fi_card" else problem.field


def _request_errors(exc: InvalidInput) -> dict[str, str]:
    return {
        ("allowed_methods" if p.field == "fi_card" else p.field): _error_key(exc.code, p) for p in exc.errors
    }


def _new_request(form: dict[str, Any]) -> tuple[requests.NewPaymentRequest | None, dict[str, str]]:
    """The form's request, or the errors of every field the form itself can check."""
    errors: dict[str, str] = {}
    due, minor, methods = _day(form.get("due_date"), "due_date", errors), 0, form.get("allowed_methods", [])
    try:
        minor = _kroner(form.get("amount", ""), form.get("currency", ""))
    except InvalidInput as exc:
        errors |= _request_errors(exc)
    errors |= {k: "required" for k in ("customer_id", "description") if not form.get(k, "").strip()}
    errors |= {} if methods else {"allowed_methods": "methods.none"}
    if due is None or errors:
        return None, {"due_date": "required"} | errors
    data = requests.NewPaymentRequest(
        customer_id=form["customer_id"], amount_minor=minor, currency=form["currency"], due_date=due,
        description=form["description"], reference=form.get("reference") or None,
        allowed_methods=tuple(methods),
    )  # fmt: skip
    return data, errors


def _request_form(
    request: Request, portal: Portal, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    principal = portal_principal(portal)
    principal.require(Permission.BILL)
    with portal_uow(request, portal) as uow:
        methods = [a.method.value for a in agreements.list_agreements(uow, principal) if a.status == "active"]
        choices = customers.list_customers(uow, principal, after_id=None, limit=CHOICES)
    return _page(
        request, portal, "request_form", status=422 if errors else 200, values=values, errors=errors,
        methods=methods, choices=choices, currencies=CURRENCIES,
    )  # fmt: skip


@router.get("/payment-requests/new")
def request_form(request: Request, portal: PortalDep, customer: IdQuery = None) -> Response:
    return _request_form(request, portal, {"customer_id": customer or "", "currency": "DKK"}, {})


@router.post("/payment-requests/new")
def create_request(request: Request, portal: PortalDep, form: FormData) -> Response:
    require_csrf(portal, form.get("csrf_token"))
    data, errors = _new_request(form)
    if data is not None:
        try:
            with portal_uow(request, portal) as uow:
                created = requests.create_payment_request(uow, portal_principal(portal), data)
            return RedirectResponse(f"/app/payment-requests/{created.id}?notice=created", status_code=303)
        except InvalidInput as exc:
            errors = _request_errors(exc)
    return _request_form(request, portal, form, errors)


@router.get("/payment-requests/{request_id}")
def request_detail(
    request: Request, portal: PortalDep, request_id: str, notice: ShortQuery = None
) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        detail = requests.get_payment_request(uow, principal, request_id)
        customer = customers.get_customer(uow, principal, detail.request.customer_id)
        timeline = requests.request_timeline(uow, principal, request_id)
        reminders = dunning.reminder_overview(uow, principal, request_id)
    return _page(
        request, portal, "request", payment_request=detail.request, payments=detail.payments,
        customer=customer, timeline=timeline.entries, actors=timeline.actor_names, notice=notice,
        reminders=reminders,
        pay_url=requests.pay_url(portal.container.signer, portal.container.settings.base_url, request_id),
        can_cancel=RequestStatus.CANCELLED in TRANSITIONS[detail.request.status],
    )  # fmt: skip


@router.post("/payment-requests/{request_id}/cancel")
def cancel_request(request: Request, portal: PortalDep, request_id: str, form: FormData) -> Response:
    require_csrf(portal, form.get("csrf_token"))
    notice = "cancelled"
    try:
        with portal_uow(request, portal) as uow:
            requests.cancel_payment_request(uow, portal_principal(portal), request_id)
    except Conflict:  # the state machine refuses: say so on the request's page
        notice = "cancel_refused"
    return RedirectResponse(f"/app/payment-requests/{request_id}?notice={notice}", status_code=303)


# -- Payments and mandates ----------------------------------------------------------------------------


@router.get("/payments")
def payment_list(request: Request, portal: PortalDep, after: IdQuery = None) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        found = payments.list_payments(uow, principal, request_id=None, after_id=after, limit=PAGE + 1)
        shown, next_after = _next(found)
        names = _names(uow, principal, {p.customer_id for p in shown})
    return _page(request, portal, "payments", payments=shown, next_after=next_after, after=after, names=names)


@router.get("/mandates")
def mandate_list(request: Request, portal: PortalDep, after: IdQuery = None) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        found = mandates.list_mandates(uow, principal, customer_id=None, after_id=after, limit=PAGE + 1)
        shown, next_after = _next(found)
        names = _names(uow, principal, {m.customer_id for m in shown})
    return _page(request, portal, "mandates", mandates=shown, next_after=next_after, after=after, names=names)
