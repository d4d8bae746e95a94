"""The reminder engine against a real database on a frozen clock: exactly the right reminders, once."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from betal import bootstrap
from betal.config import Settings
from betal.domain.dunning import ChargeKind, RecordStatus
from betal.domain.notification import Channel, DeliveryStatus, Template
from betal.domain.payment_request import RequestStatus
from betal.domain.reminder import BUILT_IN_ID
from betal.services import reminder
from betal.services.notification import deliver
from betal.services.notify import Links
from betal.services.organisation import CreatedOrganisation, create_organisation
from betal.services.payment_request import cancel_payment_request
from betal.services.reminder_policy import policy_for
from tests.services.receivables_support import owner
from tests.services.reminder_support import R, clocked, customer, policy, reminder_messages, request, state

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 in Copenhagen
DUE = date(2026, 11, 20)  # Friday
E, S = Channel.EMAIL, Channel.SMS


def engine(container: bootstrap.Container) -> reminder.Engine:
    return reminder.Engine(container.renderer(), Links(container.signer, "https://betal.example"))


def run(container: bootstrap.Container) -> reminder.RunReport:
    return reminder.run_due(lambda: container.uow(), engine(container))


def settle(container: bootstrap.Container, org: CreatedOrganisation, request_id: str, amount: int) -> None:
    from betal.domain import payment_request as pr

    with container.uow() as uow:
        found = uow.payment_requests.get(org.organisation.id, request_id, for_update=True)
        assert found is not None
        uow.payment_requests.save(pr.apply_payment(found, amount, uow.clock.now()).request)
        uow.commit()


@pytest.fixture
def world(settings: Settings) -> object:
    with clocked(settings, T0) as (container, clock):
        with container.uow() as uow:
            org = create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")
        yield container, clock, org


def at(day: date, hour: int = 9) -> datetime:
    """``hour``:00 UTC (10:00 or 11:00 in Copenhagen) on ``day``."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class TestBeforeAndOnTheDueDate:
    def test_the_before_due_reminder_goes_out_at_its_time_on_each_channel_once(self, world: tuple) -> None:
        container, clock, org = world
        payer = customer(container, org, phone="+4520123456")
        pol = policy(container, org, [R(-3, (E, S)), R(0, (E,))], default=True)
        req = request(container, org, payer, DUE)
        clock.set(at(date(2026, 11, 16)))
        assert run(container).sent == 0
        clock.set(at(date(2026, 11, 17)))  # Tuesday, 3 days before
        assert run(container).sent == 1
        assert run(container).sent == 0  # a second run finds it handled
        _, records, _, messages = state(container, org, req.id)
        assert [(r.rule_key, r.status) for r in records] == [("d-3", RecordStatus.SENT)]
        assert sorted(reminder_messages(messages)) == [("d-3", E), ("d-3", S)]
        sent = next(m for m in messages if m.reminder_id and m.channel is E)
        assert sent.template is Template.REMINDER_BEFORE_DUE
        assert "https://betal.example/pay/" in sent.body_text
        assert pol.id  # the request follows the organisation's default policy

    def test_a_request_paid_before_the_send_time_gets_no_reminder(self, world: tuple) -> None:
        container, clock, org = world
        payer = customer(container, org)
        req = request(container, org, payer, DUE)
        settle(container, org, req.id, 100_000)
        clock.set(at(date(2026, 11, 17)))
        assert run(container).requests == 0  # a settled request is not even looked at
        _, records, _, messages = state(container, org, req.id)
        assert records == []
        assert reminder_messages(messages) == []

    def test_a_cancelled_request_gets_no_reminder(self, world: tuple) -> None:
        container, clock, org = world
        req = request(container, org, customer(container, org), DUE)
        with container.uow() as uow:
            cancel_payment_request(uow, owner(org), req.id)
        clock.set(at(date(2026, 12, 30)))
        report = run(container)
        assert (report.sent, report.overdue) == (0, 0)

    def test_a_payment_landing_after_the_reminder_was_queued_drops_the_message(self, world: tuple) -> None:
        container, clock, org = world
        req = request(container, org, customer(container, org), DUE)
        clock.set(at(date(2026, 11, 17)))
        run(container)
        message = next(m for m in state(container, org, req.id)[3] if m.reminder_id)
        settle(container, org, req.id, 100_000)  # lands while the delivery job waits
        status = deliver(lambda: container.uow(), container.channels(), message.id)
        assert status is DeliveryStatus.DROPPED
        assert state(container, org, req.id)[3][-1].status is DeliveryStatus.DROPPED

    def test_never_at_night_nor_on_a_sunday(self, world: tuple) -> None:
        container, clock, org = world
        req = request(container, org, customer(container, org), DUE)
        clock.set(datetime(2026, 11, 17, 21, 0, tzinfo=UTC))  # the reminder's day, but 22:00
        assert run(container).sent == 0
        stored = state(container, org, req.id)[0]
        assert stored.next_reminder_at == datetime(2026, 11, 18, 7, 0, tzinfo=UTC)  # next morning 08:00
        clock.set(datetime(2026, 11, 18, 7, 0, tzinfo=UTC))
        assert run(container).sent == 1


