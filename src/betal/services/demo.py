"""Demo data for ``betal serve --demo``: two client companies, an owner, an accountant, an approver.

Idempotent: running it again finds what it made before and prints the same logins.
"""

from __future__ import annotations

from betal.domain.tenancy import Role
from betal.ports import PasswordHasher, UnitOfWork
from betal.services.organisation import add_member, create_organisation
from betal.services.user import register_user

DEMO_PASSWORD = "betal-demo-2026"
ORGANISATIONS = (("Hansen & Co ApS", "25313763"), ("Nordlys Café I/S", "10150817"))
USERS = (
    ("owner", "ejer@hansen.example", "Mette Hansen", {0: Role.OWNER}),
    ("accountant", "revisor@tal.example", "Jonas Bogholder", {0: Role.BOOKKEEPER, 1: Role.BOOKKEEPER}),
    ("approver", "godkender@hansen.example", "Lars Hansen", {0: Role.APPROVER}),
)


def seed_demo(uow: UnitOfWork, hasher: PasswordHasher) -> list[tuple[str, str, str]]:
    """Create the demo organisations and users if missing; return (role, e-mail, password) to print."""
    org_ids = []
    for name, cvr in ORGANISATIONS:
        existing = uow.organisations.get_by_cvr(cvr)
        org_ids.append(
            existing.id if existing else create_organisation(uow, name=name, cvr=cvr).organisation.id
        )
    logins = []
    for label, email, full_name, roles in USERS:
        user = uow.users.get_by_email(email) or register_user(
            uow, hasher, email=email, name=full_name, password=DEMO_PASSWORD
        )
        for index, role in roles.items():
            if uow.memberships.get(user.id, org_ids[index]) is None:
                add_member(uow, organisation_id=org_ids[index], user_id=user.id, role=role)
        logins.append((label, email, DEMO_PASSWORD))
    return logins
