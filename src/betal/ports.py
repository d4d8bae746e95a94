"""The ports the services need (cosmicpython's abstract repository and unit of work).

Adapters implement these Protocols; services receive them by parameter and never import adapters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar

from betal.domain.events import AuditEntry, Event, NewEvent
from betal.domain.job import Job, NewJob
from betal.domain.tenancy import ApiKey, Membership, Organisation, User, WebSession


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


@dataclass(frozen=True)
class Actor:
    """Who drives a unit of work; stamped on every audit entry it writes."""

    type: str  # "user" | "api_key" | "system" | "payer"
    id: str
    ip: str | None = None
    request_id: str | None = None


SYSTEM = Actor("system", "betal")


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


class OrganisationRepository(Protocol):
    def add(self, organisation: Organisation) -> None: ...
    def get(self, organisation_id: str) -> Organisation | None: ...
    def get_by_cvr(self, cvr: str) -> Organisation | None: ...
    def list_by_ids(self, ids: Sequence[str]) -> list[Organisation]: ...


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...
    def get(self, user_id: str) -> User | None: ...
    def get_by_email(self, email: str) -> User | None: ...


class MembershipRepository(Protocol):
    def add(self, membership: Membership) -> None: ...
    def get(self, user_id: str, organisation_id: str) -> Membership | None: ...
    def list_for_user(self, user_id: str) -> list[Membership]: ...
    def list_for_organisation(self, organisation_id: str) -> list[Membership]: ...


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> None: ...
    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[ApiKey]: ...
    def get_by_hash(self, secret_hash: str) -> ApiKey | None: ...


class WebSessionRepository(Protocol):
    def add(self, session: WebSession) -> None: ...
    def get(self, session_id: str) -> WebSession | None: ...
    def set_organisation(self, session_id: str, organisation_id: str) -> None: ...
    def delete(self, session_id: str) -> None: ...
    def delete_expired(self, now: datetime) -> int: ...


class EventRepository(Protocol):
    def list_after(self, organisation_id: str, after: int, limit: int) -> list[Event]: ...


class AuditRepository(Protocol):
    def list_for_target(self, organisation_id: str, target_id: str) -> list[AuditEntry]: ...
    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[AuditEntry]: ...


class JobRepository(Protocol):
    def get(self, job_id: str, organisation_id: str | None = None) -> Job | None: ...
    def set_progress(self, job_id: str, done: int, total: int | None) -> None: ...


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status: int
    body: str
    created_at: datetime


class IdempotencyRepository(Protocol):
    def get(self, organisation_id: str, key: str) -> StoredResponse | None: ...
    def reserve(self, organisation_id: str, key: str, request_hash: str, now: datetime) -> bool:
        """Insert a placeholder; False if a committed row holds the key (waits for one in flight)."""
        ...

    def complete(self, organisation_id: str, key: str, status: int, body: str) -> None: ...
    def delete(self, organisation_id: str, key: str) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
    def needs_rehash(self, password_hash: str) -> bool: ...


class UnitOfWork(Protocol):
    """One transaction. Events, audit entries and jobs recorded here are written in its commit."""

    organisations: OrganisationRepository
    users: UserRepository
    memberships: MembershipRepository
    api_keys: ApiKeyRepository
    events: EventRepository
    audit_log: AuditRepository
    jobs: JobRepository
    idempotency: IdempotencyRepository
    web_sessions: WebSessionRepository
    actor: Actor
    clock: Clock
    defer_commit: bool

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None:
        """Commit the unit, or only flush it when an outer owner set ``defer_commit``."""
        ...

    def commit_deferred(self) -> None: ...
    def rollback(self) -> None: ...
    def publish(self, event: NewEvent) -> None: ...
    def enqueue(self, job: NewJob) -> None: ...
    def audit(
        self, organisation_id: str | None, action: str, target_type: str, target_id: str, **details: Any
    ) -> None: ...


class JobQueue(Protocol):
    """The durable job table seen by workers: claim under a lease, finish fenced by (worker, attempt).

    ``complete`` and ``purge_idempotency`` write inside the handler's unit of work, so a job's effects
    and its ``succeeded`` mark commit together; the other writes run in their own short transactions.
    """

    def claim(self, worker_id: str, limit: int, lease: timedelta) -> list[Job]:
        """Take up to ``limit`` due jobs (or jobs whose lease expired) for ``worker_id``."""
        ...

    def heartbeat(self, job_id: str, worker_id: str, attempts: int, lease: timedelta) -> bool:
        """Extend the lease; False when the job is no longer this worker's."""
        ...

    def complete(
        self, uow: UnitOfWork, job_id: str, worker_id: str, attempts: int, result: dict[str, Any] | None
    ) -> bool:
        """Mark the job succeeded in ``uow``'s transaction; False (roll back!) when the lease was lost."""
        ...

    def fail(self, job_id: str, worker_id: str, attempts: int, error: str, retry_at: datetime | None) -> bool:
        """Queue the job again at ``retry_at``, or mark it failed when ``retry_at`` is None."""
        ...

    def set_progress(
        self, job_id: str, done: int, total: int | None, *, uow: UnitOfWork | None = None
    ) -> None:
        """Record progress where other sessions can see it while the job runs."""
        ...

    def ensure_schedule(self, name: str, kind: str, interval: timedelta) -> None: ...
    def enqueue_due_schedules(self, now: datetime) -> int:
        """Enqueue one job per due schedule (missed slots collapse into one); returns jobs enqueued."""
        ...

    def purge_idempotency(self, uow: UnitOfWork, before: datetime) -> int: ...
    def get(self, job_id: str) -> Job | None: ...
    def counts(self, kind: str | None = None) -> dict[str, int]:
        """Jobs per status, optionally of one kind."""
        ...
