"""``/pay/{token}``: the payer's page for one request, reached by its signed link without a login.

Spec: DESIGN.md "Receivables" (the payer picks one of the allowed methods, pays, gets a receipt, and
may then enroll in Betalingsservice) and API.md (``pay_url``). The token is the request id signed with
itsdangerous (``services.payment_request.pay_url``); a tampered or unknown token is a 404 page and
changes nothing. A method button starts a checkout (``services.checkout.start_checkout``) and sends the
payer to the provider; the provider sends them back to ``/pay/{token}/return``, which asks the provider
where the newest payment stands and shows the receipt, a self-refreshing "pending" page (``Refresh``
header and ``<meta http-equiv="refresh">``: no script under the strict CSP) or "failed, try another
method". For FI-kort the payment line (danish-payments.md §1.2) is shown large and selectable for any
netbank, next to "Betal nu" through the same PIS flow. Forms carry the browser's signed double-submit
token (``web.cookies`` "login CSRF"), as the portal's login form does.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Annotated, Any
from urllib.parse import quote

from babel.dates import format_date
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from betal.bootstrap import Container
from betal.domain.errors import Conflict, InvalidInput, NotFound
from betal.domain.money import Money
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import ProviderError
from betal.ports import Actor, UnitOfWork
from betal.services import checkout, dunning
from betal.services import inbox as inbox_service
from betal.services import receipt as receipt_service
from betal.services.attachment import attachment_by_token
from betal.services.inbox import RequestView
from betal.web import cookies
from betal.web.deps import ContainerDep
from betal.web.templating import SECURITY_HEADERS, language_of, render

router = APIRouter(prefix="/pay", include_in_schema=False)
REFRESH_SECONDS = 4
PDF_HEADERS = {
    key: SECURITY_HEADERS[key] for key in ("X-Content-Type-Options", "Referrer-Policy", "Cache-Control")
}
_GONE = (InvalidInput, NotFound)  # a tampered, foreign or expired token, or a request that is gone


def payer_actor(request: Request, via: str = "pay_link") -> Actor:
    ip = request.client.host if request.client else None
    return Actor("payer", via, ip, getattr(request.state, "request_id", None))


def page(
    request: Request,
    container: Container,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A payer page with the browser's form token (a signed cookie, set when new) and date helpers."""
    token = cookies.login_csrf(request, container.settings)
    fresh = token is None
    token = token or cookies.new_token()
    language = language_of(request)
    values = {"form_token": token, "day": lambda d: format_date(d, "long", locale=language), **context}
    response = render(request, template, values, status=status, headers=headers)
    if fresh:
        cookies.set_login_csrf(response, container.settings, token)
    return response


def form_token_ok(request: Request, container: Container, given: str) -> bool:
    """Whether a form sent back the browser's signed token (double submit)."""
    return cookies.tokens_match(cookies.login_csrf(request, container.settings), given)


def error_page(request: Request, container: Container, status: int = 404) -> Response:
    return page(request, container, "pay/error.html", {"status": status}, status=status)


def pdf_response(content: bytes, filename: str, *, download: bool) -> Response:
    """A PDF with a safe ``Content-Disposition`` (RFC 6266: ASCII fallback plus UTF-8 ``filename*``).

    No Content-Security-Policy: browsers show PDFs in a plugin-like viewer that ``object-src 'none'``
    would block; the body is a checked PDF, never HTML (``nosniff``).
    """
    fallback = filename.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    disposition = "attachment" if download else "inline"
    headers = {
        **PDF_HEADERS,
        "Content-Disposition": f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}",
    }
    return Response(content, media_type="application/pdf", headers=headers)


def _unit(container: Container, request: Request) -> Callable[[], UnitOfWork]:
    actor = payer_actor(request)
    return lambda: container.uow(actor)


def _view(container: Container, request: Request, token: str) -> RequestView | None:
    try:
        with container.uow(payer_actor(request)) as uow:
            return inbox_service.view_by_token(uow, container.signer, token)
    except _GONE:
        return None


@router.get("/{token}")
def pay_page(request: Request, container: ContainerDep, token: str) -> Response:
    view = _view(container, request, token)
    if view is None:
        return error_page(request, container)
    due = amount_due(container, request, view)
    return page(request, container, "pay/request.html", {"view": view, "token": token, "due": due})


def amount_due(container: Container, request: Request, view: RequestView) -> dunning.AmountDue:
    """The lines of what the payer owes: the amount, and the fees and interest reminders added."""
    with container.uow(payer_actor(request)) as uow:
        return dunning.amount_due(uow, view.request)


