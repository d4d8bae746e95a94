"""Organisations: creation (with an owner API key) and the membership of users."""

from __future__ import annotations

from dataclasses import dataclass

from betal.domain.errors import Conflict, InvalidInput
from betal.domain.events import NewEvent
from betal.domain.identifiers import validate_cvr
from betal.domain.ids import new_id
from betal.domain.tenancy import Membership, Organisation, Role
from betal.domain.text import validate_name
from betal.ports import UnitOfWork
from betal.services.agreement import sandbox_agreements
from betal.services.api_key import add_api_key


@dataclass(frozen=True)
class CreatedOrganisation:
    organisation: Organisation
    api_key: str  # the owner key's plaintext, shown once


def create_organisation(uow: UnitOfWork, *, name: str, cvr: str, live: bool = False) -> CreatedOrganisation:
    """Create an organisation and its owner API key in one transaction."""
    clean_name = validate_name(name)
    clean_cvr = validate_cvr(cvr)
    if uow.organisations.get_by_cvr(clean_cvr) is not None:
        raise Conflict(f"an organisation with CVR {clean_cvr} exists already", code="organisation.cvr_taken")
    organisation = Organisation(id=new_id("org"), name=clean_name, cvr=clean_cvr, created_at=uow.clock.now())
    uow.organisations.add(organisation)
    _, plaintext = add_api_key(uow, organisation.id, name="Owner key", role=Role.OWNER, live=live)
    if not live:
        for agreement in sandbox_agreements(organisation.id, clean_name, uow.clock.now()):
            uow.agreements.add(agreement)
    uow.audit(organisation.id, "organisation.created", "organisation", organisation.id, cvr=clean_cvr)
    uow.publish(
        NewEvent(
            organisation.id,
            "organisation.created",
            {"id": organisation.id, "name": clean_name, "cvr": clean_cvr},
        )
    )
    uow.commit()
    return CreatedOrganisation(organisation, plaintext)


def add_member(uow: UnitOfWork, *, organisation_id: str, user_id: str, role: Role) -> Membership:
    """Give a user a role in an organisation (an accountant gets one membership per client)."""
    if uow.organisations.get(organisation_id) is None:
        raise InvalidInput("no such organisation", field="organisation_id")
    if uow.users.get(user_id) is None:
        raise InvalidInput("no such user", field="user_id")
    if uow.memberships.get(user_id, organisation_id) is not None:
        raise Conflict("the user is a member already", code="membership.exists")
    membership = Membership(new_id("mem"), user_id, organisation_id, role, uow.clock.now())
    uow.memberships.add(membership)
    uow.audit(organisation_id, "membership.created", "user", user_id, role=role.value)
    uow.commit()
    return membership
