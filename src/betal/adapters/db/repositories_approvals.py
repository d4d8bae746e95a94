"""SQLAlchemy repositories for payment orders, approval policies, approval requests, their decisions and the
single use of signed approval links.

An order belongs to one approval request at a time: the newest request that lists it. Requests keep
their orders as a JSON list, so "the request of an order" is a JSON containment query (``@>`` on
PostgreSQL's JSONB, ``json_each`` on SQLite), bounded by the organisation's index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import cast, exists, func, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from betal.adapters.db.mapping import to_columns, to_domain
from betal.adapters.db.orm_payables import (
    ApprovalDecisionRow,
    ApprovalLinkUseRow,
    ApprovalPolicyRow,
    ApprovalRequestRow,
    PaymentOrderRow,
)
from betal.adapters.db.upsert import insert_for
from betal.domain.approval import ApprovalDecision, ApprovalPolicy, ApprovalRequest
from betal.domain.payables import OrderStatus, PaymentOrder

ACTIVE = tuple(
    s.value
    for s in (
        OrderStatus.DRAFT,
        OrderStatus.AWAITING_APPROVAL,
        OrderStatus.APPROVED,
        OrderStatus.SUBMITTED,
        OrderStatus.EXECUTED,
        OrderStatus.REJECTED,
    )
)


class SqlAlchemyPaymentOrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, order: PaymentOrder) -> None:
        self.session.add(PaymentOrderRow(**to_columns(order)))
        self.session.flush()

    def save(self, order: PaymentOrder) -> None:
        self.session.execute(
            update(PaymentOrderRow).where(PaymentOrderRow.id == order.id).values(**to_columns(order))
        )

    def get(self, organisation_id: str, order_id: str, *, for_update: bool = False) -> PaymentOrder | None:
        found = self.get_many(organisation_id, [order_id], for_update=for_update)
        return found[0] if found else None

    def get_many(
        self, organisation_id: str, order_ids: Sequence[str], *, for_update: bool = False
    ) -> list[PaymentOrder]:
        """The organisation's orders among ``order_ids``, in the order asked (unknown ids left out)."""
        query = select(PaymentOrderRow).where(
            PaymentOrderRow.organisation_id == organisation_id, PaymentOrderRow.id.in_(list(order_ids))
        )
        if for_update:  # a fixed lock order, so two units never deadlock on the same orders
            query = query.order_by(PaymentOrderRow.id).with_for_update()
        rows = self.session.scalars(query.execution_options(populate_existing=True))
        by_id = {r.id: to_domain(PaymentOrder, r) for r in rows}
        return [by_id[i] for i in dict.fromkeys(order_ids) if i in by_id]

    def list_page(
        self, organisation_id: str, *, status: str | None, after_id: str | None, limit: int
    ) -> list[PaymentOrder]:
        query = select(PaymentOrderRow).where(PaymentOrderRow.organisation_id == organisation_id)
        if status is not None:
            query = query.where(PaymentOrderRow.status == status)
        if after_id is not None:
            query = query.where(PaymentOrderRow.id > after_id)
        rows = self.session.scalars(query.order_by(PaymentOrderRow.id).limit(limit))
        return [to_domain(PaymentOrder, r) for r in rows]

    def active_for_invoice(self, organisation_id: str, invoice_id: str) -> list[PaymentOrder]:
        """The invoice's orders that are neither cancelled nor failed (at most one, by the service)."""
        rows = self.session.scalars(
            select(PaymentOrderRow).where(
                PaymentOrderRow.organisation_id == organisation_id,
                PaymentOrderRow.supplier_invoice_id == invoice_id,
                PaymentOrderRow.status.in_(ACTIVE),
            )
        )
        return [to_domain(PaymentOrder, r) for r in rows]

    def awaiting_until(self, day: date, limit: int) -> list[PaymentOrder]:
        """Orders of every organisation awaiting approval that execute on or before ``day``, soonest first."""
        rows = self.session.scalars(
            select(PaymentOrderRow)
            .where(
                PaymentOrderRow.status == OrderStatus.AWAITING_APPROVAL.value,
                PaymentOrderRow.execution_date <= day,
            )
            .order_by(PaymentOrderRow.execution_date, PaymentOrderRow.id)
            .limit(limit)
        )
        return [to_domain(PaymentOrder, r) for r in rows]


