"""Listing mandates is per organisation and customer."""

from __future__ import annotations

from betal.bootstrap import Container
from betal.domain.ids import new_id
from betal.domain.mandate import Mandate, MandateStatus
from betal.domain.payment_method import Method
from betal.services.mandate import list_mandates
from betal.services.organisation import CreatedOrganisation
from tests.services.receivables_support import make_request, owner


class TestListMandates:
    def test_filters(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        request = make_request(container, org)
        now = container.clock.now()
        with container.uow() as uow:
            mandate = Mandate(
                new_id("man"), org.organisation.id, request.customer_id, Method.BETALINGSSERVICE,
                MandateStatus.ACTIVE, "bs-1", None, now, now,
            )  # fmt: skip
            uow.mandates.add(mandate)
            uow.commit()
        with container.uow() as uow:
            mine = list_mandates(uow, owner(org), customer_id=request.customer_id, after_id=None, limit=10)
            none = list_mandates(uow, owner(org), customer_id="cus_other", after_id=None, limit=10)
            theirs = list_mandates(uow, owner(other_org), customer_id=None, after_id=None, limit=10)
            active = uow.mandates.active_for(
                org.organisation.id, request.customer_id, Method.BETALINGSSERVICE
            )
        assert [m.provider_reference for m in mine] == ["bs-1"]
        assert none == theirs == []
        assert active is not None
