"""Portal pages for bank files under ``/app/payables/bank-files`` (payables issue, item 6).

- ``/app/payables/bank-files``: the pain.001 files sent to the bank, newest first, each with its status,
  debtor account, execution date and total, and its orders with their status and any reason the bank gave.
- ``/app/payables/bank-files/{id}/xml``: the file as submitted, as a download.

The pages call the same services as the API (``services/bank_file.py``) with the user's role.
"""

from __future__ import annotations

from typing import Any

from babel.dates import format_date
from fastapi import APIRouter, Request
from starlette.responses import Response

from betal.services import bank_file as bank_files
from betal.services import payment_order as orders
from betal.web.deps import PortalDep, portal_principal, portal_uow
from betal.web.templating import language_of, money_formatter, render

router = APIRouter(prefix="/app/payables", include_in_schema=False)
SHOWN = 50


@router.get("/bank-files")
def bank_file_list(request: Request, portal: PortalDep) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        found = bank_files.list_bank_files(uow, principal, after_id=None, limit=1000)[-SHOWN:]
        files: list[tuple[Any, Any]] = [
            (f, orders.order_views(uow, principal, bank_files.file_orders(uow, principal, f.id)))
            for f in reversed(found)
        ]
    language = language_of(request)
    values = {
        "portal": portal,
        "files": files,
        "money": money_formatter(language),
        "day": lambda d: format_date(d, "medium", locale=language),
    }
    return render(request, "app/payables/bank_files.html", values)


@router.get("/bank-files/{bank_file_id}/xml")
def bank_file_xml(request: Request, portal: PortalDep, bank_file_id: str) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        bank_file, content = bank_files.bank_file_content(uow, principal, bank_file_id)
    headers = {
        "Content-Disposition": f'attachment; filename="{bank_file.message_id}.xml"',
        "Content-Security-Policy": "sandbox",
    }
    return Response(content, media_type="application/xml", headers=headers)
