"""API keys: created with a role, stored as a SHA-256 hash, shown once; a key is one organisation."""

from __future__ import annotations

import hashlib
import secrets

from betal.domain.errors import Forbidden, Unauthenticated
from betal.domain.ids import new_id
from betal.domain.tenancy import ApiKey, Permission, Principal, Role
from betal.domain.text import validate_name
from betal.ports import UnitOfWork

KEY_PREFIX = "betal_"


def hash_key(plaintext: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough (unlike passwords) and keeps auth cheap.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def add_api_key(
    uow: UnitOfWork, organisation_id: str, *, name: str, role: Role, live: bool
) -> tuple[ApiKey, str]:
    """Record a new key in ``uow`` (the caller commits) and return it with its only plaintext copy."""
    plaintext = f"{KEY_PREFIX}{'live' if live else 'test'}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        id=new_id("key"),
        organisation_id=organisation_id,
        name=name,
        prefix=plaintext[:16],
        secret_hash=hash_key(plaintext),
        role=role,
        created_at=uow.clock.now(),
    )
    uow.api_keys.add(key)
    uow.audit(organisation_id, "api_key.created", "api_key", key.id, name=name, role=role.value)
    return key, plaintext


def authenticate_api_key(uow: UnitOfWork, plaintext: str) -> Principal:
    """The principal behind a bearer key; a wrong, unknown or revoked key is ``Unauthenticated``."""
    if not plaintext.startswith(KEY_PREFIX) or len(plaintext) > 200:
        raise Unauthenticated("the API key is not valid", code="api_key.invalid")
    key = uow.api_keys.get_by_hash(hash_key(plaintext))
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("the API key is not valid", code="api_key.invalid")
    return Principal(
        organisation_id=key.organisation_id, role=key.role, actor_type="api_key", actor_id=key.id
    )


def create_api_key(
    uow: UnitOfWork, principal: Principal, *, name: str, role: Role, live: bool
) -> tuple[ApiKey, str]:
    """A new key for the principal's organisation; nobody hands out a role above their own."""
    principal.require(Permission.MANAGE_API_KEYS)
    if role is Role.OWNER and principal.role is not Role.OWNER:
        raise Forbidden("only an owner can create an owner key", code="api_key.role_too_high")
    key, plaintext = add_api_key(
        uow, principal.organisation_id, name=validate_name(name), role=role, live=live
    )
    uow.commit()
    return key, plaintext


def list_api_keys(uow: UnitOfWork, principal: Principal, *, after_id: str | None, limit: int) -> list[ApiKey]:
    principal.require(Permission.MANAGE_API_KEYS)
    return uow.api_keys.list_page(principal.organisation_id, after_id, limit)
