"""SQLAlchemy repositories for reminder policies, reminder records and the charges of late payment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from betal.adapters.db.mapping import to_columns, to_domain
from betal.adapters.db.orm_receivables import PaymentRequestRow
from betal.adapters.db.orm_reminders import ChargeRow, ReminderPolicyRow, ReminderRecordRow
from betal.domain.dunning import Charge, ChargeKind, ReminderRecord
from betal.domain.notification import Channel
from betal.domain.payment_request import PAYABLE, RequestStatus
from betal.domain.reminder import ReminderPolicy, ReminderRule

_CHARGE_ORDER = (ChargeKind.COMPENSATION, ChargeKind.REMINDER_FEE, ChargeKind.INTEREST)


def _rule_day(key: str) -> int:
    """``d-3`` -> -3, ``d0`` -> 0, ``d+10`` -> 10: records made together come in the policy's order."""
    return int(key[1:])


def _rules_json(rules: tuple[ReminderRule, ...]) -> list[dict[str, Any]]:
    return [{"days": r.days, "channels": [c.value for c in r.channels], "fee": r.fee_minor} for r in rules]


def _policy(row: ReminderPolicyRow) -> ReminderPolicy:
    rules = tuple(
        ReminderRule(int(r["days"]), tuple(Channel(c) for c in r["channels"]), int(r.get("fee", 0)))
        for r in row.rules
    )
    return ReminderPolicy(
        id=row.id, organisation_id=row.organisation_id, name=row.name, is_default=row.is_default, rules=rules,
        send_hour=row.send_hour, charge_interest=row.charge_interest, compensation=row.compensation,
        created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


class SqlAlchemyReminderPolicyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _columns(self, policy: ReminderPolicy) -> dict[str, Any]:
        return to_columns(policy) | {"rules": _rules_json(policy.rules)}

    def add(self, policy: ReminderPolicy) -> None:
        self.session.add(ReminderPolicyRow(**self._columns(policy)))
        self.session.flush()

    def save(self, policy: ReminderPolicy) -> None:
        self.session.execute(
            update(ReminderPolicyRow).where(ReminderPolicyRow.id == policy.id).values(**self._columns(policy))
        )

    def get(self, organisation_id: str, policy_id: str) -> ReminderPolicy | None:
        row = self.session.get(ReminderPolicyRow, policy_id, populate_existing=True)
        return None if row is None or row.organisation_id != organisation_id else _policy(row)

    def list_for_organisation(self, organisation_id: str) -> list[ReminderPolicy]:
        rows = self.session.scalars(
            select(ReminderPolicyRow)
            .where(ReminderPolicyRow.organisation_id == organisation_id)
            .order_by(ReminderPolicyRow.id)
        )
        return [_policy(r) for r in rows]

    def clear_default(self, organisation_id: str) -> None:
        self.session.execute(
            update(ReminderPolicyRow)
            .where(ReminderPolicyRow.organisation_id == organisation_id)
            .values(is_default=False)
        )


class SqlAlchemyReminderRecordRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: ReminderRecord) -> None:
        self.session.add(ReminderRecordRow(**to_columns(record)))
        self.session.flush()

    def list_for_request(self, organisation_id: str, request_id: str) -> list[ReminderRecord]:
        rows = self.session.scalars(
            select(ReminderRecordRow).where(
                ReminderRecordRow.organisation_id == organisation_id,
                ReminderRecordRow.payment_request_id == request_id,
            )
        )
        records = [to_domain(ReminderRecord, r) for r in rows]
        return sorted(records, key=lambda r: (r.created_at, _rule_day(r.rule_key), r.id))

    def due_requests(self, now: datetime, today: date, limit: int) -> list[tuple[str, str]]:
        """(organisation, request) pairs whose reminders are due, or that just became overdue."""
        payable = [s.value for s in PAYABLE]
        not_yet_overdue = [RequestStatus.OPEN.value, RequestStatus.PARTIALLY_PAID.value]
        query = (
            select(PaymentRequestRow.organisation_id, PaymentRequestRow.id)
            .where(
                or_(
                    and_(PaymentRequestRow.next_reminder_at <= now, PaymentRequestRow.status.in_(payable)),
                    and_(PaymentRequestRow.due_date < today, PaymentRequestRow.status.in_(not_yet_overdue)),
                )
            )
            .order_by(PaymentRequestRow.next_reminder_at, PaymentRequestRow.id)
            .limit(limit)
        )
        return [(org, rid) for org, rid in self.session.execute(query)]

    def reschedule(self, organisation_id: str, policy_id: str | None, at: datetime) -> int:
        """Ask for every payable request on a policy (None: the default) to be planned again at ``at``."""
        condition = (
            PaymentRequestRow.reminder_policy_id.is_(None)
            if policy_id is None
            else PaymentRequestRow.reminder_policy_id == policy_id
        )
        result = self.session.execute(
            update(PaymentRequestRow)
            .where(
                PaymentRequestRow.organisation_id == organisation_id,
                PaymentRequestRow.status.in_([s.value for s in PAYABLE]),
                condition,
            )
            .values(next_reminder_at=at)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class SqlAlchemyChargeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, charge: Charge) -> None:
        self.session.add(ChargeRow(**to_columns(charge)))
        self.session.flush()

    def list_for_request(self, organisation_id: str, request_id: str) -> list[Charge]:
        rows = self.session.scalars(
            select(ChargeRow).where(
                ChargeRow.organisation_id == organisation_id, ChargeRow.payment_request_id == request_id
            )
        )
        charges = [to_domain(Charge, r) for r in rows]
        return sorted(charges, key=lambda c: (c.created_at, _CHARGE_ORDER.index(c.kind), c.id))
