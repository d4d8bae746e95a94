"""``/app/clients``: the accountant's view across every client organisation of the signed-in user.

One card per organisation (by name) with what waits in it: invoices to book or pay, orders awaiting
approval (late ones first, with the approvals still missing) and failures, each with its count and first
items (``services.accountant``). Every link switches the session to that organisation (a form posting to
``/app/switch-organisation`` with the session's CSRF token) and opens the filtered list or the item.

This view exists in the portal only: an API key belongs to one organisation (docs/payables.md).
"""

from __future__ import annotations

from babel.dates import format_date
from fastapi import APIRouter, Request
from starlette.responses import Response

from betal.domain.calendar import business_date
from betal.services import accountant
from betal.web.deps import PortalDep, portal_uow
from betal.web.templating import language_of, money_formatter, render

router = APIRouter(prefix="/app", include_in_schema=False)

ORDERS = "/app/payables/orders"
LISTS = {
    "ready": ORDERS,
    "no_payment_means": "/app/payables/invoices?status=booked",
    "draft": f"{ORDERS}?status=draft",
    "awaiting": f"{ORDERS}?status=awaiting_approval",
    "rejected": f"{ORDERS}?status=rejected",
    "failed": f"{ORDERS}?status=failed",
}


@router.get("/clients")
def clients(request: Request, portal: PortalDep) -> Response:
    with portal_uow(request, portal) as uow:
        views = accountant.client_overview(uow, portal.user.id)
    language = language_of(request)
    context = {
        "portal": portal,
        "clients": views,
        "lists": LISTS,
        "today": business_date(portal.container.clock.now()),
        "money": money_formatter(language),
        "day": lambda d: format_date(d, "medium", locale=language),
    }
    return render(request, "app/accountant/clients.html", context)
