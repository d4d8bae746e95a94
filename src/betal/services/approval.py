"""Sending payment orders to approvers, and the approvers' decisions.

Spec: the payables issue, items 4 and 5; API.md "Payables" (``POST /v1/approval-requests`` and its
``decisions``); docs/payables.md "Approvals" has the rules as a table; ``domain.approval`` holds the rules,
``services.approval_policy`` the policy, ``services.approval_link`` the e-mail links.

- Sending for approval needs ``BOOK``: draft or rejected orders go to ``awaiting_approval``, each needing
  the approvals ``domain.approval.approvals_needed`` says; every approver named must be on the policy and
  every order must have enough approvers besides its creator. Each approver gets one e-mail with signed
  links (``services.approval_notice``).
- A decision needs ``APPROVE`` and a user: API keys belong to an organisation, not to a person, so they
  cannot decide (403 ``approval.user_required``). A decision on several orders is all or nothing. Enough
  approvals approve an order (``payment_order.approved``); an order approved after its execution date
  runs on the next banking day and the bookkeeper is told (``approval.late``). A rejection rejects the
  order with the comment (``payment_order.rejected``) and the bookkeeper is told (``approval.rejected``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from betal.domain.approval import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    Decision,
    Via,
    approvals_needed,
    check_decision,
    clean_comment,
    eligible_approvers,
    execution_after_approval,
    outcome,
)
from betal.domain.calendar import business_date
from betal.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from betal.domain.events import NewEvent
from betal.domain.ids import new_id
from betal.domain.notification import Template
from betal.domain.payables import OrderStatus, PaymentOrder, move_order
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork
from betal.services import approval_notice as notices
from betal.services.approval_notice import Messaging
from betal.services.approval_policy import policy_of
from betal.services.payment_execution import approved_payment
from betal.services.payment_order import snapshot

MAX_ORDERS = 100  # per approval request: each link carries its orders' ids
SENDABLE = frozenset({OrderStatus.DRAFT, OrderStatus.REJECTED})


@dataclass(frozen=True)
class DecisionInput:
    decision: Decision
    comment: str | None = None
    payment_order_ids: tuple[str, ...] | None = None  # None: every order of the request left to decide


def _approvers(policy: ApprovalPolicy, asked: Sequence[str] | None) -> tuple[str, ...]:
    if asked is None:
        return policy.approver_user_ids
    if not asked or len(set(asked)) != len(asked):
        raise InvalidInput("name one or more different approvers", field="approver_user_ids")
    strangers = [a for a in asked if a not in policy.approver_user_ids]
    if strangers:
        raise InvalidInput(
            f"not on the approval policy: {', '.join(strangers)}",
            field="approver_user_ids",
            code="approval.approver_not_on_policy",
        )
    return tuple(asked)


def _orders_to_send(uow: UnitOfWork, org: str, order_ids: Sequence[str]) -> list[PaymentOrder]:
    if not 1 <= len(order_ids) <= MAX_ORDERS or len(set(order_ids)) != len(order_ids):
        raise InvalidInput(f"give 1 to {MAX_ORDERS} different payment order ids", field="payment_order_ids")
    orders = uow.payment_orders.get_many(org, order_ids, for_update=True)
    missing = sorted(set(order_ids) - {o.id for o in orders})
    if missing:
        raise NotFound(f"no payment order {', '.join(missing)}", code="payment_order.not_found")
    for order in orders:
        if order.status not in SENDABLE:
            raise Conflict(
                f"the payment order {order.id} is {order.status.value}; only draft or rejected "
                "orders are sent for approval",
                code="approval.not_sendable",
            )
    return orders


def _required(uow: UnitOfWork, policy: ApprovalPolicy, order: PaymentOrder, approvers: Sequence[str]) -> int:
    supplier = uow.suppliers.get(order.organisation_id, order.supplier_id)
    needed = approvals_needed(
        policy,
        order.dkk_amount_minor or order.amount_minor,
        supplier is not None and supplier.needs_dual_approval,
    )
    if len(eligible_approvers(approvers, order.created_by)) < needed:
        raise InvalidInput(
            f"the payment order {order.id} needs {needed} approvals from approvers other than its creator",
            field="approver_user_ids",
            code="approval.not_enough_approvers",
        )
    return needed


def request_approval(
    uow: UnitOfWork,
    principal: Principal,
    messaging: Messaging,
    order_ids: Sequence[str],
    approver_user_ids: Sequence[str] | None = None,
) -> ApprovalRequest:
    """Send orders to approvers: one request, one e-mail per approver, all in one transaction."""
    principal.require(Permission.BOOK)
    org, now = principal.organisation_id, uow.clock.now()
    orders = _orders_to_send(uow, org, order_ids)
    policy = policy_of(uow, org)
    approvers = _approvers(policy, approver_user_ids)
    sent = [
        move_order(
            o,
            OrderStatus.AWAITING_APPROVAL,
            now,
            required_approvals=_required(uow, policy, o, approvers),
            rejection_comment=None,
        )
        for o in orders
    ]
    approval = ApprovalRequest(
        new_id("appr"), org, tuple(o.id for o in sent), approvers, principal.actor_id, now
    )
    uow.approval_requests.add(approval)
    for order in sent:
        uow.payment_orders.save(order)
        uow.publish(
            NewEvent(
                org,
                "payment_order.approval_requested",
                snapshot(order) | {"approval_request_id": approval.id},
            )
        )
    uow.audit(
        org,
        "approval.requested",
        "approval_request",
        approval.id,
        payment_order_ids=list(approval.payment_order_ids),
        approver_user_ids=list(approvers),
    )
    notices.notify_approvers(uow, messaging, approval, sent, approvers)
    uow.commit()
    return approval


def get_request(uow: UnitOfWork, principal: Principal, approval_id: str) -> ApprovalRequest:
    principal.require(Permission.READ)
    approval = uow.approval_requests.get(principal.organisation_id, approval_id)
    if approval is None:
        raise NotFound(f"no approval request {approval_id}", code="approval_request.not_found")
    return approval


def current_round(decisions: Sequence[ApprovalDecision], order_id: str) -> list[ApprovalDecision]:
    """The decisions on the order in its current round (each rejection ends a round)."""
    mine = [d for d in decisions if d.payment_order_id == order_id]
    number = 1 + sum(d.decision is Decision.REJECT for d in mine)
    return [d for d in mine if d.round == number]


def _open_to(
    uow: UnitOfWork,
    approval: ApprovalRequest,
    order: PaymentOrder,
    user_id: str,
    decided: Sequence[ApprovalDecision],
) -> bool:
    """Whether ``user_id`` has a decision to make on the order in this request now."""
    if order.status is not OrderStatus.AWAITING_APPROVAL or order.created_by == user_id:
        return False
    if any(d.approver_user_id == user_id for d in current_round(decided, order.id)):
        return False
    current = uow.approval_requests.current_for_order(order.organisation_id, order.id)
    return current is not None and current.id == approval.id


def open_orders(
    uow: UnitOfWork, approval: ApprovalRequest, user_id: str, among: Sequence[str] | None = None
) -> list[PaymentOrder]:
    """The orders of the request (or of ``among``) the user still has to decide on."""
    ids = [i for i in approval.payment_order_ids if among is None or i in among]
    orders = uow.payment_orders.get_many(approval.organisation_id, ids)
    decided = uow.approval_decisions.list_for_orders(approval.organisation_id, ids)
    return [o for o in orders if _open_to(uow, approval, o, user_id, decided)]


def _settle(
    uow: UnitOfWork,
    messaging: Messaging,
    approval: ApprovalRequest,
    order: PaymentOrder,
    this_round: Sequence[ApprovalDecision],
    comment: str | None,
) -> PaymentOrder:
    """Approve or reject the order if its round is decided; tell the bookkeeper what they must know."""
    now = uow.clock.now()
    status = outcome(order.required_approvals, this_round)
    if status is OrderStatus.APPROVED:
        day = execution_after_approval(order.execution_date, business_date(now))
        settled = move_order(order, status, now, execution_date=day, **approved_payment(uow, order))
        if day != order.execution_date:
            notices.tell_bookkeeper(
                uow, messaging, Template.APPROVAL_LATE, order, approval, "late", new_execution_date=day
            )
    elif status is OrderStatus.REJECTED:
        settled = move_order(order, status, now, rejection_comment=comment)
        approver = uow.users.get(this_round[-1].approver_user_id)
        notices.tell_bookkeeper(
            uow,
            messaging,
            Template.APPROVAL_REJECTED,
            order,
            approval,
            f"r{this_round[-1].round}",
            comment=comment,
            approver_name=approver.name if approver else "",
        )
    else:
        return order
    uow.payment_orders.save(settled)
    data = snapshot(settled) | {
        "approval_request_id": approval.id,
        "late": settled.execution_date != order.execution_date,
    }
    uow.publish(NewEvent(order.organisation_id, f"payment_order.{status.value}", data))
    return settled


def record_decision(
    uow: UnitOfWork,
    messaging: Messaging,
    approval: ApprovalRequest,
    user_id: str,
    data: DecisionInput,
    via: Via,
) -> list[PaymentOrder]:
    """Record the user's decision on the orders (all or nothing) and settle the orders it completes."""
    org, policy = approval.organisation_id, policy_of(uow, approval.organisation_id)
    comment = clean_comment(data.comment)
    asked = data.payment_order_ids
    if asked is not None and (not asked or set(asked) - set(approval.payment_order_ids)):
        raise InvalidInput("name orders of this approval request", field="payment_order_ids")
    orders = uow.payment_orders.get_many(org, asked or approval.payment_order_ids, for_update=True)
    decided = uow.approval_decisions.list_for_orders(org, [o.id for o in orders])
    if asked is None:
        orders = [o for o in orders if _open_to(uow, approval, o, user_id, decided)]
        if not orders:
            raise Conflict(
                "nothing in this approval request is left for you to decide",
                code="approval.nothing_to_decide",
            )
    settled = []
    for order in orders:
        _check_open(uow, approval, order)
        this_round = current_round(decided, order.id)
        check_decision(policy, order.created_by, user_id, data.decision, this_round)
        number = 1 + sum(d.decision is Decision.REJECT for d in decided if d.payment_order_id == order.id)
        record = ApprovalDecision(
            new_id("adec"), org, approval.id, order.id, user_id, number, data.decision, comment, via,
            uow.clock.now(),
        )  # fmt: skip
        uow.approval_decisions.add(record)
        current = _with_required_now(uow, policy, order)
        settled.append(_settle(uow, messaging, approval, current, [*this_round, record], comment))
    uow.audit(
        org,
        f"approval.{data.decision.value}d",
        "approval_request",
        approval.id,
        via=via.value,
        payment_order_ids=[o.id for o in orders],
        comment=comment,
    )
    return settled


