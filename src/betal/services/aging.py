"""The payables aging: what the organisation owes its suppliers, by days past the due date.

Spec: the ledger issue, item 2 ("trial balance, receivables aging, payables aging"); API.md "Money in and
books" (``GET /v1/reports/payables-aging``); docs/ledger.md "Reports". The receivables aging is
``services.ledger.receivables_aging``; both sum their open items with ``domain.aging``.

An open payable is a booked supplier invoice (neither paid nor cancelled) issued on or before the report's
date; it is open for its whole total (an invoice is paid at once, by one payment order). Amounts are per
supplier and currency, never added across currencies.
"""

from __future__ import annotations

from datetime import date

from betal.domain.aging import AgingReport, OpenItem, aging
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork


def payables_aging(uow: UnitOfWork, principal: Principal, as_of: date) -> AgingReport:
    """Open supplier invoices by days past due on ``as_of``, per supplier and currency."""
    principal.require(Permission.READ)
    found = uow.supplier_invoices.open_until(principal.organisation_id, as_of)
    items = [
        OpenItem(inv.supplier_id, name, inv.id, inv.currency, inv.due_date, inv.gross_minor)
        for inv, name in found
    ]
    return aging(items, as_of)
