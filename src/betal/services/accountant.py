"""The accountant's view: for a user, the work waiting in every client organisation they belong to.

Spec: the payables issue, item 7; DESIGN.md "Core entities" (an accountant is a user with memberships in
many organisations); docs/payables.md "Accountants". ``domain.accountant`` says what counts as work.

- The user sees only organisations they are a member of, with a role that may read; the organisations
  come from the user's memberships, never from the caller.
- The number of statements is fixed (memberships, three grouped counts, three top-item lists and the
  approvals given), whatever the number of organisations (``ClientRepository``).
- Organisation API keys belong to one organisation, so this view exists in the portal only.
- ``orderable``: which invoices of a list a payment order can be made for now (the bulk action on the
  supplier invoices list).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from betal.domain.accountant import ClientApproval, ClientCounts, ClientFailure, ClientInvoice
from betal.domain.calendar import business_date
from betal.domain.tenancy import Organisation, Permission, Principal, Role, permissions_of
from betal.ports import UnitOfWork
from betal.services.supplier_invoice import InvoiceView
from betal.services.user import organisations_of

TOP = 5  # items of each kind shown per organisation
BANK_FILE_DAYS = 30  # rejected bank files are shown this long


@dataclass(frozen=True)
class ClientView:
    """One client organisation: the user's role in it, the counts and the first items of each kind."""

    organisation: Organisation
    role: Role
    counts: ClientCounts
    invoices: tuple[ClientInvoice, ...]
    approvals: tuple[ClientApproval, ...]
    failures: tuple[ClientFailure, ...]


def client_overview(uow: UnitOfWork, user_id: str, top: int = TOP) -> list[ClientView]:
    """Every organisation of the user whose role may read, by name, with the work waiting in it."""
    visible = [
        (org, m.role)
        for org, m in organisations_of(uow, user_id)
        if Permission.READ in permissions_of(m.role)
    ]
    if not visible:
        return []
    ids = [org.id for org, _ in visible]
    now = uow.clock.now()
    files_since = now - timedelta(days=BANK_FILE_DAYS)
    counts = {c.organisation_id: c for c in uow.clients.counts(ids, business_date(now), files_since)}
    invoices: dict[str, list[ClientInvoice]] = defaultdict(list)
    for invoice in uow.clients.invoices(ids, top):
        invoices[invoice.organisation_id].append(invoice)
    approvals: dict[str, list[ClientApproval]] = defaultdict(list)
    for approval in uow.clients.approvals(ids, top):
        approvals[approval.organisation_id].append(approval)
    failures: dict[str, list[ClientFailure]] = defaultdict(list)
    for failure in uow.clients.failures(ids, top, files_since):
        failures[failure.organisation_id].append(failure)
    return [
        ClientView(
            org, role, counts.get(org.id, ClientCounts(org.id)), tuple(invoices[org.id]),
            tuple(approvals[org.id]), tuple(failures[org.id]),
        )
        for org, role in visible
    ]  # fmt: skip


def orderable(uow: UnitOfWork, principal: Principal, views: Sequence[InvoiceView]) -> set[str]:
    """The ids of the invoices a payment order can be made for now: booked, payable, no live order."""
    principal.require(Permission.READ)
    payable = [v.invoice.id for v in views if v.payable]
    live = uow.clients.live_order_invoice_ids(principal.organisation_id, payable)
    return {invoice_id for invoice_id in payable if invoice_id not in live}
