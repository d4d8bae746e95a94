"""Listing events by sequence."""

from __future__ import annotations

import pytest

from betal.bootstrap import Container
from betal.domain.errors import InvalidInput
from betal.domain.events import NewEvent
from betal.domain.tenancy import Principal, Role
from betal.services.event import list_events
from betal.services.organisation import CreatedOrganisation


class TestListEvents:
    def test_after_and_limit(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow:
            for i in range(4):
                uow.publish(NewEvent(org.organisation.id, "payment.succeeded", {"i": i}))
            uow.commit()
        viewer = Principal(org.organisation.id, Role.VIEWER, "api_key", "key_v")
        with container.uow() as uow:
            assert [e.sequence for e in list_events(uow, viewer, after=2, limit=2)] == [3, 4]
            assert list_events(uow, viewer, after=5, limit=10) == []
            with pytest.raises(InvalidInput):
                list_events(uow, viewer, after=-1, limit=1)
