"""Portal test fixtures: an accountant in two organisations and an owner in one."""

from __future__ import annotations

import pytest

from betal import bootstrap
from betal.domain.tenancy import Role
from betal.services.organisation import CreatedOrganisation

from .portal import Login, make_user


@pytest.fixture
def accountant(
    container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
) -> Login:
    """A bookkeeper in both organisations (Hansen & Co ApS first by name, then Nordlys Café I/S)."""
    memberships = {org.organisation.id: Role.BOOKKEEPER, other_org.organisation.id: Role.BOOKKEEPER}
    return make_user(container, "revisor@tal.example", "Jonas Bogholder", memberships)


@pytest.fixture
def owner(container: bootstrap.Container, org: CreatedOrganisation) -> Login:
    return make_user(container, "ejer@hansen.example", "Mette Hansen", {org.organisation.id: Role.OWNER})
