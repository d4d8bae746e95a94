"""Approval messages: signed approve/reject links, requests and reminders to approvers, and what the
bookkeeper is told (a rejection with its comment; a late approval that moved the execution date).

Spec: the payables issue, items 4 and 5; docs/payables.md "Approvals"; docs/notifications.md.

- A link is a token signed with the installation's secret (``Signer``, purpose ``approval_link``) over
  ``LinkClaims``: a random link id, the organisation, the approval request, the approver, the orders and
  the decision. It expires 7 days after it was sent or at the end of the last execution date it covers,
  whichever is later, and works once (its id goes into ``approval_link_uses`` when used).
- Each approver gets one message per request (``approval.requested``) covering the orders of the request
  they may approve (not the ones they created). Reminders (``approval.reminder``) go to the approvers who
  have not decided, ``remind_days_before`` days before the execution date: once per request, approver and
  execution date (the dedupe key carries the date as ``r<yyyymmdd>``), so once per order and approver.
- The bookkeeper is the user who created the order, else the user who sent it for approval. Their
  messages are e-mails in their portal language, once per order and round (dedupe key).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from betal.domain.approval import (
    MAX_REMIND_DAYS,
    ApprovalPolicy,
    ApprovalRequest,
    Decision,
    LinkClaims,
    link_expiry,
)
from betal.domain.calendar import business_date
from betal.domain.errors import InvalidInput
from betal.domain.ids import new_id
from betal.domain.notification import Channel, DeliveryStatus, OutboxMessage, Template
from betal.domain.payables import PaymentOrder
from betal.domain.tenancy import User
from betal.ports import MessageRenderer, Signer, UnitOfWork
from betal.services.notification import queue_message
from betal.services.notify import ApprovalNotice, Links, notify_approver

LINK_PURPOSE = "approval_link"
LINK_MAX_AGE = 400 * 24 * 3600  # the signature's own limit; the claims' expiry decides first
REMIND_LOOKBACK = timedelta(days=7)  # an order still awaiting approval this long after its date is left
REMIND_SCAN = 1000


@dataclass(frozen=True)
class Messaging:
    """How approval messages are written and linked: the renderer and the signed links' base URL."""

    renderer: MessageRenderer
    links: Links


def read_link(signer: Signer, token: str, now_timestamp: float) -> LinkClaims:
    """The claims of a genuine link: ``token.invalid`` for a tampered or foreign one, ``token.expired``."""
    claims = LinkClaims.from_json(signer.unsign(token, purpose=LINK_PURPOSE, max_age_seconds=LINK_MAX_AGE))
    if now_timestamp >= claims.expires_at:
        raise InvalidInput("the link has expired", field="token", code="token.expired")
    return claims


def _link_path(signer: Signer, claims: LinkClaims) -> str:
    return f"/approve/{signer.sign(claims.to_json(), purpose=LINK_PURPOSE)}"


def link_paths(
    uow: UnitOfWork,
    signer: Signer,
    approval: ApprovalRequest,
    approver: str,
    orders: Sequence[PaymentOrder],
    *,
    expires_at: int | None = None,
) -> tuple[str, str]:
    """The paths of a fresh approve link and a fresh reject link for ``approver`` over ``orders``; they
    expire at ``expires_at`` (a link that follows a used one keeps its expiry) or per ``link_expiry``."""
    expires = expires_at or link_expiry(uow.clock.now(), [o.execution_date for o in orders])
    paths = [
        _link_path(
            signer,
            LinkClaims(
                secrets.token_hex(16),
                approval.organisation_id,
                approval.id,
                approver,
                tuple(o.id for o in orders),
                decision,
                expires,
            ),
        )
        for decision in (Decision.APPROVE, Decision.REJECT)
    ]
    return paths[0], paths[1]


def _total(orders: Sequence[PaymentOrder]) -> tuple[int, str]:
    """The orders' sum in their currency, or their DKK value when the currencies differ."""
    currencies = {o.currency for o in orders}
    if len(currencies) == 1:
        return sum(o.amount_minor for o in orders), currencies.pop()
    return sum(o.dkk_amount_minor or o.amount_minor for o in orders), "DKK"


def notify_approvers(
    uow: UnitOfWork,
    messaging: Messaging,
    approval: ApprovalRequest,
    orders: Sequence[PaymentOrder],
    approvers: Sequence[str],
    reminder_for: date | None = None,
) -> int:
    """Tell each approver about the orders they may approve (a reminder when ``reminder_for`` is the
    execution date being reminded of); returns the messages queued."""
    queued = 0
    for approver in approvers:
        theirs = [o for o in orders if o.created_by != approver]
        if not theirs:
            continue
        approve_path, reject_path = link_paths(uow, messaging.links.signer, approval, approver, theirs)
        total, currency = _total(theirs)
        notice = ApprovalNotice(
            approval.organisation_id,
            approval.id,
            approver,
            len(theirs),
            total,
            currency,
            min(o.execution_date for o in theirs),
            reminder_number=0 if reminder_for is None else int(reminder_for.strftime("%Y%m%d")),
            approve_path=approve_path,
            reject_path=reject_path,
        )
        queued += notify_approver(uow, messaging.renderer, messaging.links, notice) is not None
    return queued


