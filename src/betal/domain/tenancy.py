"""Organisations, users, memberships, roles and API keys: who may do what in which organisation.

An accountant is a user with memberships in many organisations. A role is held per membership.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from betal.domain.errors import Forbidden


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    BOOKKEEPER = "bookkeeper"
    APPROVER = "approver"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ = "read"
    MANAGE_ORGANISATION = "manage_organisation"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_API_KEYS = "manage_api_keys"
    BILL = "bill"  # customers, payment requests, refunds
    BOOK = "book"  # suppliers, supplier invoices, payment orders, statements, reconciliation
    APPROVE = "approve"  # decide on payment orders
    MANAGE_WEBHOOKS = "manage_webhooks"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(Permission) - {Permission.MANAGE_ORGANISATION},
    Role.BOOKKEEPER: frozenset({Permission.READ, Permission.BILL, Permission.BOOK}),
    Role.APPROVER: frozenset({Permission.READ, Permission.APPROVE}),
    Role.VIEWER: frozenset({Permission.READ}),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    return _GRANTS[role]


def require(role: Role, permission: Permission) -> None:
    """Raise ``Forbidden`` unless ``role`` grants ``permission``."""
    if permission not in _GRANTS[role]:
        raise Forbidden(
            f"the role {role.value} may not {permission.value.replace('_', ' ')}", code="role.forbidden"
        )


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    cvr: str
    created_at: datetime
    sender_name: str | None = None  # how messages to customers are signed; None: the name

    @property
    def display_sender(self) -> str:
        return self.sender_name or self.name


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    password_hash: str
    locale: str
    created_at: datetime


@dataclass(frozen=True)
class Membership:
    id: str
    user_id: str
    organisation_id: str
    role: Role
    created_at: datetime


@dataclass(frozen=True)
class ApiKey:
    id: str
    organisation_id: str
    name: str
    prefix: str  # the first characters of the key, shown in lists
    secret_hash: str  # sha256 hex of the whole key; the key itself is shown once
    role: Role
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Principal:
    """Who is acting, in which organisation, with which role: the input to every permission check."""

    organisation_id: str
    role: Role
    actor_type: str  # "api_key" | "user" | "system"
    actor_id: str

    def require(self, permission: Permission) -> None:
        require(self.role, permission)


@dataclass(frozen=True)
class WebSession:
    """A portal login; ``organisation_id`` is the organisation the user is looking at."""

    id: str
    user_id: str
    organisation_id: str | None
    csrf_token: str
    created_at: datetime
    expires_at: datetime
