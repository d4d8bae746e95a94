"""``/pay/{token}/betalingsservice``: the payer's "Tilmeld Betalingsservice" offer and the return page.

Spec: DESIGN.md "Receivables" (after paying, the payer may enroll in Betalingsservice so later bills
are collected automatically) and danish-payments.md §3.1 (the payer signs up at Betalingsservice, not
at the creditor). The page is reached by the request's signed pay link (``services.payment_request.
request_from_token``); it offers enrollment after a successful payment, and as enrollment-only when
the request allows nothing but Betalingsservice. The form starts a pending mandate and sends the payer
to Betalingsservice's sign-up page; Betalingsservice sends them back to ``.../betalingsservice/return``,
which asks where the mandate stands. Forms carry the browser's signed double-submit token
(``web.cookies`` "login CSRF"), like the pay page's.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from betal.bootstrap import Container
from betal.domain.errors import Conflict, InvalidInput, NotFound
from betal.domain.mandate import Mandate
from betal.domain.money import Money
from betal.domain.payment_method import Method
from betal.domain.provider import ProviderError
from betal.ports import Actor, UnitOfWork
from betal.services import enrollment
from betal.services.payment_request import request_from_token
from betal.web import cookies
from betal.web.deps import ContainerDep
from betal.web.templating import language_of, render

router = APIRouter(prefix="/pay", include_in_schema=False)
_GONE = (InvalidInput, NotFound)  # a tampered, foreign or expired token, or a request that is gone


def _actor(request: Request) -> Actor:
    ip = request.client.host if request.client else None
    return Actor("payer", "pay_link", ip, getattr(request.state, "request_id", None))


def _units(container: Container, request: Request) -> Callable[[], UnitOfWork]:
    actor = _actor(request)
    return lambda: container.uow(actor)


def _page(
    request: Request, container: Container, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    """An enrollment page with the browser's form token (a signed cookie, set when new)."""
    token = cookies.login_csrf(request, container.settings)
    fresh = token is None
    token = token or cookies.new_token()
    language = language_of(request)
    values = {"form_token": token, "day": lambda d: format_date(d, "long", locale=language), **context}
    offer = context.get("offer")
    values["enrollment_only"] = offer is not None and offer.request.allowed_methods == (
        Method.BETALINGSSERVICE,
    )
    response = render(request, template, values, status=status)
    if fresh:
        cookies.set_login_csrf(response, container.settings, token)
    return response


def _offer(container: Container, request: Request, token: str) -> enrollment.Offer | None:
    try:
        with container.uow(_actor(request)) as uow:
            return enrollment.enrollment_offer(uow, request_from_token(uow, container.signer, token))
    except _GONE:
        return None


def _gone(request: Request, container: Container, status: int = 404) -> Response:
    return _page(
        request, container, "enrollment/offer.html", {"offer": None, "token": "", "problem": None}, status
    )


@router.get("/{token}/betalingsservice")
def offer_page(request: Request, container: ContainerDep, token: str) -> Response:
    offer = _offer(container, request, token)
    if offer is None:
        return _gone(request, container)
    amount = Money(offer.request.amount_minor, offer.request.currency)
    context = {"offer": offer, "token": token, "amount": amount, "problem": None}
    return _page(request, container, "enrollment/offer.html", context)


@router.post("/{token}/betalingsservice")
def start(
    request: Request, container: ContainerDep, token: str, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    offer = _offer(container, request, token)
    if offer is None:
        return _gone(request, container)
    if not cookies.tokens_match(cookies.login_csrf(request, container.settings), csrf_token):
        return _gone(request, container, 403)
    back = RedirectResponse(f"/pay/{token}/betalingsservice", status_code=303)
    base = container.settings.base_url.rstrip("/")
    return_url = f"{base}/pay/{token}/betalingsservice/return?mandate={{mandate_id}}"
    try:
        started = enrollment.start_enrollment(
            _units(container, request),
            container.providers,
            request_id=offer.request.id,
            return_url=return_url,
        )
    except Conflict:  # enrolled or paid differently meanwhile: show the page as it stands now
        return back
    except ProviderError:
        amount = Money(offer.request.amount_minor, offer.request.currency)
        context = {"offer": offer, "token": token, "amount": amount, "problem": "unavailable"}
        return _page(request, container, "enrollment/offer.html", context, 503)
    return RedirectResponse(started.redirect_url or back.headers["location"], status_code=303)


@router.get("/{token}/betalingsservice/return")
def returned(
    request: Request,
    container: ContainerDep,
    token: str,
    mandate_id: Annotated[str, Query(alias="mandate", max_length=40)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    offer = _offer(container, request, token)
    if offer is None or not mandate_id:
        return _gone(request, container)
    mandate: Mandate | None = None
    try:
        with suppress(ProviderError):  # Betalingsservice cannot say now: the mandate stays as we know it
            mandate = enrollment.complete_enrollment(
                _units(container, request),
                container.providers,
                request_id=offer.request.id,
                mandate_id=mandate_id,
            )
    except NotFound:
        return _gone(request, container)
    context = {"offer": offer, "token": token, "mandate": mandate, "declined": status == "cancelled"}
    return _page(request, container, "enrollment/return.html", context)