@router.post("/{token}/pay/{method}")
def pay(
    request: Request,
    container: ContainerDep,
    token: str,
    method: str,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    view = _view(container, request, token)
    if view is None or method not in {m.value for m in Method}:
        return error_page(request, container)
    if not form_token_ok(request, container, csrf_token):
        return error_page(request, container, 403)
    back = RedirectResponse(f"/pay/{token}", status_code=303)
    if Method(method) not in view.pay_methods:  # paid or cancelled meanwhile, or not offered
        return back
    return_url = f"{container.settings.base_url.rstrip('/')}/pay/{token}/return"
    try:
        started = checkout.start_checkout(
            _unit(container, request), container.providers,
            request_id=view.request.id, method=Method(method), return_url=return_url,
        )  # fmt: skip
    except Conflict:
        return back
    except ProviderError:
        context = {"view": view, "token": token, "reason": "unavailable"}
        return page(request, container, "pay/failed.html", context, status=503)
    if started.redirect_url is None:
        return RedirectResponse(f"/pay/{token}/return/{started.payment.id}", status_code=303)
    return RedirectResponse(started.redirect_url, status_code=303)


@router.get("/{token}/return")
def return_latest(request: Request, container: ContainerDep, token: str) -> Response:
    return _returned(request, container, token, None)


@router.get("/{token}/return/{payment_id}")
def return_payment(request: Request, container: ContainerDep, token: str, payment_id: str) -> Response:
    return _returned(request, container, token, payment_id)


def _returned(request: Request, container: Container, token: str, payment_id: str | None) -> Response:
    """Back from the provider: settle what the provider says, then receipt, pending or failed."""
    view = _view(container, request, token)
    if view is None:
        return error_page(request, container)
    payments = {p.id: p for p in view.payments}
    payment = view.latest_payment if payment_id is None else payments.get(payment_id)
    if payment is None:
        return RedirectResponse(f"/pay/{token}", status_code=303)
    with suppress(ProviderError):  # the provider cannot say now: the payment stays as we know it
        payment = checkout.refresh_payment(
            _unit(container, request), container.providers,
            organisation_id=payment.organisation_id, payment_id=payment.id,
        )  # fmt: skip
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
        return RedirectResponse(f"/pay/{token}/receipt", status_code=303)
    amount = Money(payment.amount_minor, payment.currency)
    context = {"view": view, "token": token, "payment": payment, "amount": amount}
    if payment.status in inbox_service.OPEN_PAYMENTS:
        again = f"/pay/{token}/return/{payment.id}"
        context |= {"refresh_url": again, "refresh_seconds": REFRESH_SECONDS}
        refresh = {"Refresh": f"{REFRESH_SECONDS}; url={again}"}
        return page(request, container, "pay/pending.html", context, headers=refresh)
    return page(request, container, "pay/failed.html", context | {"reason": payment.status.value})


def _receipt(
    container: Container, request: Request, token: str
) -> tuple[RequestView, receipt_service.Receipt | None] | None:
    try:
        with container.uow(payer_actor(request)) as uow:
            view = inbox_service.view_by_token(uow, container.signer, token)
            try:
                return view, receipt_service.request_receipt(uow, view.request)
            except NotFound:
                return view, None
    except _GONE:
        return None


@router.get("/{token}/receipt")
def receipt_page(request: Request, container: ContainerDep, token: str) -> Response:
    found = _receipt(container, request, token)
    if found is None:
        return error_page(request, container)
    view, receipt = found
    if receipt is None:
        return RedirectResponse(f"/pay/{token}", status_code=303)
    return page(request, container, "pay/receipt.html", {"view": view, "receipt": receipt, "token": token})


@router.get("/{token}/receipt.pdf")
def receipt_pdf(request: Request, container: ContainerDep, token: str) -> Response:
    found = _receipt(container, request, token)
    if found is None or found[1] is None:
        return error_page(request, container)
    receipt = found[1]
    content = receipt_service.render_pdf(receipt, language=language_of(request))
    name = "kvittering" if language_of(request) == "da" else "receipt"
    return pdf_response(content, f"{name}-{receipt.request_id}.pdf", download=True)


@router.get("/{token}/attachments/{attachment_id}")
def attachment(request: Request, container: ContainerDep, token: str, attachment_id: str) -> Response:
    try:
        with container.uow(payer_actor(request)) as uow:
            found, content = attachment_by_token(uow, container.signer, token, attachment_id)
    except _GONE:
        return error_page(request, container)
    return pdf_response(content, found.filename, download=False)
