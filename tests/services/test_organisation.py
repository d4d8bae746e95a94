"""Creating organisations and memberships (the accountant with many clients)."""

from __future__ import annotations

import pytest

from betal.bootstrap import Container
from betal.domain.errors import Conflict, InvalidInput
from betal.domain.tenancy import Role
from betal.services.organisation import CreatedOrganisation, add_member, create_organisation
from betal.services.user import organisations_of, register_user


class TestCreateOrganisation:
    def test_creates_org_key_event_and_audit(self, container: Container) -> None:
        with container.uow() as uow:
            created = create_organisation(uow, name="  Hansen   ApS ", cvr="DK 25 31 37 63")
        with container.uow() as uow:
            org = uow.organisations.get(created.organisation.id)
            events = uow.events.list_after(created.organisation.id, 0, 10)
            audit = uow.audit_log.list_for_target(created.organisation.id, created.organisation.id)
        assert org is not None
        assert (org.name, org.cvr) == ("Hansen ApS", "25313763")
        assert created.api_key.startswith("betal_test_")
        assert [e.type for e in events] == ["organisation.created"]
        assert [a.action for a in audit] == ["organisation.created"]

    @pytest.mark.parametrize("cvr", ["12345678", "2531376", "abcdefgh", ""])
    def test_invalid_cvr_writes_nothing(self, container: Container, cvr: str) -> None:
        with container.uow() as uow, pytest.raises(InvalidInput) as info:
            create_organisation(uow, name="X", cvr=cvr)
        assert info.value.errors[0].field == "cvr"
        with container.uow() as uow:
            assert uow.organisations.get_by_cvr(cvr) is None

    def test_empty_name(self, container: Container) -> None:
        with container.uow() as uow, pytest.raises(InvalidInput, match="empty"):
            create_organisation(uow, name="   ", cvr="25313763")

    def test_duplicate_cvr(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow, pytest.raises(Conflict):
            create_organisation(uow, name="Again", cvr=org.organisation.cvr)

    def test_live_mode_keys(self, container: Container) -> None:
        with container.uow() as uow:
            assert create_organisation(uow, name="L", cvr="30604806", live=True).api_key.startswith(
                "betal_live_"
            )


class TestMemberships:
    def test_accountant_belongs_to_many(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            user = register_user(
                uow, container.hasher, email="Revisor@Tal.dk", name="R", password="0123456789a"
            )
        for created in (org, other_org):
            with container.uow() as uow:
                add_member(
                    uow, organisation_id=created.organisation.id, user_id=user.id, role=Role.BOOKKEEPER
                )
        with container.uow() as uow:
            pairs = organisations_of(uow, user.id)
        assert sorted(o.id for o, _ in pairs) == sorted([org.organisation.id, other_org.organisation.id])
        assert {m.role for _, m in pairs} == {Role.BOOKKEEPER}

    def test_twice_is_conflict_and_unknowns_invalid(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            user = register_user(uow, container.hasher, email="a@b.dk", name="A", password="0123456789a")
        with container.uow() as uow:
            add_member(uow, organisation_id=org.organisation.id, user_id=user.id, role=Role.VIEWER)
        with container.uow() as uow, pytest.raises(Conflict):
            add_member(uow, organisation_id=org.organisation.id, user_id=user.id, role=Role.ADMIN)
        with container.uow() as uow, pytest.raises(InvalidInput, match="organisation"):
            add_member(uow, organisation_id="org_missing", user_id=user.id, role=Role.ADMIN)
        with container.uow() as uow, pytest.raises(InvalidInput, match="user"):
            add_member(uow, organisation_id=org.organisation.id, user_id="usr_missing", role=Role.ADMIN)
