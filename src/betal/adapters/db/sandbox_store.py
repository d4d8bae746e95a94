"""Storage for the provider simulators: JSON documents per (provider, id), each change in its own
transaction with the row locked, so simulators behave under concurrent requests and many processes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from betal.adapters.db.orm_receivables import SandboxObjectRow
from betal.ports import Clock


class SandboxStore:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = session_factory
        self._clock = clock

    def create(self, provider: str, kind: str, object_id: str, data: dict[str, Any]) -> dict[str, Any]:
        now = self._clock.now()
        with self._sessions() as session:
            session.add(
                SandboxObjectRow(
                    provider=provider, id=object_id, kind=kind, data=data, created_at=now, updated_at=now
                )
            )
            session.commit()
        return data

    def get(self, provider: str, object_id: str) -> dict[str, Any] | None:
        with self._sessions() as session:
            row = session.get(SandboxObjectRow, (provider, object_id))
            return None if row is None else dict(row.data)

    def update(
        self, provider: str, object_id: str, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any] | None:
        """Apply ``change`` to the stored document under a row lock; None if there is no such object."""
        with self._sessions() as session:
            row = session.execute(
                select(SandboxObjectRow)
                .where(SandboxObjectRow.provider == provider, SandboxObjectRow.id == object_id)
                .with_for_update()
            ).scalar_one_or_none()
            if row is None:
                return None
            row.data = change(dict(row.data))
            row.updated_at = self._clock.now()
            data = dict(row.data)
            session.commit()
            return data

    def list(self, provider: str, kind: str) -> list[dict[str, Any]]:
        with self._sessions() as session:
            rows = session.scalars(
                select(SandboxObjectRow)
                .where(SandboxObjectRow.provider == provider, SandboxObjectRow.kind == kind)
                .order_by(SandboxObjectRow.created_at)
            )
            return [dict(r.data) for r in rows]
