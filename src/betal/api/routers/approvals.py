"""``/v1/payment-orders``, ``/v1/approval-policy`` and ``/v1/approval-requests`` (API.md "Payables").

The payables issue, items 3 to 5; the rules are in ``services.payment_order``, ``services.approval`` and
``services.approval_policy``. A decision needs a person: an API key belongs to an organisation, not to a
user, so ``POST /v1/approval-requests/{id}/decisions`` with an API key answers 403
(``approval.user_required``); approvers decide on the approver pages or from the e-mail link.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from betal.api.deps import ContainerDep, PrincipalDep, UowDep
from betal.api.idempotency import respond, run_idempotent
from betal.api.pagination import CursorQuery, LimitQuery, ListOf, page
from betal.api.schemas.approvals import (
    ApprovalPolicyRead,
    ApprovalPolicyWrite,
    ApprovalRequestCreate,
    ApprovalRequestRead,
    DecisionCreate,
    DecisionRead,
    PaymentOrderBulkCreate,
    PaymentOrderCreate,
    PaymentOrderDetail,
    PaymentOrderRead,
)
from betal.bootstrap import Container
from betal.domain.approval import ApprovalRequest, Via
from betal.services import approval, approval_policy
from betal.services import payment_order as orders
from betal.services.approval_notice import Messaging
from betal.services.notify import Links

router = APIRouter(prefix="/v1", tags=["payables"])


def _existing(approval_request_id: str, uow: UowDep, principal: PrincipalDep) -> ApprovalRequest:
    """The request the path names; resolved before the body, so another organisation's id is a 404."""
    return approval.get_request(uow, principal, approval_request_id)


ExistingRequest = Annotated[ApprovalRequest, Depends(_existing)]


def messaging(container: Container) -> Messaging:
    return Messaging(container.renderer(), Links(container.signer, container.settings.base_url))


@router.post("/payment-orders", status_code=201, response_model=PaymentOrderRead)
def create_payment_order(
    body: PaymentOrderCreate, request: Request, uow: UowDep, principal: PrincipalDep
) -> Response:
    data = orders.NewPaymentOrder(body.supplier_invoice_id, body.execution_date)
    return run_idempotent(
        request,
        uow,
        principal,
        body,
        lambda: respond(201, PaymentOrderRead.of(orders.create_payment_order(uow, principal, data))),
    )


@router.post("/payment-orders/bulk", status_code=201, response_model=ListOf[PaymentOrderRead])
def create_payment_orders(
    body: PaymentOrderBulkCreate, request: Request, uow: UowDep, principal: PrincipalDep
) -> Response:
    def action() -> tuple[int, object]:
        made = orders.create_payment_orders(uow, principal, body.supplier_invoice_ids, body.execution_date)
        return respond(
            201, ListOf[PaymentOrderRead](data=[PaymentOrderRead.of(o) for o in made], next_cursor=None)
        )

    return run_idempotent(request, uow, principal, body, action)


@router.get("/payment-orders", response_model=ListOf[PaymentOrderRead])
def list_payment_orders(
    uow: UowDep,
    principal: PrincipalDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> ListOf[PaymentOrderRead]:
    data, next_cursor = page(
        lambda after, n: orders.list_payment_orders(uow, principal, status=status, after_id=after, limit=n),
        cursor,
        limit,
        PaymentOrderRead.of,
        lambda o: o.id,
    )
    return ListOf[PaymentOrderRead](data=data, next_cursor=next_cursor)


@router.get("/payment-orders/{payment_order_id}", response_model=PaymentOrderDetail)
def get_payment_order(payment_order_id: str, uow: UowDep, principal: PrincipalDep) -> PaymentOrderDetail:
    found = orders.get_payment_order(uow, principal, payment_order_id)
    decisions = approval.decisions_on(uow, principal, found.id)
    detail = PaymentOrderRead.of(found).model_dump()
    return PaymentOrderDetail(**detail, decisions=[DecisionRead.of(d) for d in decisions])


@router.post("/payment-orders/{payment_order_id}/cancel", response_model=PaymentOrderRead)
def cancel_payment_order(
    payment_order_id: str, request: Request, uow: UowDep, principal: PrincipalDep
) -> Response:
    return run_idempotent(
        request,
        uow,
        principal,
        None,
        lambda: respond(
            200, PaymentOrderRead.of(orders.cancel_payment_order(uow, principal, payment_order_id))
        ),
    )


@router.get("/approval-policy", response_model=ApprovalPolicyRead)
def get_approval_policy(uow: UowDep, principal: PrincipalDep) -> ApprovalPolicyRead:
    return ApprovalPolicyRead.of(approval_policy.get_policy(uow, principal))


@router.put("/approval-policy", response_model=ApprovalPolicyRead)
def put_approval_policy(
    body: ApprovalPolicyWrite, uow: UowDep, principal: PrincipalDep
) -> ApprovalPolicyRead:
    data = approval_policy.PolicyInput(
        body.required_approvals,
        tuple(body.approver_user_ids),
        body.dual_threshold_amount,
        body.remind_days_before,
    )
    return ApprovalPolicyRead.of(approval_policy.put_policy(uow, principal, data))


@router.post("/approval-requests", status_code=201, response_model=ApprovalRequestRead)
def create_approval_request(
    body: ApprovalRequestCreate,
    request: Request,
    uow: UowDep,
    principal: PrincipalDep,
    container: ContainerDep,
) -> Response:
    approvers = None if body.approver_user_ids is None else tuple(body.approver_user_ids)

    def action() -> tuple[int, object]:
        made = approval.request_approval(
            uow, principal, messaging(container), body.payment_order_ids, approvers
        )
        return respond(201, ApprovalRequestRead.of(made))

    return run_idempotent(request, uow, principal, body, action)


@router.get("/approval-requests/{approval_request_id}", response_model=ApprovalRequestRead)
def get_approval_request(found: ExistingRequest) -> ApprovalRequestRead:
    return ApprovalRequestRead.of(found)


@router.post("/approval-requests/{approval_request_id}/decisions", response_model=ListOf[PaymentOrderRead])
def decide(
    found: ExistingRequest,
    body: DecisionCreate,
    request: Request,
    uow: UowDep,
    principal: PrincipalDep,
    container: ContainerDep,
) -> Response:
    """Approve or reject orders of the request as the signed-in approver (API keys answer 403)."""
    ids = None if body.payment_order_ids is None else tuple(body.payment_order_ids)
    data = approval.DecisionInput(body.decision, body.comment, ids)

    def action() -> tuple[int, object]:
        settled = approval.decide(uow, principal, messaging(container), found.id, data, Via.API)
        return respond(
            200, ListOf[PaymentOrderRead](data=[PaymentOrderRead.of(o) for o in settled], next_cursor=None)
        )

    return run_idempotent(request, uow, principal, body, action)
