"""The fees repositories on SQLite and PostgreSQL: the plan upsert (one per organisation), usage records
written once per subject (ON CONFLICT DO NOTHING), and the records of a period by day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from betal.bootstrap import Container
from betal.domain.fees import PricePlan, UsageKind, UsageRecord
from betal.domain.ids import new_id
from betal.services.organisation import CreatedOrganisation

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def plan(org_id: str, **changes: object) -> PricePlan:
    made = PricePlan(new_id("plan"), org_id, "Standard", 250, 19_900, "DKK", NOW, NOW)
    return replace(made, **changes)  # type: ignore[arg-type]


def record(org_id: str, subject: str, day: date, fee: int = 250) -> UsageRecord:
    return UsageRecord(new_id("use"), org_id, UsageKind.EXECUTED_PAYMENT, subject, day, fee, "DKK", NOW)


class TestPricePlanRepository:
    def test_save_inserts_then_replaces_keeping_id_and_creation(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        org_id = org.organisation.id
        first = plan(org_id)
        later = datetime(2026, 12, 1, tzinfo=UTC)
        with container.uow() as uow:
            assert uow.price_plans.get(org_id) is None
            uow.price_plans.save(first)
            uow.commit()
        with container.uow() as uow:
            uow.price_plans.save(plan(org_id, name="Plus", per_payment_fee_minor=400, updated_at=later))
            uow.commit()
        with container.uow() as uow:
            found = uow.price_plans.get(org_id)
            assert uow.price_plans.get(other_org.organisation.id) is None
        assert found == replace(first, name="Plus", per_payment_fee_minor=400, updated_at=later)


class TestUsageRecordRepository:
    def test_a_subject_is_recorded_once(self, container: Container, org: CreatedOrganisation) -> None:
        org_id = org.organisation.id
        with container.uow() as uow:
            assert uow.usage_records.add(record(org_id, "pord_1", date(2026, 11, 30))) is True
            uow.commit()
        with container.uow() as uow:
            assert uow.usage_records.add(record(org_id, "pord_1", date(2026, 12, 1), fee=999)) is False
            uow.commit()
        with container.uow() as uow:
            found = uow.usage_records.list_between(
                org_id, UsageKind.EXECUTED_PAYMENT, date(2026, 1, 1), date(2026, 12, 31)
            )
        assert [(r.subject_id, r.day, r.fee_minor) for r in found] == [("pord_1", date(2026, 11, 30), 250)]

    def test_list_between_includes_both_ends_by_day_for_one_organisation(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        org_id = org.organisation.id
        days = {
            "a": date(2026, 9, 30),
            "b": date(2026, 12, 31),
            "c": date(2026, 10, 1),
            "d": date(2027, 1, 1),
        }
        with container.uow() as uow:
            for subject, day in days.items():
                uow.usage_records.add(record(org_id, subject, day))
            uow.usage_records.add(record(other_org.organisation.id, "theirs", date(2026, 11, 1)))
            uow.commit()
        with container.uow() as uow:
            found = uow.usage_records.list_between(
                org_id, UsageKind.EXECUTED_PAYMENT, date(2026, 10, 1), date(2026, 12, 31)
            )
        assert [r.subject_id for r in found] == ["c", "b"]
        assert all(r.kind is UsageKind.EXECUTED_PAYMENT for r in found)
