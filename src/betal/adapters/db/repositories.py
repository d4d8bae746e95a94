"""SQLAlchemy repositories for tenancy, events, the audit log and jobs. All queries live here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from betal.adapters.db.mapping import to_columns, to_domain
from betal.adapters.db.orm import (
    ApiKeyRow,
    AuditRow,
    EventRow,
    JobRow,
    MembershipRow,
    OrganisationRow,
    UserRow,
    WebSessionRow,
)
from betal.domain.events import AuditEntry, Event
from betal.domain.job import Job
from betal.domain.tenancy import ApiKey, Membership, Organisation, User, WebSession


class SqlAlchemyOrganisationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, organisation: Organisation) -> None:
        self.session.add(OrganisationRow(**to_columns(organisation), last_event_seq=0))
        self.session.flush()  # rows reference each other by FK; keep insert order = call order

    def get(self, organisation_id: str) -> Organisation | None:
        row = self.session.get(OrganisationRow, organisation_id)
        return None if row is None else to_domain(Organisation, row)

    def get_by_cvr(self, cvr: str) -> Organisation | None:
        row = self.session.scalars(select(OrganisationRow).where(OrganisationRow.cvr == cvr)).first()
        return None if row is None else to_domain(Organisation, row)

    def list_by_ids(self, ids: Sequence[str]) -> list[Organisation]:
        rows = self.session.scalars(
            select(OrganisationRow).where(OrganisationRow.id.in_(list(ids))).order_by(OrganisationRow.name)
        )
        return [to_domain(Organisation, r) for r in rows]


class SqlAlchemyUserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user: User) -> None:
        self.session.add(UserRow(**to_columns(user)))
        self.session.flush()  # rows reference each other by FK; keep insert order = call order

    def get(self, user_id: str) -> User | None:
        row = self.session.get(UserRow, user_id)
        return None if row is None else to_domain(User, row)

    def get_by_email(self, email: str) -> User | None:
        row = self.session.scalars(select(UserRow).where(UserRow.email == email.strip().lower())).first()
        return None if row is None else to_domain(User, row)


class SqlAlchemyMembershipRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, membership: Membership) -> None:
        self.session.add(MembershipRow(**to_columns(membership)))
        self.session.flush()  # rows reference each other by FK; keep insert order = call order

    def get(self, user_id: str, organisation_id: str) -> Membership | None:
        row = self.session.scalars(
            select(MembershipRow).where(
                MembershipRow.user_id == user_id, MembershipRow.organisation_id == organisation_id
            )
        ).first()
        return None if row is None else to_domain(Membership, row)

    def list_for_user(self, user_id: str) -> list[Membership]:
        rows = self.session.scalars(select(MembershipRow).where(MembershipRow.user_id == user_id))
        return [to_domain(Membership, r) for r in rows]

    def list_for_organisation(self, organisation_id: str) -> list[Membership]:
        rows = self.session.scalars(
            select(MembershipRow).where(MembershipRow.organisation_id == organisation_id)
        )
        return [to_domain(Membership, r) for r in rows]


class SqlAlchemyApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: ApiKey) -> None:
        self.session.add(ApiKeyRow(**to_columns(key)))
        self.session.flush()  # rows reference each other by FK; keep insert order = call order

    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[ApiKey]:
        query = select(ApiKeyRow).where(ApiKeyRow.organisation_id == organisation_id)
        if after_id is not None:
            query = query.where(ApiKeyRow.id > after_id)
        return [to_domain(ApiKey, r) for r in self.session.scalars(query.order_by(ApiKeyRow.id).limit(limit))]

    def get_by_hash(self, secret_hash: str) -> ApiKey | None:
        row = self.session.scalars(select(ApiKeyRow).where(ApiKeyRow.secret_hash == secret_hash)).first()
        return None if row is None else to_domain(ApiKey, row)


class SqlAlchemyEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list_after(self, organisation_id: str, after: int, limit: int) -> list[Event]:
        rows = self.session.scalars(
            select(EventRow)
            .where(EventRow.organisation_id == organisation_id, EventRow.sequence > after)
            .order_by(EventRow.sequence)
            .limit(limit)
        )
        return [to_domain(Event, r) for r in rows]

    def list_for_subjects(self, organisation_id: str, subject_ids: Sequence[str], limit: int) -> list[Event]:
        rows = self.session.scalars(
            select(EventRow)
            .where(EventRow.organisation_id == organisation_id, EventRow.subject_id.in_(list(subject_ids)))
            .order_by(EventRow.sequence)
            .limit(limit)
        )
        return [to_domain(Event, r) for r in rows]


class SqlAlchemyAuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list_for_target(self, organisation_id: str, target_id: str) -> list[AuditEntry]:
        rows = self.session.scalars(
            select(AuditRow)
            .where(AuditRow.organisation_id == organisation_id, AuditRow.target_id == target_id)
            .order_by(AuditRow.id)
        )
        return [to_domain(AuditEntry, r) for r in rows]

    def latest(self, organisation_id: str, limit: int) -> list[AuditEntry]:
        rows = self.session.scalars(
            select(AuditRow)
            .where(AuditRow.organisation_id == organisation_id)
            .order_by(AuditRow.id.desc())
            .limit(limit)
        )
        return [to_domain(AuditEntry, r) for r in rows]

    def times_since(self, action: str, target_type: str, target_id: str, since: datetime) -> list[datetime]:
        rows = self.session.scalars(
            select(AuditRow.created_at)
            .where(
                AuditRow.action == action,
                AuditRow.target_type == target_type,
                AuditRow.target_id == target_id,
                AuditRow.created_at >= since,
            )
            .order_by(AuditRow.created_at)
        )
        return list(rows)

    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[AuditEntry]:
        query = select(AuditRow).where(AuditRow.organisation_id == organisation_id)
        if after_id is not None:
            query = query.where(AuditRow.id > after_id)
        return [
            to_domain(AuditEntry, r) for r in self.session.scalars(query.order_by(AuditRow.id).limit(limit))
        ]


class SqlAlchemyJobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, job_id: str, organisation_id: str | None = None) -> Job | None:
        row = self.session.get(JobRow, job_id)
        if row is None or (organisation_id is not None and row.organisation_id != organisation_id):
            return None
        return to_domain(Job, row)

    def set_progress(self, job_id: str, done: int, total: int | None) -> None:
        self.session.execute(
            update(JobRow).where(JobRow.id == job_id).values(progress_done=done, progress_total=total)
        )


class SqlAlchemyWebSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, web_session: WebSession) -> None:
        self.session.add(WebSessionRow(**to_columns(web_session)))
        self.session.flush()  # rows reference each other by FK; keep insert order = call order

    def get(self, session_id: str) -> WebSession | None:
        row = self.session.get(WebSessionRow, session_id)
        return None if row is None else to_domain(WebSession, row)

    def set_organisation(self, session_id: str, organisation_id: str) -> None:
        self.session.execute(
            update(WebSessionRow)
            .where(WebSessionRow.id == session_id)
            .values(organisation_id=organisation_id)
        )

    def delete(self, session_id: str) -> None:
        self.session.execute(delete(WebSessionRow).where(WebSessionRow.id == session_id))

    def delete_expired(self, now: datetime) -> int:
        result = self.session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now))
        return int(result.rowcount)  # type: ignore[attr-defined]
