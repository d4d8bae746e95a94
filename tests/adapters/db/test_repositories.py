"""Repositories: the queries behind tenancy and web sessions."""

from __future__ import annotations

from datetime import timedelta

from betal.bootstrap import Container
from betal.domain.tenancy import Role, WebSession
from betal.services.organisation import CreatedOrganisation, add_member, create_organisation
from betal.services.user import register_user


class TestOrganisationRepository:
    def test_lookups(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow:
            create_organisation(uow, name="Aarhus Ost A/S", cvr="30604806")
        with container.uow() as uow:
            assert uow.organisations.get_by_cvr("25313763") == org.organisation
            assert uow.organisations.get_by_cvr("99999999") is None
            assert uow.organisations.get("org_missing") is None
            all_ids = [o.id for o in uow.organisations.list_by_ids([org.organisation.id, "org_missing"])]
            assert all_ids == [org.organisation.id]
            names = [
                o.name
                for o in uow.organisations.list_by_ids(
                    [o.id for o in [org.organisation]] + [uow.organisations.get_by_cvr("30604806").id]
                )
            ]  # type: ignore[union-attr]
            assert names == sorted(names)


class TestMembershipRepository:
    def test_lists(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow:
            user = register_user(uow, container.hasher, email="v@x.dk", name="V", password="0123456789")
        with container.uow() as uow:
            add_member(uow, organisation_id=org.organisation.id, user_id=user.id, role=Role.VIEWER)
        with container.uow() as uow:
            assert [m.role for m in uow.memberships.list_for_user(user.id)] == [Role.VIEWER]
            assert [m.user_id for m in uow.memberships.list_for_organisation(org.organisation.id)] == [
                user.id
            ]
            assert uow.memberships.get(user.id, "org_other") is None


class TestWebSessionRepository:
    def test_lifecycle_and_expiry(self, container: Container, org: CreatedOrganisation) -> None:
        now = container.clock.now()
        with container.uow() as uow:
            user = register_user(uow, container.hasher, email="s@x.dk", name="S", password="0123456789")
        with container.uow() as uow:
            uow.web_sessions.add(WebSession("live", user.id, None, "c1", now, now + timedelta(hours=1)))
            uow.web_sessions.add(WebSession("old", user.id, None, "c2", now, now - timedelta(seconds=1)))
            uow.web_sessions.set_organisation("live", org.organisation.id)
            uow.commit()
        with container.uow() as uow:
            assert uow.web_sessions.delete_expired(now) == 1
            live = uow.web_sessions.get("live")
            assert live is not None
            assert live.organisation_id == org.organisation.id
            uow.web_sessions.delete("live")
            uow.commit()
        with container.uow() as uow:
            assert uow.web_sessions.get("live") is None
            assert uow.web_sessions.get("old") is None


class TestEventSubjects:
    def test_events_found_by_the_resource_they_are_about(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        from betal.domain.events import NewEvent

        with container.uow() as uow:
            uow.publish(NewEvent(org.organisation.id, "payment.succeeded", {"id": "pay_1"}))
            uow.publish(NewEvent(org.organisation.id, "payment.failed", {"id": "pay_2"}))
            uow.publish(NewEvent(org.organisation.id, "payment.refunded", {"id": "pay_1"}))
            uow.publish(NewEvent(org.organisation.id, "payment.succeeded", {"no_id": True}))
            uow.commit()
        with container.uow() as uow:
            found = uow.events.list_for_subjects(org.organisation.id, ["pay_1"], 10)
            none = uow.events.list_for_subjects("org_other", ["pay_1"], 10)
        assert [e.type for e in found] == ["payment.succeeded", "payment.refunded"]
        assert none == []