def bookkeeper_of(uow: UnitOfWork, order: PaymentOrder, approval: ApprovalRequest | None) -> User | None:
    """The member to tell about the order: its creator, else whoever sent it for approval."""
    for user_id in (order.created_by, None if approval is None else approval.created_by):
        user = None if user_id is None else uow.users.get(user_id)
        if user is not None and uow.memberships.get(user.id, order.organisation_id) is not None:
            return user
    return None


def tell_bookkeeper(
    uow: UnitOfWork,
    messaging: Messaging,
    template: Template,
    order: PaymentOrder,
    approval: ApprovalRequest | None,
    dedupe: str,
    **extra: Any,
) -> OutboxMessage | None:
    """E-mail the bookkeeper ``approval.rejected`` or ``approval.late`` about ``order`` (once per dedupe)."""
    user = bookkeeper_of(uow, order, approval)
    organisation = uow.organisations.get(order.organisation_id)
    invoice = uow.supplier_invoices.get(order.organisation_id, order.supplier_invoice_id)
    supplier = uow.suppliers.get(order.organisation_id, order.supplier_id)
    key = f"{order.id}:{template.value}:{dedupe}:{Channel.EMAIL.value}"
    if user is None or organisation is None or invoice is None or supplier is None or uow.outbox.exists(key):
        return None
    context: dict[str, Any] = {
        "sender_name": organisation.display_sender,
        "bookkeeper_name": user.name,
        "organisation_name": organisation.name,
        "supplier_name": supplier.name,
        "invoice_number": invoice.invoice_number,
        "amount": order.amount_minor,
        "currency": order.currency,
        "execution_date": order.execution_date,
        "order_url": messaging.links.page(f"/app/payables/orders/{order.id}"),
    } | extra
    language = user.locale if user.locale in ("da", "en") else "da"
    rendered = messaging.renderer.render(template, Channel.EMAIL, language, context)
    message = OutboxMessage(
        id=new_id("out"),
        organisation_id=organisation.id,
        channel=Channel.EMAIL,
        recipient=user.email,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        status=DeliveryStatus.QUEUED,
        created_at=uow.clock.now(),
        related_id=order.id,
        template=template,
        language=language,
        dedupe_key=key,
        context={k: v.isoformat() if isinstance(v, date) else v for k, v in context.items()},
    )
    queue_message(uow, message)
    return message


def _due_for_reminder(
    uow: UnitOfWork, policy: ApprovalPolicy, order: PaymentOrder, today: date
) -> tuple[ApprovalRequest, list[str]] | None:
    """The order's request and the approvers still to decide, if a reminder is due for it today."""
    if order.execution_date - timedelta(days=policy.remind_days_before) > today:
        return None
    approval = uow.approval_requests.current_for_order(order.organisation_id, order.id)
    if approval is None:
        return None
    decisions = uow.approval_decisions.list_for_orders(order.organisation_id, [order.id])
    current_round = 1 + sum(d.decision is Decision.REJECT for d in decisions)
    decided = {d.approver_user_id for d in decisions if d.round == current_round}
    waiting = [
        a
        for a in approval.approver_user_ids
        if a in policy.approver_user_ids and a not in decided and a != order.created_by
    ]
    return approval, waiting


def remind_approvers(
    uow: UnitOfWork, messaging: Messaging, policy_of: Callable[[str], ApprovalPolicy]
) -> int:
    """Remind approvers of the orders whose reminder day has come (every organisation); messages queued.

    The caller commits. Orders more than ``REMIND_LOOKBACK`` past their execution date are not looked at.
    """
    today = business_date(uow.clock.now())
    groups: dict[tuple[str, str, date], tuple[ApprovalRequest, list[PaymentOrder]]] = {}
    policies: dict[str, ApprovalPolicy] = {}
    for order in uow.payment_orders.awaiting_until(today + timedelta(days=MAX_REMIND_DAYS), REMIND_SCAN):
        if order.execution_date < today - REMIND_LOOKBACK:
            continue
        if order.organisation_id not in policies:
            policies[order.organisation_id] = policy_of(order.organisation_id)
        due = _due_for_reminder(uow, policies[order.organisation_id], order, today)
        if due is None:
            continue
        approval, waiting = due
        for approver in waiting:
            groups.setdefault((approval.id, approver, order.execution_date), (approval, []))[1].append(order)
    return sum(
        notify_approvers(uow, messaging, approval, orders, [approver], reminder_for=day)
        for (_, approver, day), (approval, orders) in groups.items()
    )
