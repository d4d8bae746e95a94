"""The unit of work: one transaction; events, audit and jobs land with the change or not at all."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from betal.adapters.db.orm import AuditRow, EventRow, JobRow
from betal.bootstrap import Container
from betal.domain.events import NewEvent
from betal.domain.job import NewJob
from betal.services.organisation import CreatedOrganisation


def count(container: Container, model: type) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


class TestOutbox:
    def test_rollback_writes_nothing(self, container: Container, org: CreatedOrganisation) -> None:
        before = (count(container, EventRow), count(container, AuditRow), count(container, JobRow))
        with container.uow() as uow:
            uow.publish(NewEvent(org.organisation.id, "payment.succeeded", {"x": 1}))
            uow.audit(org.organisation.id, "thing.done", "thing", "t1")
            uow.enqueue(NewJob("system.probe"))
            # leaving the block without commit() rolls back
        assert (count(container, EventRow), count(container, AuditRow), count(container, JobRow)) == before

    def test_commit_writes_all_with_the_actor(self, container: Container, org: CreatedOrganisation) -> None:
        from betal.ports import Actor

        with container.uow(Actor("user", "usr_x", "10.0.0.1", "req_1")) as uow:
            uow.publish(NewEvent(org.organisation.id, "payment.succeeded", {"x": 1}))
            uow.audit(org.organisation.id, "thing.done", "thing", "t1", note="n")
            uow.enqueue(NewJob("system.probe", organisation_id=org.organisation.id))
            uow.commit()
        with container.uow() as uow:
            [entry] = uow.audit_log.list_for_target(org.organisation.id, "t1")
            events = uow.events.list_after(org.organisation.id, 0, 10)
        assert (entry.actor_type, entry.actor_id, entry.ip, entry.request_id) == (
            "user",
            "usr_x",
            "10.0.0.1",
            "req_1",
        )
        assert entry.details == {"note": "n"}
        assert [e.type for e in events] == ["organisation.created", "payment.succeeded"]
        assert [e.sequence for e in events] == [1, 2]

    def test_dedupe_key_enqueues_once(self, container: Container) -> None:
        for _ in range(3):
            with container.uow() as uow:
                uow.enqueue(NewJob("system.probe", dedupe_key="reminder:preq_1:1:email"))
                uow.commit()
        with container.engine.connect() as conn:
            n = conn.execute(
                select(func.count()).where(JobRow.dedupe_key == "reminder:preq_1:1:email")
            ).scalar_one()
        assert n == 1

    def test_sequences_are_per_organisation(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            uow.publish(NewEvent(org.organisation.id, "payment.succeeded"))
            uow.publish(NewEvent(other_org.organisation.id, "payment.succeeded"))
            uow.publish(NewEvent(org.organisation.id, "payment.failed"))
            uow.commit()
        with container.uow() as uow:
            mine = [e.sequence for e in uow.events.list_after(org.organisation.id, 0, 10)]
            theirs = [e.sequence for e in uow.events.list_after(other_org.organisation.id, 0, 10)]
        assert mine == [1, 2, 3]
        assert theirs == [1, 2]


class TestConcurrentEvents:
    @pytest.mark.slow
    def test_concurrent_writers_get_gapless_ordered_sequences(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        writers, per_writer = 8, 15
        errors: list[BaseException] = []

        def write(n: int) -> None:
            try:
                for i in range(per_writer):
                    with container.uow() as uow:
                        uow.publish(NewEvent(org.organisation.id, "payment.succeeded", {"w": n, "i": i}))
                        uow.commit()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        with container.uow() as uow:
            events = uow.events.list_after(org.organisation.id, 0, 1000)
        assert [e.sequence for e in events] == list(range(1, writers * per_writer + 2))
        for n in range(writers):  # each writer's events appear in the order it wrote them
            mine = [e.data["i"] for e in events if e.data.get("w") == n]
            assert mine == list(range(per_writer))
