"""Portal logins: password login with a rate limit, the active organisation, logout, and the overview.

A web session is a row keyed by a random id (the cookie carries it, signed, see ``betal.web.cookies``);
it also holds the CSRF token every portal form must send back. Logout deletes the row, so an old
cookie stops working at once. Failed logins are audit entries (target type ``user_email``); at most
``MAX_FAILURES`` per e-mail within ``FAILURE_WINDOW`` are allowed before logins are refused.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from betal.domain.errors import NotFound, RateLimited, Unauthenticated
from betal.domain.events import AuditEntry
from betal.domain.tenancy import Membership, Organisation, Permission, Role, User, WebSession, permissions_of
from betal.ports import PasswordHasher, UnitOfWork
from betal.services.user import authenticate_user, organisations_of

MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)
FAILED = "user.login_failed"
_TARGET_MAX = 80  # audit_log.target_id is VARCHAR(80)


def _email_target(email: str) -> str:
    """The audit target for an e-mail: itself, or a digest when it would not fit the column."""
    clean = email.strip().lower()
    return clean if len(clean) <= _TARGET_MAX else "sha256:" + hashlib.sha256(clean.encode()).hexdigest()


def _check_rate_limit(uow: UnitOfWork, target: str) -> None:
    now = uow.clock.now()
    failures = uow.audit_log.times_since(FAILED, "user_email", target, now - FAILURE_WINDOW)
    if len(failures) >= MAX_FAILURES:
        oldest_counted = failures[-MAX_FAILURES]
        retry_after = max(1, int((oldest_counted + FAILURE_WINDOW - now).total_seconds()) + 1)
        raise RateLimited(
            "too many failed logins for this e-mail; try again later",
            retry_after=retry_after,
            code="login.rate_limited",
        )


def login(
    uow: UnitOfWork, hasher: PasswordHasher, *, email: str, password: str, ttl: timedelta
) -> WebSession:
    """A new session for these credentials, looking at the user's first organisation by name.

    Raises ``Unauthenticated`` for wrong credentials (and records the failure) and ``RateLimited``
    after too many recent failures for the e-mail, whatever the password.
    """
    target = _email_target(email)
    _check_rate_limit(uow, target)
    try:
        user = authenticate_user(uow, hasher, email=email, password=password)
    except Unauthenticated:
        uow.audit(None, FAILED, "user_email", target)
        uow.commit()
        raise
    uow.actor = dataclasses.replace(uow.actor, type="user", id=user.id)
    organisations = organisations_of(uow, user.id)
    now = uow.clock.now()
    session = WebSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        organisation_id=organisations[0][0].id if organisations else None,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + ttl,
    )
    uow.web_sessions.add(session)
    uow.audit(session.organisation_id, "user.logged_in", "user", user.id)
    uow.commit()
    return session


def current(uow: UnitOfWork, session_id: str) -> tuple[WebSession, User] | None:
    """The live session with this id and its user; None when unknown or expired."""
    session = uow.web_sessions.get(session_id)
    if session is None or session.expires_at <= uow.clock.now():
        return None
    user = uow.users.get(session.user_id)
    return None if user is None else (session, user)


def _require(uow: UnitOfWork, session_id: str) -> tuple[WebSession, User]:
    found = current(uow, session_id)
    if found is None:
        raise Unauthenticated("the session has ended; log in again", code="session.expired")
    return found


def switch_organisation(uow: UnitOfWork, session_id: str, organisation_id: str) -> WebSession:
    """Look at another organisation; only one the user is a member of (else ``NotFound``)."""
    session, user = _require(uow, session_id)
    if uow.memberships.get(user.id, organisation_id) is None:
        raise NotFound("no such organisation", code="organisation.not_found")
    uow.web_sessions.set_organisation(session.id, organisation_id)
    uow.audit(organisation_id, "user.switched_organisation", "user", user.id)
    uow.commit()
    return dataclasses.replace(session, organisation_id=organisation_id)


def logout(uow: UnitOfWork, session_id: str) -> None:
    """End the session server-side; an unknown or expired id is a no-op."""
    found = current(uow, session_id)
    uow.web_sessions.delete(session_id)
    if found is not None:
        uow.audit(found[0].organisation_id, "user.logged_out", "user", found[1].id)
    uow.commit()


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    email: str
    role: Role


@dataclass(frozen=True)
class Overview:
    """What the portal's front page shows about the organisation the session looks at."""

    organisation: Organisation | None
    role: Role | None
    memberships: list[tuple[Organisation, Membership]]
    members: list[Member]
    permissions: list[Permission]  # what the role allows, in the order of ``Permission``
    recent_activity: list[AuditEntry] | None  # None: the role may not read the audit log


def _members(uow: UnitOfWork, organisation_id: str) -> list[Member]:
    members = []
    for membership in uow.memberships.list_for_organisation(organisation_id):
        user = uow.users.get(membership.user_id)
        if user is not None:
            members.append(Member(user.id, user.name, user.email, membership.role))
    return sorted(members, key=lambda m: (m.name.casefold(), m.email))


def overview(uow: UnitOfWork, session: WebSession, *, activity: int = 10) -> Overview:
    """The active organisation, the user's role there, its members and (if allowed) its last audit entries."""
    memberships = organisations_of(uow, session.user_id)
    active = next(((o, m) for o, m in memberships if o.id == session.organisation_id), None)
    if active is None:
        return Overview(None, None, memberships, [], [], None)
    organisation, membership = active
    granted = permissions_of(membership.role)
    return Overview(
        organisation=organisation,
        role=membership.role,
        memberships=memberships,
        members=_members(uow, organisation.id),
        permissions=[p for p in Permission if p in granted],
        recent_activity=(
            uow.audit_log.latest(organisation.id, activity) if Permission.MANAGE_MEMBERS in granted else None
        ),
    )
