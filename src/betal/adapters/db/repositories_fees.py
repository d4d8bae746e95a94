"""SQLAlchemy repositories for price plans (one per organisation) and usage records (one per thing metered).

A usage record is unique per (organisation, kind, subject): ``add`` is ``INSERT … ON CONFLICT DO NOTHING``
on that key, so metering the same payment twice, even from two transactions at once, writes one record.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from betal.adapters.db.mapping import to_columns, to_domain
from betal.adapters.db.orm_payables import PricePlanRow, UsageRecordRow
from betal.adapters.db.upsert import insert_for
from betal.domain.fees import PricePlan, UsageKind, UsageRecord


class SqlAlchemyPricePlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, organisation_id: str) -> PricePlan | None:
        row = self.session.scalars(
            select(PricePlanRow)
            .where(PricePlanRow.organisation_id == organisation_id)
            .execution_options(populate_existing=True)
        ).first()
        return None if row is None else to_domain(PricePlan, row)

    def save(self, plan: PricePlan) -> None:
        """Insert the organisation's plan, or replace the one it has (keeping its id and creation time)."""
        values = to_columns(plan)
        changes = {k: v for k, v in values.items() if k not in ("id", "organisation_id", "created_at")}
        stmt = insert_for(self.session)(PricePlanRow).values(**values)
        self.session.execute(stmt.on_conflict_do_update(index_elements=["organisation_id"], set_=changes))


class SqlAlchemyUsageRecordRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: UsageRecord) -> bool:
        """Insert the record; False (nothing written) when its subject was metered before."""
        stmt = (
            insert_for(self.session)(UsageRecordRow)
            .values(**to_columns(record))
            .on_conflict_do_nothing(index_elements=["organisation_id", "kind", "subject_id"])
            .returning(UsageRecordRow.id)
        )
        return self.session.execute(stmt).scalar_one_or_none() is not None

    def list_between(
        self, organisation_id: str, kind: UsageKind, start: date, end: date
    ) -> list[UsageRecord]:
        """The records of one kind dated ``start`` to ``end`` (both included), by day, then id."""
        rows = self.session.scalars(
            select(UsageRecordRow)
            .where(
                UsageRecordRow.organisation_id == organisation_id,
                UsageRecordRow.kind == kind.value,
                UsageRecordRow.day >= start,
                UsageRecordRow.day <= end,
            )
            .order_by(UsageRecordRow.day, UsageRecordRow.id)
        )
        return [to_domain(UsageRecord, r) for r in rows]
