"""``recurring.issue_due`` and ``betalingsservice.fetch`` run by the real job engine against the live
server's Betalingsservice simulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from betal.adapters.db.orm import JobRow
from betal.bootstrap import Container
from betal.domain import recurring as schedule
from betal.domain.calendar import business_date, next_banking_day
from betal.domain.job import Job, JobStatus, NewJob
from betal.domain.mandate import MandateStatus
from betal.domain.payment import PaymentStatus
from betal.domain.payment_request import RequestStatus
from betal.jobs import registry
from betal.jobs.handlers.recurring import FETCH_KIND, ISSUE_KIND
from betal.jobs.worker import Worker
from betal.services import enrollment
from betal.services.organisation import CreatedOrganisation, create_organisation
from betal.services.recurring import NewRecurringCollection, create_recurring_collection
from tests.adapters.providers.betalingsservice.support import run_settlement, sign_up
from tests.conftest import LiveServer
from tests.services.betalingsservice_support import make_customer, make_request, units
from tests.services.receivables_support import owner


@pytest.fixture
def live_org(live_server: LiveServer) -> CreatedOrganisation:
    with live_server.container.uow() as uow:
        return create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")


def _run(live_server: LiveServer, kind: str, payload: dict[str, Any]) -> Job:
    """Enqueue one job of ``kind`` with ``payload``, run the worker, and return that job."""
    container = live_server.container
    with container.uow() as uow:
        uow.enqueue(NewJob(kind, payload, max_attempts=1))
        uow.commit()
    live_server.run_jobs()
    with container.engine.connect() as conn:
        ids = conn.execute(select(JobRow.id).where(JobRow.kind == kind)).scalars().all()
    jobs = [j for j in (container.job_queue().get(i) for i in ids) if j is not None and j.payload == payload]
    assert len(jobs) == 1
    return jobs[0]


def _collection(container: Container, org: CreatedOrganisation, customer_id: str) -> Any:
    start = business_date(container.clock.now()) + timedelta(days=30)
    data = NewRecurringCollection(customer_id, 34_900, "DKK", "monthly", start.day, start, ("card",))
    with container.uow() as uow:
        return create_recurring_collection(uow, owner(org), data)


class TestRegistration:
    def test_kinds_and_schedules(self) -> None:
        assert registry.handler_for(ISSUE_KIND) is not None
        assert registry.handler_for(FETCH_KIND) is not None
        every = {s.kind: s.every for s in registry.schedules()}
        assert every[ISSUE_KIND] == timedelta(hours=1)
        assert every[FETCH_KIND] == timedelta(minutes=10)


class TestIssueDue:
    def test_issues_on_the_issue_date(self, live_server: LiveServer, live_org: CreatedOrganisation) -> None:
        c = live_server.container
        customer = make_customer(c, live_org)
        collection = _collection(c, live_org, customer)
        day = schedule.issue_date(collection.next_due_date, collection.lead_days)
        job = _run(live_server, ISSUE_KIND, {"today": day.isoformat()})
        assert job.status is JobStatus.SUCCEEDED
        assert job.result == {"issued": 1, "submitted": 0, "deferred": 0, "failed": 0, "blocked": []}
        with c.uow() as uow:
            (request,) = uow.payment_requests.list_page(
                live_org.organisation.id, status=None, customer_id=customer, after_id=None, limit=5
            )
        assert request.recurring_collection_id == collection.id

    def test_a_malformed_date_fails_for_good(self, live_server: LiveServer) -> None:
        job = _run(live_server, ISSUE_KIND, {"today": "tomorrow"})
        assert job.status is JobStatus.FAILED
        assert job.last_error is not None
        assert "YYYY-MM-DD" in job.last_error


class TestFetch:
    def test_activates_mandates_and_settles_collections(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        request = make_request(c, live_org, make_customer(c, live_org))
        started = enrollment.start_enrollment(
            units(c),
            c.providers,
            request_id=request.id,
            return_url=f"{live_server.url}/pay/t/betalingsservice/r",
        )
        assert started.redirect_url is not None
        sign_up(started.redirect_url)
        first = _run(live_server, FETCH_KIND, {"run": 1})
        assert first.result == first.result | {"deliveries": 1, "mandates": 1}
        with c.uow() as uow:
            mandate = uow.mandates.get(live_org.organisation.id, started.mandate.id)
        assert mandate is not None
        assert mandate.status is MandateStatus.ACTIVE
        enrollment.complete_enrollment(units(c), c.providers, request_id=request.id, mandate_id=mandate.id)
        run_settlement(live_server.url, next_banking_day(request.due_date))
        second = _run(live_server, FETCH_KIND, {"run": 2})
        assert second.result == second.result | {"deliveries": 1, "payments": 1, "unknown": 0}
        with c.uow() as uow:
            (payment,) = uow.payments.list_for_request(live_org.organisation.id, request.id)
            paid = uow.payment_requests.get_any(request.id)
        assert payment.status is PaymentStatus.SUCCEEDED
        assert paid is not None
        assert paid.status is RequestStatus.PAID

    def test_an_unreachable_exchange_is_read_next_time(self, container: Container) -> None:
        with container.uow() as uow:
            uow.enqueue(NewJob(FETCH_KIND, {"run": "offline"}, max_attempts=1))
            uow.commit()
        Worker(container, name="test").run_once()
        with container.engine.connect() as conn:
            ids = conn.execute(select(JobRow.id).where(JobRow.kind == FETCH_KIND)).scalars().all()
        jobs = [container.job_queue().get(i) for i in ids]
        assert jobs
        assert all(j is not None and j.status is JobStatus.SUCCEEDED for j in jobs)
        assert all(j is not None and j.result is not None and "deferred" in j.result for j in jobs)