def _with_required_now(uow: UnitOfWork, policy: ApprovalPolicy, order: PaymentOrder) -> PaymentOrder:
    """The order needing two approvals if its supplier's bank details changed since it was sent."""
    supplier = uow.suppliers.get(order.organisation_id, order.supplier_id)
    needed = approvals_needed(policy, order.dkk_amount_minor or order.amount_minor,
                              supplier is not None and supplier.needs_dual_approval)  # fmt: skip
    if needed <= order.required_approvals:
        return order
    raised = replace(order, required_approvals=needed)
    uow.payment_orders.save(raised)
    return raised


def _check_open(uow: UnitOfWork, approval: ApprovalRequest, order: PaymentOrder) -> None:
    if order.status is not OrderStatus.AWAITING_APPROVAL:
        raise Conflict(
            f"the payment order {order.id} is {order.status.value}, not awaiting approval",
            code="approval.not_awaiting",
        )
    current = uow.approval_requests.current_for_order(order.organisation_id, order.id)
    if current is None or current.id != approval.id:
        raise Conflict(
            f"the payment order {order.id} was sent for approval again since", code="approval.superseded"
        )


def decide(
    uow: UnitOfWork,
    principal: Principal,
    messaging: Messaging,
    approval_id: str,
    data: DecisionInput,
    via: Via,
) -> list[PaymentOrder]:
    """A signed-in approver's decision (API or approver pages)."""
    approval = get_request(uow, principal, approval_id)  # another organisation's id: a 404 first
    principal.require(Permission.APPROVE)
    if principal.actor_type != "user":
        raise Forbidden(
            "a decision needs a person: decide in betal or from the e-mail link",
            code="approval.user_required",
        )
    settled = record_decision(uow, messaging, approval, principal.actor_id, data, via)
    uow.commit()
    return settled


