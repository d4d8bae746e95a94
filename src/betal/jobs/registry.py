"""Job handlers by kind, and the periodic schedules the worker keeps.

A handler is a function ``(JobContext) -> dict | None`` registered with ``@handler("kind")``. It does
its work through ``ctx.uow``, an open unit of work whose ``commit()`` only flushes: the runner commits
it together with the job's ``succeeded`` mark, so a job's effects happen once or not at all.
Raise ``PermanentError`` (or ``InvalidInput`` / ``NotFound``) to fail a job without retrying it; any
other exception is retried with exponential backoff (``betal.domain.job.backoff``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from betal.domain.job import Job
from betal.ports import UnitOfWork

if TYPE_CHECKING:
    from betal.bootstrap import Container


class PermanentError(Exception):
    """The job can never succeed as asked; it fails at once instead of being retried."""


@dataclass(frozen=True)
class JobContext:
    job: Job
    uow: UnitOfWork
    container: Container
    on_progress: Callable[[int, int | None], None]

    def progress(self, done: int, total: int | None = None) -> None:
        """Report progress (``GET /v1/jobs/{id}`` shows it while the job runs)."""
        self.on_progress(done, total)


Handler = Callable[[JobContext], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Schedule:
    name: str
    kind: str
    every: timedelta


_HANDLERS: dict[str, Handler] = {}
_SCHEDULES: dict[str, Schedule] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``kind``."""

    def register(fn: Handler) -> Handler:
        if _HANDLERS.get(kind, fn) is not fn:
            raise ValueError(f"job kind {kind!r} has a handler already")
        _HANDLERS[kind] = fn
        return fn

    return register


def schedule(name: str, kind: str, every: timedelta) -> None:
    """Have the worker enqueue ``kind`` every ``every`` (one run for slots missed while it was down)."""
    _SCHEDULES[name] = Schedule(name, kind, every)


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def schedules() -> list[Schedule]:
    return list(_SCHEDULES.values())


from betal.discovery import modules_in as _modules_in  # noqa: E402
from betal.jobs import builtin as _builtin  # noqa: E402, F401  (registers the built-in kinds)

_modules_in("betal.jobs.handlers")  # each handler module registers its kinds on import
