"""Users of the portal: registration, password login, and the organisations they belong to."""

from __future__ import annotations

from betal.domain.customer import validate_email
from betal.domain.errors import Conflict, InvalidInput, Unauthenticated
from betal.domain.ids import new_id
from betal.domain.tenancy import Membership, Organisation, User
from betal.domain.text import validate_name
from betal.ports import PasswordHasher, UnitOfWork

LOCALES = ("da", "en")
MIN_PASSWORD = 10


def register_user(
    uow: UnitOfWork, hasher: PasswordHasher, *, email: str, name: str, password: str, locale: str = "da"
) -> User:
    clean_email = validate_email(email)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"must be at least {MIN_PASSWORD} characters", field="password")
    if locale not in LOCALES:
        raise InvalidInput(f"must be one of {', '.join(LOCALES)}", field="locale")
    if uow.users.get_by_email(clean_email) is not None:
        raise Conflict("a user with this e-mail exists already", code="user.email_taken")
    user = User(
        new_id("usr"), clean_email, validate_name(name), hasher.hash(password), locale, uow.clock.now()
    )
    uow.users.add(user)
    uow.audit(None, "user.created", "user", user.id)
    uow.commit()
    return user


def authenticate_user(uow: UnitOfWork, hasher: PasswordHasher, *, email: str, password: str) -> User:
    """The user with these credentials; the same error for an unknown e-mail and a wrong password."""
    user = uow.users.get_by_email(email.strip().lower())
    if user is None:
        hasher.hash(password)  # spend the same time as a real check, so e-mails cannot be probed
        raise Unauthenticated("wrong e-mail or password", code="login.failed")
    if not hasher.verify(user.password_hash, password):
        raise Unauthenticated("wrong e-mail or password", code="login.failed")
    return user


def organisations_of(uow: UnitOfWork, user_id: str) -> list[tuple[Organisation, Membership]]:
    """The organisations a user belongs to, by name, with the membership (and so the role) in each."""
    memberships = {m.organisation_id: m for m in uow.memberships.list_for_user(user_id)}
    return [(org, memberships[org.id]) for org in uow.organisations.list_by_ids(list(memberships))]
