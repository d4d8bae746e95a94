"""Repositories for the payer side and the outbox: attachments, one-time codes, payer sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from betal.adapters.db.mapping import to_columns, to_domain
from betal.adapters.db.orm_receivables import AttachmentRow, OneTimeCodeRow, OutboxMessageRow, PayerSessionRow
from betal.domain.inbox import Attachment, OneTimeCode, PayerSession
from betal.domain.notification import OutboxMessage


class SqlAlchemyAttachmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, attachment: Attachment, content: bytes) -> None:
        self.session.add(AttachmentRow(**to_columns(attachment), content=content))
        self.session.flush()

    def list_for_request(self, payment_request_id: str) -> list[Attachment]:
        rows = self.session.scalars(
            select(AttachmentRow)
            .where(AttachmentRow.payment_request_id == payment_request_id)
            .order_by(AttachmentRow.id)
        )
        return [to_domain(Attachment, r) for r in rows]

    def content(self, payment_request_id: str, attachment_id: str) -> tuple[Attachment, bytes] | None:
        row = self.session.get(AttachmentRow, attachment_id)
        if row is None or row.payment_request_id != payment_request_id:
            return None
        return to_domain(Attachment, row), bytes(row.content)


class SqlAlchemyOneTimeCodeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, code: OneTimeCode) -> None:
        self.session.add(OneTimeCodeRow(**to_columns(code)))
        self.session.flush()

    def latest(self, destination: str) -> OneTimeCode | None:
        row = self.session.scalars(
            select(OneTimeCodeRow)
            .where(OneTimeCodeRow.destination == destination)
            .order_by(OneTimeCodeRow.created_at.desc(), OneTimeCodeRow.id.desc())
            .with_for_update()
        ).first()
        return None if row is None else to_domain(OneTimeCode, row)

    def count_since(self, destination: str, since: datetime) -> int:
        return int(
            self.session.scalar(
                select(func.count()).where(
                    OneTimeCodeRow.destination == destination, OneTimeCodeRow.created_at >= since
                )
            )
            or 0
        )

    def record_attempt(self, code_id: str) -> None:
        self.session.execute(
            update(OneTimeCodeRow)
            .where(OneTimeCodeRow.id == code_id)
            .values(attempts=OneTimeCodeRow.attempts + 1)
        )

    def mark_used(self, code_id: str, at: datetime) -> None:
        self.session.execute(update(OneTimeCodeRow).where(OneTimeCodeRow.id == code_id).values(used_at=at))


class SqlAlchemyPayerSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, payer_session: PayerSession) -> None:
        columns = to_columns(payer_session) | {
            "emails": list(payer_session.emails),
            "phones": list(payer_session.phones),
        }
        self.session.add(PayerSessionRow(**columns))
        self.session.flush()

    def get(self, session_id: str) -> PayerSession | None:
        row = self.session.get(PayerSessionRow, session_id)
        if row is None:
            return None
        return PayerSession(row.id, tuple(row.emails), tuple(row.phones), row.created_at, row.expires_at)

    def delete(self, session_id: str) -> None:
        self.session.execute(delete(PayerSessionRow).where(PayerSessionRow.id == session_id))


class SqlAlchemyOutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: OutboxMessage) -> None:
        self.session.add(OutboxMessageRow(**to_columns(message)))
        self.session.flush()

    def get(self, message_id: str) -> OutboxMessage | None:
        row = self.session.get(OutboxMessageRow, message_id)
        return None if row is None else to_domain(OutboxMessage, row)

    def list_recent(self, limit: int, *, organisation_id: str | None = None) -> list[OutboxMessage]:
        query = select(OutboxMessageRow)
        if organisation_id is not None:
            query = query.where(OutboxMessageRow.organisation_id == organisation_id)
        rows = self.session.scalars(query.order_by(OutboxMessageRow.id.desc()).limit(limit))
        return [to_domain(OutboxMessage, r) for r in rows]

    def list_for_recipient(self, recipient: str, limit: int) -> list[OutboxMessage]:
        rows = self.session.scalars(
            select(OutboxMessageRow)
            .where(OutboxMessageRow.recipient == recipient)
            .order_by(OutboxMessageRow.id.desc())
            .limit(limit)
        )
        return [to_domain(OutboxMessage, r) for r in rows]

    def list_for_related(self, organisation_id: str, related_id: str) -> list[OutboxMessage]:
        rows = self.session.scalars(
            select(OutboxMessageRow)
            .where(
                OutboxMessageRow.organisation_id == organisation_id, OutboxMessageRow.related_id == related_id
            )
            .order_by(OutboxMessageRow.id)
        )
        return [to_domain(OutboxMessage, r) for r in rows]

    def exists(self, dedupe_key: str) -> bool:
        query = select(OutboxMessageRow.id).where(OutboxMessageRow.dedupe_key == dedupe_key)
        return self.session.scalars(query).first() is not None

    def set_status(
        self, message_id: str, status: str, at: datetime | None, detail: str | None = None
    ) -> None:
        self.session.execute(
            update(OutboxMessageRow)
            .where(OutboxMessageRow.id == message_id)
            .values(status=status, sent_at=at, detail=None if detail is None else detail[:300])
        )
