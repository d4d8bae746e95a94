"""Deciding from a signed e-mail link: what the link covers, and its single use.

Spec: the payables issue, item 4 (signed, single-use, expiring approve/reject links; a mobile-first page
that shows the invoice and allows approve or reject with a comment, one at a time or all);
docs/payables.md "Approvals". The token and its expiry are ``services.approval_notice``'s.

- The link proves who the approver is; their membership must still exist and their role still allow
  approving, and the policy's rules apply as for any decision (``services.approval``).
- The first decision made with a link records its id (``approval_link_uses``); a second answers 409. The
  answer to a use carries a fresh link for the orders the approver has left, with the same expiry, so an
  approver can decide one order at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

from betal.domain.approval import ApprovalRequest, LinkClaims, Via
from betal.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from betal.domain.payables import DocumentKind, PaymentOrder, SupplierDocument
from betal.domain.tenancy import Permission, Principal, User, permissions_of
from betal.ports import UnitOfWork
from betal.services import approval_notice as notices
from betal.services.approval import DecisionInput, open_orders, record_decision
from betal.services.approval_notice import Messaging


@dataclass(frozen=True)
class LinkUse:
    approval: ApprovalRequest
    orders: list[PaymentOrder]  # what the link covers, as they are now
    open_order_ids: tuple[str, ...]  # those the approver still has to decide
    approver: User
    principal: Principal  # the approver in the organisation, to read the invoices with


def open_link(uow: UnitOfWork, claims: LinkClaims) -> LinkUse:
    """What a genuine, unexpired link covers; 409 (``approval_link.used``) once it was used."""
    if uow.approval_requests.link_used(claims.link_id):
        raise Conflict("this link has been used already", code="approval_link.used")
    approval = uow.approval_requests.get(claims.organisation_id, claims.approval_request_id)
    user = uow.users.get(claims.approver_user_id)
    membership = uow.memberships.get(claims.approver_user_id, claims.organisation_id)
    if approval is None or user is None or membership is None:
        raise NotFound("the approval request is gone", code="approval_request.not_found")
    if Permission.APPROVE not in permissions_of(membership.role):
        raise Forbidden("your role no longer lets you approve payments", code="role.forbidden")
    orders = uow.payment_orders.get_many(claims.organisation_id, claims.payment_order_ids)
    still = open_orders(uow, approval, user.id, claims.payment_order_ids)
    principal = Principal(claims.organisation_id, membership.role, "user", user.id)
    return LinkUse(approval, orders, tuple(o.id for o in still), user, principal)


def decide_by_link(
    uow: UnitOfWork, messaging: Messaging, claims: LinkClaims, data: DecisionInput
) -> tuple[list[PaymentOrder], str | None]:
    """Use the link once: decide, and return the orders settled and a fresh link path for those left."""
    use = open_link(uow, claims)
    asked = data.payment_order_ids or use.open_order_ids
    if not asked:
        raise Conflict(
            "nothing this link covers is left for you to decide", code="approval.nothing_to_decide"
        )
    if not set(asked) <= set(claims.payment_order_ids):
        raise InvalidInput("name orders this link covers", field="payment_order_ids")
    if not uow.approval_requests.use_link(claims.organisation_id, claims.link_id, uow.clock.now()):
        raise Conflict("this link has been used already", code="approval_link.used")
    settled = record_decision(
        uow,
        messaging,
        use.approval,
        use.approver.id,
        DecisionInput(data.decision, data.comment, tuple(asked)),
        Via.LINK,
    )
    left = open_orders(uow, use.approval, use.approver.id, claims.payment_order_ids)
    path = None
    if left:
        path, _ = notices.link_paths(
            uow, messaging.links.signer, use.approval, use.approver.id, left, expires_at=claims.expires_at
        )
    uow.commit()
    return settled, path


def link_document(
    uow: UnitOfWork, claims: LinkClaims, invoice_id: str, document_id: str
) -> tuple[SupplierDocument, bytes]:
    """The PDF of an invoice the link covers (viewing works after the link was used, until it expires)."""
    orders = uow.payment_orders.get_many(claims.organisation_id, claims.payment_order_ids)
    membership = uow.memberships.get(claims.approver_user_id, claims.organisation_id)
    if membership is None or invoice_id not in {o.supplier_invoice_id for o in orders}:
        raise NotFound("no such document", code="supplier_document.not_found")
    found = uow.supplier_documents.content(claims.organisation_id, invoice_id, document_id)
    if found is None or found[0].kind is not DocumentKind.PDF:  # only the PDF: an XML could carry script
        raise NotFound("no such document", code="supplier_document.not_found")
    return found
