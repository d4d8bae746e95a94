"""UtcDateTime keeps timestamps aware UTC on every database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from betal.adapters.db.orm import JobScheduleRow
from betal.bootstrap import Container


class TestUtcDateTime:
    def test_round_trip_converts_to_utc(self, container: Container) -> None:
        cph = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
        with container.engine.begin() as conn:
            conn.execute(
                JobScheduleRow.__table__.insert().values(
                    name="t", kind="k", interval_seconds=1, next_run_at=cph
                )
            )
        with container.engine.connect() as conn:
            value = conn.execute(select(JobScheduleRow.next_run_at)).scalar_one()
        assert value == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
        assert value.utcoffset() == timedelta(0)

    def test_naive_is_refused(self, container: Container) -> None:
        naive = datetime(2026, 6, 1, 12, 0)
        insert = JobScheduleRow.__table__.insert().values(
            name="n", kind="k", interval_seconds=1, next_run_at=naive
        )
        with container.engine.begin() as conn, pytest.raises(StatementError, match="naive"):
            conn.execute(insert)
