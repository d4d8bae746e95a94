"""INSERT … ON CONFLICT DO NOTHING on both databases."""

from __future__ import annotations

from sqlalchemy import func, select

from betal.adapters.db.orm import JobScheduleRow
from betal.adapters.db.upsert import insert_for
from betal.bootstrap import Container


class TestInsertFor:
    def test_second_insert_is_skipped(self, container: Container) -> None:
        now = container.clock.now()
        with container.session_factory() as session:
            for kind in ("first", "second"):
                session.execute(
                    insert_for(session)(JobScheduleRow)
                    .values(name="s", kind=kind, interval_seconds=60, next_run_at=now)
                    .on_conflict_do_nothing(index_elements=["name"])
                )
            session.commit()
            assert session.execute(select(func.count()).select_from(JobScheduleRow)).scalar_one() == 1
            assert session.execute(select(JobScheduleRow.kind)).scalar_one() == "first"
