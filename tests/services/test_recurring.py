"""Recurring collections: validation, and issuing ahead of the due date exactly once per due date;
customers with an active Betalingsservice mandate are collected through the simulator instead."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from betal.bootstrap import Container
from betal.domain import recurring as schedule
from betal.domain.calendar import business_date, next_banking_day
from betal.domain.errors import Forbidden, InvalidInput, NotFound
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import RequestStatus
from betal.domain.provider import CreatePayment, ProviderRejected, ProviderUnavailable
from betal.domain.recurring import Interval
from betal.domain.tenancy import Principal, Role
from betal.services import enrollment, recurring
from betal.services.organisation import CreatedOrganisation, create_organisation
from tests.adapters.providers.betalingsservice.support import run_settlement
from tests.conftest import LiveServer
from tests.services.betalingsservice_support import enroll, make_customer, make_request, units
from tests.services.receivables_support import owner


@pytest.fixture
def live_org(live_server: LiveServer) -> CreatedOrganisation:
    with live_server.container.uow() as uow:
        return create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")


def _start(container: Container) -> date:
    return business_date(container.clock.now()) + timedelta(days=40)


def _new(customer_id: str, start: date, **changes: Any) -> recurring.NewRecurringCollection:
    data = recurring.NewRecurringCollection(
        customer_id=customer_id, amount_minor=34_900, currency="DKK", interval="monthly",
        day_of_month=start.day, start_date=start, allowed_methods=("card", "mobilepay"),
    )  # fmt: skip
    return replace(data, **changes)


def _create(container: Container, org: CreatedOrganisation, customer_id: str, **changes: Any) -> Any:
    with container.uow() as uow:
        return recurring.create_recurring_collection(
            uow, owner(org), _new(customer_id, _start(container), **changes)
        )


def _issue_day(collection: Any) -> date:
    return schedule.issue_date(collection.next_due_date, collection.lead_days)


def _requests(container: Container, org: CreatedOrganisation, customer_id: str) -> list[Any]:
    with container.uow() as uow:
        return list(uow.payment_requests.list_page(
            org.organisation.id, status=None, customer_id=customer_id, after_id=None, limit=50
        ))  # fmt: skip


class TestCreate:
    def test_first_due_date_on_a_banking_day(self, container: Container, org: CreatedOrganisation) -> None:
        customer = make_customer(container, org)
        start = _start(container)
        with container.uow() as uow:
            created = recurring.create_recurring_collection(
                uow, owner(org), _new(customer, start, day_of_month=31)
            )
        assert created.next_due_date == next(schedule.due_dates(start, Interval.MONTHLY, 31))
        assert (created.description, created.lead_days, created.allowed_methods) == (
            "Fast betaling", 14, (Method.CARD, Method.MOBILEPAY),
        )  # fmt: skip
        with container.uow() as uow:
            assert recurring.get_recurring_collection(uow, owner(org), created.id) == created
            events = [e.type for e in uow.events.list_after(org.organisation.id, 0, 50)]
        assert "recurring_collection.created" in events

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"interval": "weekly"}, "interval"),
            ({"day_of_month": 0}, "day_of_month"),
            ({"day_of_month": 32}, "day_of_month"),
            ({"amount_minor": 0}, "amount"),
            ({"start_date": date(2020, 1, 1)}, "due_date"),
            ({"currency": "XXX"}, "currency"),
            ({"currency": "EUR", "allowed_methods": ("betalingsservice",)}, "currency"),
            ({"allowed_methods": ("paypal",)}, "allowed_methods"),
            ({"allowed_methods": ()}, "allowed_methods"),
            ({"lead_days": 0}, "lead_days"),
            ({"lead_days": 61}, "lead_days"),
            ({"customer_id": "cus_nope"}, "customer_id"),
            ({"description": " "}, "description"),
        ],
    )
    def test_invalid(
        self, container: Container, org: CreatedOrganisation, changes: dict[str, Any], field: str
    ) -> None:
        customer = make_customer(container, org)
        with container.uow() as uow, pytest.raises(InvalidInput) as caught:
            recurring.create_recurring_collection(
                uow, owner(org), replace(_new(customer, _start(container)), **changes)
            )
        assert field in {e.field for e in caught.value.errors}

    def test_needs_the_right_to_bill(self, container: Container, org: CreatedOrganisation) -> None:
        viewer = Principal(org.organisation.id, Role.VIEWER, "api_key", "key_v")
        with container.uow() as uow, pytest.raises(Forbidden):
            recurring.create_recurring_collection(uow, viewer, _new("cus_x", _start(container)))

    def test_another_organisations_collection_is_not_found(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        created = _create(container, org, make_customer(container, org))
        with container.uow() as uow, pytest.raises(NotFound):
            recurring.get_recurring_collection(uow, owner(other_org), created.id)


class TestIssueDue:
    def test_issued_on_the_issue_date_once(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        customer = make_customer(c, live_org)
        collection = _create(c, live_org, customer)
        day = _issue_day(collection)
        assert recurring.issue_due(units(c), c.providers, day - timedelta(days=1)) == recurring.IssueReport()
        assert recurring.issue_due(units(c), c.providers, day).issued == 1
        assert recurring.issue_due(units(c), c.providers, day).issued == 0  # a rerun issues nothing
        (request,) = _requests(c, live_org, customer)
        assert (request.recurring_collection_id, request.due_date, request.amount_minor) == (
            collection.id, collection.next_due_date, 34_900,
        )  # fmt: skip
        assert request.allowed_methods == (Method.CARD, Method.MOBILEPAY)
        with c.uow() as uow:
            advanced = uow.recurring_collections.get(live_org.organisation.id, collection.id)
            assert uow.payments.list_for_request(live_org.organisation.id, request.id) == []
        assert advanced is not None
        assert advanced.next_due_date == schedule.next_due_after(
            collection.start_date, Interval.MONTHLY, collection.day_of_month, collection.next_due_date
        )

    def test_catches_up_every_missed_due_date(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        customer = make_customer(c, live_org)
        collection = _create(c, live_org, customer)
        second = schedule.next_due_after(collection.start_date, Interval.MONTHLY, collection.day_of_month,
                                         collection.next_due_date)  # fmt: skip
        report = recurring.issue_due(units(c), c.providers, schedule.issue_date(second, 14))
        assert report.issued == 2
        assert sorted(r.due_date for r in _requests(c, live_org, customer)) == [
            collection.next_due_date,
            second,
        ]

    def test_collected_through_an_active_mandate_and_paid_when_confirmed(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        customer = make_customer(c, live_org)
        enroll(c, live_server.url, make_request(c, live_org, customer))
        collection = _create(c, live_org, customer)
        report = recurring.issue_due(units(c), c.providers, _issue_day(collection))
        assert (report.issued, report.submitted) == (1, 1)
        request = next(
            r for r in _requests(c, live_org, customer) if r.recurring_collection_id == collection.id
        )
        assert request.allowed_methods == (
            Method.BETALINGSSERVICE,
        )  # no request-to-pay beside the collection
        with c.uow() as uow:
            (payment,) = uow.payments.list_for_request(live_org.organisation.id, request.id)
        assert (payment.status, payment.provider, payment.method) == (
            PaymentStatus.PENDING, "betalingsservice", Method.BETALINGSSERVICE,
        )  # fmt: skip
        assert payment.provider_reference is not None
        assert payment.provider_reference.endswith("/" + payment.id)
        run_settlement(live_server.url, next_banking_day(request.due_date))
        enrollment.apply_information(units(c), c.providers.by_key("betalingsservice"))
        with c.uow() as uow:
            paid = uow.payment_requests.get_any(request.id)
        assert paid is not None
        assert (paid.status, paid.paid_minor) == (RequestStatus.PAID, 34_900)

    def test_a_rejected_collection_fails_and_the_request_stays_open(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        customer = make_customer(c, live_org)
        enroll(c, live_server.url, make_request(c, live_org, customer), behaviour="reject")
        collection = _create(c, live_org, customer)
        recurring.issue_due(units(c), c.providers, _issue_day(collection))
        run_settlement(live_server.url, next_banking_day(collection.next_due_date))
        enrollment.apply_information(units(c), c.providers.by_key("betalingsservice"))
        request = next(
            r for r in _requests(c, live_org, customer) if r.recurring_collection_id == collection.id
        )
        with c.uow() as uow:
            (payment,) = uow.payments.list_for_request(live_org.organisation.id, request.id)
            events = [e.type for e in uow.events.list_after(live_org.organisation.id, 0, 100)]
        assert payment.status is PaymentStatus.FAILED
        assert request.status is RequestStatus.OPEN
        assert "payment.failed" in events

    def test_a_collection_betalingsservice_could_not_take_is_submitted_next_run(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        customer = make_customer(c, live_org)
        enroll(c, live_server.url, make_request(c, live_org, customer))
        collection = _create(c, live_org, customer)
        day = _issue_day(collection)
        down = recurring.issue_due(units(c), _Refusing(c, ProviderUnavailable("down")), day)
        assert (down.issued, down.submitted, down.deferred) == (1, 0, 1)
        request = next(
            r for r in _requests(c, live_org, customer) if r.recurring_collection_id == collection.id
        )
        with c.uow() as uow:
            (waiting,) = uow.payments.list_for_request(live_org.organisation.id, request.id)
        assert waiting.status is PaymentStatus.INITIATED
        back = recurring.issue_due(units(c), c.providers, day)
        assert (back.issued, back.submitted) == (0, 1)
        with c.uow() as uow:
            (submitted,) = uow.payments.list_for_request(live_org.organisation.id, request.id)
        assert (submitted.id, submitted.status) == (waiting.id, PaymentStatus.PENDING)

    def test_a_refused_collection_fails(self, live_server: LiveServer, live_org: CreatedOrganisation) -> None:
        c = live_server.container
        customer = make_customer(c, live_org)
        enroll(c, live_server.url, make_request(c, live_org, customer))
        collection = _create(c, live_org, customer)
        report = recurring.issue_due(units(c), _Refusing(c, ProviderRejected("no")), _issue_day(collection))
        assert (report.issued, report.failed) == (1, 1)

    def test_a_schedule_that_cannot_issue_does_not_stop_the_others(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        customer = make_customer(c, live_org)
        good = _create(c, live_org, customer)
        with c.uow() as uow:  # written past the service: an FI-kort schedule in euro cannot issue
            broken = replace(good, id="rcol_01JNQ7W3K2X9V8T6R5P4M3N2B1", currency="EUR",
                             allowed_methods=(Method.FI_CARD,))  # fmt: skip
            uow.recurring_collections.add(broken)
            uow.commit()
        report = recurring.issue_due(units(c), c.providers, _issue_day(good))
        assert (report.issued, report.blocked) == (1, (broken.id,))

    @pytest.mark.postgres
    def test_concurrent_runs_issue_once(self, live_server: LiveServer, live_org: CreatedOrganisation) -> None:
        c = live_server.container
        customer = make_customer(c, live_org)
        collection = _create(c, live_org, customer)
        barrier = threading.Barrier(4)
        reports: list[recurring.IssueReport] = []

        def run() -> None:
            barrier.wait()
            reports.append(recurring.issue_due(units(c), c.providers, _issue_day(collection)))

        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(r.issued for r in reports) == 1
        assert len(_requests(c, live_org, customer)) == 1


class _Refusing:
    """The configured providers, except that Betalingsservice refuses collections with ``error``."""

    def __init__(self, container: Container, error: Exception) -> None:
        self._providers = container.providers
        self._error = error

    def for_method(self, method: Method) -> Any:
        return self._providers.for_method(method)

    def mandates(self) -> Any:
        return self

    def collect(self, request: CreatePayment) -> Any:
        raise self._error
