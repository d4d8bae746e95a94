"""Reminder tables: one record per request and rule, money as BIGINT minor units."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import BigInteger
from sqlalchemy.exc import IntegrityError

from betal import bootstrap
from betal.adapters.db.orm_reminders import ChargeRow, ReminderRecordRow
from betal.domain.dunning import RecordStatus, ReminderRecord
from betal.domain.ids import new_id
from betal.domain.reminder import ReminderKind
from betal.services.organisation import CreatedOrganisation
from tests.services.receivables_support import make_request


def test_money_columns() -> None:
    assert isinstance(ChargeRow.__table__.c.amount_minor.type, BigInteger)
    assert isinstance(ReminderRecordRow.__table__.c.fee_minor.type, BigInteger)


def test_a_rule_is_recorded_once_per_request(
    container: bootstrap.Container, org: CreatedOrganisation
) -> None:
    req = make_request(container, org)
    at = datetime(2026, 11, 2, tzinfo=UTC)

    def record() -> ReminderRecord:
        return ReminderRecord(new_id("rem"), org.organisation.id, req.id, "d-3", ReminderKind.BEFORE_DUE,
                              RecordStatus.SENT, None, 0, date(2026, 11, 2), at)  # fmt: skip

    with container.uow() as uow:
        uow.reminders.add(record())
        uow.commit()
    with container.uow() as uow, pytest.raises(IntegrityError):
        uow.reminders.add(record())
