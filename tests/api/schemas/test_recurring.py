"""Recurring collection schemas: strict amounts and days, fixed intervals, unknown fields refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from betal.api.schemas.recurring import RecurringCollectionCreate, RecurringCollectionRead
from betal.domain.payment_method import Method
from betal.domain.recurring import CollectionStatus, Interval, RecurringCollection

BODY = {
    "customer_id": "cus_1", "amount": 34_900, "currency": "DKK", "interval": "monthly", "day_of_month": 31,
    "start_date": "2026-04-01", "allowed_methods": ["betalingsservice"],
}  # fmt: skip


class TestCreate:
    def test_defaults(self) -> None:
        body = RecurringCollectionCreate.model_validate(BODY)
        assert (body.lead_days, body.description, body.start_date) == (14, None, date(2026, 4, 1))
        assert body.allowed_methods == [Method.BETALINGSSERVICE]

    @pytest.mark.parametrize(
        "change",
        [{"amount": 349.0}, {"amount": "34900"}, {"amount": True}, {"interval": "weekly"},
         {"day_of_month": 0}, {"day_of_month": 32}, {"day_of_month": "5"}, {"lead_days": 61},
         {"allowed_methods": []}, {"currency": "dkk"}, {"extra": 1}],
    )  # fmt: skip
    def test_refused(self, change: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            RecurringCollectionCreate.model_validate(BODY | change)


class TestRead:
    def test_from_the_domain(self) -> None:
        now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        collection = RecurringCollection(
            "rcol_1", "org_1", "cus_1", 34_900, "DKK", Interval.QUARTERLY, 31, date(2026, 4, 1),
            (Method.CARD,), "Fast betaling", CollectionStatus.ACTIVE, date(2026, 4, 1), 14, now,
        )  # fmt: skip
        read = RecurringCollectionRead.model_validate(collection).model_dump(mode="json")
        assert read == {
            "id": "rcol_1", "customer_id": "cus_1", "amount": 34_900, "currency": "DKK",
            "interval": "quarterly", "day_of_month": 31, "start_date": "2026-04-01",
            "allowed_methods": ["card"], "description": "Fast betaling", "status": "active",
            "next_due_date": "2026-04-01", "lead_days": 14, "created_at": "2026-03-02T09:00:00Z",
        }  # fmt: skip
