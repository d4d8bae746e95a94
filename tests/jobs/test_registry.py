"""The handler registry: kinds, schedules, and the context a handler gets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from betal.bootstrap import Container
from betal.domain.job import NewJob
from betal.jobs import registry
from betal.jobs.registry import JobContext, Schedule, handler, handler_for, schedule, schedules

from .support import LEASE, enqueue


class TestHandler:
    def test_registers_by_kind(self) -> None:
        @handler("test.registry.once")
        def once(ctx: JobContext) -> None:
            return None

        assert handler_for("test.registry.once") is once
        assert handler("test.registry.once")(once) is once  # registering the same function again is harmless

    def test_refuses_a_second_handler_for_a_kind(self) -> None:
        with pytest.raises(ValueError, match="has a handler already"):
            handler("system.probe")(lambda _ctx: None)

    def test_builtin_kinds_are_always_there(self) -> None:
        assert handler_for("system.probe") is not None
        assert handler_for("system.cleanup") is not None
        assert handler_for("test.registry.unknown") is None


class TestSchedule:
    def test_registers_a_periodic_kind(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(registry, "_SCHEDULES", dict(registry._SCHEDULES))
        schedule("test.tick", "system.probe", timedelta(minutes=5))
        assert Schedule("test.tick", "system.probe", timedelta(minutes=5)) in schedules()
        assert Schedule("system.cleanup", "system.cleanup", timedelta(hours=1)) in schedules()


class TestJobContext:
    def test_progress_reports_through_the_callback(self, frozen: Container) -> None:
        enqueue(frozen, NewJob("system.probe"))
        [job] = frozen.job_queue().claim("w1", 1, LEASE)
        reported: list[tuple[int, int | None]] = []
        with frozen.uow() as uow:
            ctx = JobContext(job, uow, frozen, lambda done, total: reported.append((done, total)))
            ctx.progress(1)
            ctx.progress(2, 3)
        assert reported == [(1, None), (2, 3)]