def _policy(row: ApprovalPolicyRow) -> ApprovalPolicy:
    return ApprovalPolicy(
        organisation_id=row.organisation_id,
        required_approvals=row.required_approvals,
        approver_user_ids=tuple(row.approver_user_ids),
        dual_threshold_minor=row.dual_threshold_minor,
        remind_days_before=row.remind_days_before,
        id=row.id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlAlchemyApprovalPolicyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, organisation_id: str) -> ApprovalPolicy | None:
        row = self.session.scalars(
            select(ApprovalPolicyRow)
            .where(ApprovalPolicyRow.organisation_id == organisation_id)
            .execution_options(populate_existing=True)
        ).first()
        return None if row is None else _policy(row)

    def save(self, policy: ApprovalPolicy) -> None:
        """Insert the organisation's policy, or replace the one it has (one per organisation)."""
        values = to_columns(policy) | {"approver_user_ids": list(policy.approver_user_ids)}
        changes = {k: v for k, v in values.items() if k not in ("id", "organisation_id", "created_at")}
        stmt = insert_for(self.session)(ApprovalPolicyRow).values(**values)
        self.session.execute(stmt.on_conflict_do_update(index_elements=["organisation_id"], set_=changes))


def _request(row: ApprovalRequestRow) -> ApprovalRequest:
    return ApprovalRequest(
        id=row.id,
        organisation_id=row.organisation_id,
        payment_order_ids=tuple(row.payment_order_ids),
        approver_user_ids=tuple(row.approver_user_ids),
        created_by=row.created_by,
        created_at=row.created_at,
    )


class SqlAlchemyApprovalRequestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, request: ApprovalRequest) -> None:
        values = to_columns(request) | {
            "payment_order_ids": list(request.payment_order_ids),
            "approver_user_ids": list(request.approver_user_ids),
        }
        self.session.add(ApprovalRequestRow(**values))
        self.session.flush()

    def get(self, organisation_id: str, request_id: str) -> ApprovalRequest | None:
        row = self.session.scalars(
            select(ApprovalRequestRow).where(
                ApprovalRequestRow.id == request_id, ApprovalRequestRow.organisation_id == organisation_id
            )
        ).first()
        return None if row is None else _request(row)

    def _lists(self, order_id: str) -> Any:
        if self.session.get_bind().dialect.name == "postgresql":
            return ApprovalRequestRow.payment_order_ids.op("@>")(cast(literal(json.dumps([order_id])), JSONB))
        each = func.json_each(ApprovalRequestRow.payment_order_ids).table_valued("value")
        return exists(select(literal(1)).select_from(each).where(each.c.value == order_id))

    def current_for_order(self, organisation_id: str, order_id: str) -> ApprovalRequest | None:
        """The newest request that lists the order: the one its approvers decide in now."""
        row = self.session.scalars(
            select(ApprovalRequestRow)
            .where(ApprovalRequestRow.organisation_id == organisation_id, self._lists(order_id))
            .order_by(ApprovalRequestRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _request(row)

    def list_recent(self, organisation_id: str, limit: int) -> list[ApprovalRequest]:
        """The organisation's newest requests first."""
        rows = self.session.scalars(
            select(ApprovalRequestRow)
            .where(ApprovalRequestRow.organisation_id == organisation_id)
            .order_by(ApprovalRequestRow.id.desc())
            .limit(limit)
        )
        return [_request(r) for r in rows]

    def use_link(self, organisation_id: str, link_id: str, at: datetime) -> bool:
        """Record that a link was used; False when it had been used before (by this or another unit)."""
        stmt = (
            insert_for(self.session)(ApprovalLinkUseRow)
            .values(link_id=link_id, organisation_id=organisation_id, used_at=at)
            .on_conflict_do_nothing(index_elements=["link_id"])
            .returning(ApprovalLinkUseRow.link_id)
        )
        return self.session.execute(stmt).scalar_one_or_none() is not None

    def link_used(self, link_id: str) -> bool:
        return self.session.get(ApprovalLinkUseRow, link_id) is not None


class SqlAlchemyApprovalDecisionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, decision: ApprovalDecision) -> None:
        self.session.add(ApprovalDecisionRow(**to_columns(decision)))
        self.session.flush()

    def list_for_orders(self, organisation_id: str, order_ids: Sequence[str]) -> list[ApprovalDecision]:
        """Every decision on these orders, in every round, oldest first."""
        rows = self.session.scalars(
            select(ApprovalDecisionRow)
            .where(
                ApprovalDecisionRow.organisation_id == organisation_id,
                ApprovalDecisionRow.payment_order_id.in_(list(order_ids)),
            )
            .order_by(ApprovalDecisionRow.created_at, ApprovalDecisionRow.id)
        )
        return [to_domain(ApprovalDecision, r) for r in rows]
