"""Reminder repositories: policies round-trip with their rules, due requests, rescheduling, charges."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from betal import bootstrap
from betal.domain.dunning import Charge, ChargeKind
from betal.domain.ids import new_id
from betal.domain.notification import Channel
from betal.domain.reminder import ReminderPolicy, ReminderRule
from betal.services.organisation import CreatedOrganisation
from tests.services.receivables_support import make_request

AT = datetime(2026, 11, 2, tzinfo=UTC)


def a_policy(org: CreatedOrganisation, default: bool = False) -> ReminderPolicy:
    rules = (ReminderRule(-3, (Channel.EMAIL, Channel.SMS)), ReminderRule(10, (Channel.PUSH,), 10_000))
    return ReminderPolicy(
        new_id("rpol"), org.organisation.id, "Streng", default, rules, 9, True, False, AT, AT
    )


def test_policies_round_trip_and_one_default(
    container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
) -> None:
    first, second = a_policy(org, default=True), a_policy(org)
    with container.uow() as uow:
        uow.reminder_policies.add(first)
        uow.reminder_policies.add(second)
        uow.reminder_policies.clear_default(org.organisation.id)
        uow.reminder_policies.save(replace(second, is_default=True, name="Ny"))
        uow.commit()
    with container.uow() as uow:
        stored = {p.id: p for p in uow.reminder_policies.list_for_organisation(org.organisation.id)}
        assert stored[second.id] == replace(second, is_default=True, name="Ny")
        assert not stored[first.id].is_default
        assert uow.reminder_policies.get(other_org.organisation.id, first.id) is None


def test_due_requests_and_reschedule(container: bootstrap.Container, org: CreatedOrganisation) -> None:
    req = make_request(container, org)
    later = req.created_at + timedelta(days=400)
    with container.uow() as uow:
        uow.payment_requests.save(replace(req, next_reminder_at=None))
        uow.commit()
    with container.uow() as uow:
        assert uow.reminders.due_requests(req.created_at, req.created_at.date(), 10) == []
        # past its due date and still open: picked up to be marked overdue
        assert uow.reminders.due_requests(later, later.date(), 10) == [(org.organisation.id, req.id)]
        assert uow.reminders.reschedule(org.organisation.id, None, req.created_at) == 1
        uow.commit()
    with container.uow() as uow:
        assert uow.reminders.due_requests(req.created_at, req.created_at.date(), 10) == [
            (org.organisation.id, req.id)
        ]


def test_charges_by_request(container: bootstrap.Container, org: CreatedOrganisation) -> None:
    req = make_request(container, org)
    line = Charge(new_id("chg"), org.organisation.id, req.id, ChargeKind.INTEREST, 271, "DKK", AT, None,
                  date(2026, 11, 20), date(2026, 11, 30), "9.75")  # fmt: skip
    with container.uow() as uow:
        uow.charges.add(line)
        uow.commit()
    with container.uow() as uow:
        assert uow.charges.list_for_request(org.organisation.id, req.id) == [line]
        assert uow.charges.list_for_request(org.organisation.id, "preq_other") == []
