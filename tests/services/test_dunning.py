"""The lines of the amount due and the reminder overview, after the real engine ran on a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.errors import NotFound
from betal.domain.notification import Channel
from betal.domain.payment_request import RequestStatus
from betal.domain.reminder import BUILT_IN_ID, ReminderRule, built_in
from betal.domain.tenancy import Principal, Role
from betal.services.dunning import AMOUNT, amount_due, planned_reminders, reminder_overview
from betal.services.organisation import CreatedOrganisation
from tests.services.dunning_support import START, TOTAL_DUE, new_request, overdue_request, run_at
from tests.services.receivables_support import owner


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def container(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    built = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield built
    built.close()


class TestAmountDue:
    def test_a_request_without_charges_is_one_line(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        request_id = new_request(container, org)
        with container.uow() as uow:
            request = uow.payment_requests.get(org.organisation.id, request_id)
            assert request is not None
            due = amount_due(uow, request)
        assert [(line.kind, line.amount_minor) for line in due.lines] == [(AMOUNT, 100_000)]
        assert (due.has_charges, due.total_minor, due.outstanding_minor) == (False, 100_000, 100_000)
        assert due.money(123_450).format() == "1.234,50 DKK"

    def test_every_charge_is_a_line_of_its_own(
        self, container: Container, clock: FrozenClock, org: CreatedOrganisation
    ) -> None:
        request_id = overdue_request(container, clock, org)
        with container.uow() as uow:
            request = uow.payment_requests.get(org.organisation.id, request_id)
            assert request is not None
            due = amount_due(uow, request)
        lines = [(x.kind, x.amount_minor, x.period_start, x.period_end, x.rate_percent) for x in due.lines]
        assert lines == [
            ("amount", 100_000, None, None, None),
            ("compensation", 31_000, None, None, None),
            ("interest", 298, date(2026, 3, 5), date(2026, 3, 16), "9.75"),
            ("reminder_fee", 10_000, None, None, None),
            ("interest", 190, date(2026, 3, 16), date(2026, 3, 23), "9.75"),
        ]
        assert due.has_charges
        assert (due.total_minor, due.paid_minor, due.outstanding_minor) == (TOTAL_DUE, 0, TOTAL_DUE)


class TestReminderOverview:
    def test_handled_with_their_messages_and_the_rest_planned(
        self, container: Container, clock: FrozenClock, org: CreatedOrganisation
    ) -> None:
        request_id = overdue_request(container, clock, org)
        with container.uow() as uow:
            overview = reminder_overview(uow, owner(org), request_id)
        assert overview.policy.id == BUILT_IN_ID
        handled = [
            (h.record.rule_key, h.record.status.value, h.record.fee_minor, h.record.business_date)
            for h in overview.handled
        ]
        assert handled == [
            ("d0", "sent", 0, date(2026, 3, 5)),
            ("d+3", "sent", 0, date(2026, 3, 16)),
            ("d+10", "sent", 10_000, date(2026, 3, 23)),
        ]
        for item in overview.handled:  # the customer has an e-mail address only
            assert [(m.channel, m.recipient, m.status.value) for m in item.messages] == [
                (Channel.EMAIL, "bogholderi@toemrer.example", "queued")
            ]
        # 2 April + 10 days from the fee before would be Maundy Thursday: Easter moves it to 7 April
        assert [(p.rule.key, p.day) for p in overview.planned] == [
            ("d+20", date(2026, 4, 7)),
            ("d+30", date(2026, 4, 17)),
        ]
        assert overview.planned[0].at == datetime(2026, 4, 7, 7, 0, tzinfo=UTC)  # 09:00 in Copenhagen
        assert overview.other_messages == []
        assert overview.amount_due.total_minor == TOTAL_DUE

    def test_a_worker_back_after_the_due_date_records_the_missed_ones_as_dropped(
        self, container: Container, clock: FrozenClock, org: CreatedOrganisation
    ) -> None:
        request_id = new_request(container, org, due=date(2026, 3, 12))
        run_at(container, clock, org, request_id, datetime(2026, 3, 13, 10, 0, tzinfo=UTC))
        with container.uow() as uow:
            overview = reminder_overview(uow, owner(org), request_id)
        assert [(h.record.rule_key, h.record.status.value, h.record.reason) for h in overview.handled] == [
            ("d-3", "dropped", "past_due"),
            ("d0", "dropped", "past_due"),
        ]
        assert all(h.messages == [] for h in overview.handled)
        assert overview.planned[0].rule.key == "d+3"
        assert overview.planned[0].day == date(2026, 3, 16)  # 15 March is a Sunday

    def test_roles_and_tenancy(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        request_id = new_request(container, org)
        with container.uow() as uow:
            viewer = Principal(org.organisation.id, Role.VIEWER, "user", "usr_x")
            assert reminder_overview(uow, viewer, request_id).planned
            with pytest.raises(NotFound):
                reminder_overview(uow, owner(other_org), request_id)


class TestPlannedReminders:
    def test_nothing_is_planned_for_a_settled_request(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        request_id = new_request(container, org)
        with container.uow() as uow:
            request = uow.payment_requests.get(org.organisation.id, request_id)
        assert request is not None
        policy = built_in(org.organisation.id, START)
        assert [p.rule.key for p in planned_reminders(policy, request, {})] == [
            "d0",
            "d+3",
            "d+10",
            "d+20",
            "d+30",
        ]
        assert planned_reminders(policy, replace(request, status=RequestStatus.PAID), {}) == []

    def test_an_overdue_reminder_counts_from_the_one_sent_before_it(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        request_id = new_request(container, org)
        with container.uow() as uow:
            request = uow.payment_requests.get(org.organisation.id, request_id)
        assert request is not None
        rules = (ReminderRule(10, (Channel.EMAIL,), 10_000), ReminderRule(20, (Channel.EMAIL,), 10_000))
        policy = replace(built_in(org.organisation.id, START), rules=rules)
        late = planned_reminders(policy, request, {"d+10": date(2026, 3, 23)})
        assert [(p.rule.key, p.day) for p in late] == [("d+20", date(2026, 4, 7))]