def pending_for(
    uow: UnitOfWork, principal: Principal, scan: int = 200
) -> list[tuple[ApprovalRequest, list[PaymentOrder]]]:
    """The signed-in approver's requests with orders left for them to decide, newest first."""
    principal.require(Permission.APPROVE)
    found = []
    for approval in uow.approval_requests.list_recent(principal.organisation_id, scan):
        orders = open_orders(uow, approval, principal.actor_id)
        if orders:
            found.append((approval, orders))
    return found


def decisions_on(uow: UnitOfWork, principal: Principal, order_id: str) -> list[ApprovalDecision]:
    """Every decision on one of the organisation's orders, in every round, oldest first."""
    principal.require(Permission.READ)
    return uow.approval_decisions.list_for_orders(principal.organisation_id, [order_id])


def request_orders(
    uow: UnitOfWork, principal: Principal, approval_id: str
) -> tuple[ApprovalRequest, list[PaymentOrder], tuple[str, ...]]:
    """The request, its orders as they are now, and those the signed-in user still has to decide."""
    approval = get_request(uow, principal, approval_id)
    orders = uow.payment_orders.get_many(principal.organisation_id, approval.payment_order_ids)
    left = open_orders(uow, approval, principal.actor_id) if principal.actor_type == "user" else []
    return approval, orders, tuple(o.id for o in left)
