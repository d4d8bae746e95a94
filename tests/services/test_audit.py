"""Reading the audit log needs the member-managing permission and sees one organisation."""

from __future__ import annotations

import pytest

from betal.bootstrap import Container
from betal.domain.errors import Forbidden
from betal.domain.tenancy import Principal, Role
from betal.services.audit import list_audit_log
from betal.services.organisation import CreatedOrganisation


class TestListAuditLog:
    def test_owner_reads_own_entries_in_order(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        owner = Principal(org.organisation.id, Role.OWNER, "user", "usr_o")
        with container.uow() as uow:
            entries = list_audit_log(uow, owner, after_id=None, limit=10)
        assert sorted(e.action for e in entries) == ["api_key.created", "organisation.created"]
        assert {e.organisation_id for e in entries} == {org.organisation.id}
        assert [e.id for e in entries] == sorted(e.id for e in entries)
        with container.uow() as uow:
            assert list_audit_log(uow, owner, after_id=entries[0].id, limit=10) == entries[1:]

    def test_bookkeeper_may_not(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow, pytest.raises(Forbidden):
            list_audit_log(
                uow, Principal(org.organisation.id, Role.BOOKKEEPER, "user", "u"), after_id=None, limit=1
            )