class TestWorkerDowntime:
    def test_back_after_the_due_date_drops_before_due_sends_the_current_one_once(self, world: tuple) -> None:
        container, clock, org = world
        req = request(container, org, customer(container, org), DUE)  # built-in policy
        clock.set(at(date(2026, 11, 25)))  # Wednesday: -3, 0 and +3 all passed while the worker was down
        report = run(container)
        assert (report.overdue, report.dropped, report.sent) == (1, 2, 1)
        stored, records, _, messages = state(container, org, req.id)
        assert stored.status is RequestStatus.OVERDUE
        assert sorted((r.rule_key, r.status, r.reason) for r in records) == [
            ("d+3", RecordStatus.SENT, None),
            ("d-3", RecordStatus.DROPPED, "past_due"),
            ("d0", RecordStatus.DROPPED, "past_due"),
        ]
        assert reminder_messages(messages) == [("d+3", E)]
        assert run(container).sent == 0

    def test_missed_fee_reminders_go_out_one_by_one_ten_days_apart(self, world: tuple) -> None:
        container, clock, org = world
        req = request(container, org, customer(container, org), DUE)
        clock.set(at(date(2027, 1, 20)))  # weeks late: +3, +10, +20 and +30 have all passed
        run(container)
        sent_days = {}
        day = date(2027, 1, 20)
        while day < date(2027, 3, 15):
            clock.set(at(day))
            run(container)
            day += timedelta(days=1)
        for record in state(container, org, req.id)[1]:
            sent_days[record.rule_key] = record.business_date
        assert sent_days["d+3"] == date(2027, 1, 20)
        fee_days = [sent_days[k] for k in ("d+10", "d+20", "d+30")]
        assert all((b - a).days >= 10 for a, b in itertools.pairwise(fee_days))
        charges = state(container, org, req.id)[2]
        assert sum(1 for c in charges if c.kind is ChargeKind.REMINDER_FEE) == 3


class TestCharges:
    def test_fee_interest_and_compensation_become_lines_of_the_amount_due(self, world: tuple) -> None:
        container, clock, org = world
        business = customer(container, org, cvr="10150817", name="Kunde A/S")
        policy(container, org, [R(10, (E,), 10_000)], default=True)
        req = request(container, org, business, DUE)
        clock.set(at(date(2026, 11, 23)))  # overdue: compensation at once
        run(container)
        stored, _, charges, _ = state(container, org, req.id)
        assert [(c.kind, c.amount_minor) for c in charges] == [(ChargeKind.COMPENSATION, 31_000)]
        clock.set(at(date(2026, 11, 30)))  # +10
        run(container)
        stored, _, charges, messages = state(container, org, req.id)
        interest = [c for c in charges if c.kind is ChargeKind.INTEREST]
        # 1,000 kr. from 20 Nov to 30 Nov (10 days 30/360) at 1.75 + 8 = 9.75 %: 2708.33 øre
        assert [(c.period_start, c.period_end, c.rate_percent, c.amount_minor) for c in interest] == [
            (DUE, date(2026, 11, 30), "9.75", 271)
        ]
        assert stored.charges_minor == 31_000 + 10_000 + 271
        assert stored.outstanding_minor == 100_000 + 31_000 + 10_000 + 271
        overdue = next(m for m in messages if m.template is Template.REMINDER_OVERDUE)
        assert overdue.context is not None
        assert [line["label_key"] for line in overdue.context["lines"]] == [
            "amount", "compensation", "reminder_fee", "interest",
        ]  # fmt: skip

    def test_a_consumer_owes_no_compensation_and_paying_the_total_settles(self, world: tuple) -> None:
        container, clock, org = world
        policy(container, org, [R(10, (E,), 10_000)], default=True)
        req = request(container, org, customer(container, org), DUE)
        clock.set(at(date(2026, 11, 30)))
        run(container)
        stored, _, charges, _ = state(container, org, req.id)
        assert ChargeKind.COMPENSATION not in {c.kind for c in charges}
        settle(container, org, req.id, stored.outstanding_minor)
        assert state(container, org, req.id)[0].status is RequestStatus.PAID

    def test_no_interest_when_the_policy_says_so(self, world: tuple) -> None:
        container, clock, org = world
        policy(container, org, [R(10, (E,), 5_000)], default=True, interest=False, compensation=False)
        req = request(container, org, customer(container, org, cvr="10150817"), DUE)
        clock.set(at(date(2026, 11, 30)))
        run(container)
        assert [(c.kind, c.amount_minor) for c in state(container, org, req.id)[2]] == [
            (ChargeKind.REMINDER_FEE, 5_000)
        ]


class TestPolicies:
    def test_a_request_can_name_its_own_policy(self, world: tuple) -> None:
        container, clock, org = world
        policy(container, org, [R(-3, (E,))], default=True)
        own = policy(container, org, [R(-1, (E,))])
        req = request(container, org, customer(container, org), DUE, policy_id=own.id)
        clock.set(at(date(2026, 11, 17)))
        assert run(container).sent == 0
        clock.set(at(date(2026, 11, 19)))
        assert run(container).sent == 1
        assert [r.rule_key for r in state(container, org, req.id)[1]] == ["d-1"]

    def test_without_a_policy_the_built_in_one_applies(self, world: tuple) -> None:
        container, _, org = world
        with container.uow() as uow:
            assert policy_for(uow, org.organisation.id, None).id == BUILT_IN_ID


def test_concurrent_runs_send_each_reminder_once(world: tuple) -> None:
    """Two workers handling the same request one after the other (the row lock serialises them)."""
    container, clock, org = world
    req = request(container, org, customer(container, org), DUE)
    clock.set(at(date(2026, 11, 17)))
    with container.uow() as first_uow, container.uow() as second_uow:
        first = reminder.process_request(first_uow, engine(container), org.organisation.id, req.id)
        second = reminder.process_request(second_uow, engine(container), org.organisation.id, req.id)
    assert (first.sent, second.sent) == (1, 0)
    assert len(reminder_messages(state(container, org, req.id)[3])) == 1
