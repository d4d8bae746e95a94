"""Stored responses for ``Idempotency-Key`` (API.md "Conventions"), kept 24 hours.

The placeholder row is inserted at the start of the request's own transaction and completed in the
same commit as the change, so a crash can never leave a change without its stored response. Two
concurrent requests with one key meet on the primary key: PostgreSQL makes the second INSERT wait
for the first transaction and then skip; SQLite runs write transactions one at a time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from betal.adapters.db.orm import IdempotencyKeyRow
from betal.adapters.db.upsert import insert_for
from betal.ports import StoredResponse


class SqlAlchemyIdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, organisation_id: str, key: str) -> StoredResponse | None:
        row = self.session.scalars(
            select(IdempotencyKeyRow).where(
                IdempotencyKeyRow.organisation_id == organisation_id, IdempotencyKeyRow.key == key
            )
        ).first()
        if row is None:
            return None
        return StoredResponse(row.request_hash, row.response_status, row.response_body, row.created_at)

    def reserve(self, organisation_id: str, key: str, request_hash: str, now: datetime) -> bool:
        stmt = (
            insert_for(self.session)(IdempotencyKeyRow)
            .values(
                organisation_id=organisation_id,
                key=key,
                request_hash=request_hash,
                response_status=0,
                response_body="",
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["organisation_id", "key"])
            .returning(IdempotencyKeyRow.key)
        )
        return self.session.execute(stmt).first() is not None

    def complete(self, organisation_id: str, key: str, status: int, body: str) -> None:
        self.session.execute(
            update(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.organisation_id == organisation_id, IdempotencyKeyRow.key == key)
            .values(response_status=status, response_body=body)
        )

    def delete(self, organisation_id: str, key: str) -> None:
        self.session.execute(
            delete(IdempotencyKeyRow).where(
                IdempotencyKeyRow.organisation_id == organisation_id, IdempotencyKeyRow.key == key
            )
        )
