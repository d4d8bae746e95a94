"""Approval messages on the real database: reminders before the execution date to the approvers who have
not decided, once per order and approver; totals across currencies; who counts as the bookkeeper."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from betal.config import Settings
from betal.domain.approval import ApprovalRequest, Decision, Via
from betal.domain.notification import Template
from betal.domain.payables import PaymentOrder
from betal.domain.tenancy import User
from betal.services.approval import DecisionInput, decide, request_approval
from betal.services.approval_notice import bookkeeper_of, remind_approvers
from betal.services.approval_policy import PolicyInput, policy_of, put_policy
from betal.services.payment_order import NewPaymentOrder, create_payment_order
from tests.services.approval_support import (
    World,
    clocked,
    ecb_rates,
    invoice,
    make_world,
    outbox,
    supplier,
)

DE_IBAN = "DE89370400440532013000"


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with clocked(settings) as (container, clock):
        built = make_world(container, clock)
        with container.uow() as uow:  # two approvals above 1,000.00 kr.; reminders two days before
            put_policy(uow, built.principal(), PolicyInput(1, (built.anna.id, built.bent.id), 100_000, 2))
        yield built


def order(
    world: World, gross: int, due: date, *, currency: str = "DKK", api_key: bool = False
) -> PaymentOrder:
    kontor = supplier(world, iban=DE_IBAN) if currency != "DKK" else supplier(world)
    inv = invoice(world, kontor, gross, due=due, currency=currency)
    who = world.principal() if api_key else world.principal(world.bookkeeper)
    with world.container.uow() as uow:
        return create_payment_order(uow, who, NewPaymentOrder(inv.id))


def send(world: World, *orders: PaymentOrder) -> ApprovalRequest:
    with world.container.uow() as uow:
        return request_approval(
            uow, world.principal(world.bookkeeper), world.messaging, [o.id for o in orders]
        )


def remind(world: World) -> int:
    with world.container.uow() as uow:
        queued = remind_approvers(uow, world.messaging, lambda org: policy_of(uow, org))
        uow.commit()
    return queued


def reminded(world: World) -> list[tuple[str, str]]:
    mails = outbox(world.container, world.org_id, Template.APPROVAL_REMINDER)
    return [(m.recipient, m.dedupe_key or "") for m in mails]


def approve(world: World, who: User, approval: ApprovalRequest, *order_ids: str) -> None:
    with world.container.uow() as uow:
        data = DecisionInput(Decision.APPROVE, payment_order_ids=order_ids or None)
        decide(uow, world.principal(who), world.messaging, approval.id, data, Via.PORTAL)


class TestRemindApprovers:
    def test_approvers_who_have_not_decided_are_reminded_once_before_the_date(self, world: World) -> None:
        large = order(world, 500_000, date(2026, 11, 27))  # Friday: reminded from Wednesday
        approval = send(world, large)
        assert remind(world) == 0  # Monday: too early
        approve(world, world.anna, approval)
        world.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
        assert remind(world) == 1
        assert remind(world) == 0  # once
        [(recipient, key)] = reminded(world)
        assert recipient == "bent@hansen.example"
        assert key == f"{approval.id}:{world.bent.id}:r20261127:email"
        [mail] = outbox(world.container, world.org_id, Template.APPROVAL_REMINDER)
        assert "Påmindelse" in mail.subject
        assert "https://betal.example/approve/" in mail.body_text

    def test_once_per_order_each_on_its_own_day(self, world: World) -> None:
        soon, later = order(world, 500, date(2026, 11, 25)), order(world, 700, date(2026, 12, 2))
        approval = send(world, soon, later)
        assert remind(world) == 2  # Anna and Bent, for the order of Wednesday
        world.clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
        assert remind(world) == 2  # and for the order of the next Wednesday
        keys = sorted(key for _, key in reminded(world))
        assert keys == sorted(
            f"{approval.id}:{user.id}:r{day}:email"
            for user in (world.anna, world.bent)
            for day in ("20261125", "20261202")
        )

    def test_no_reminder_for_an_order_long_past_its_date(self, world: World) -> None:
        small = order(world, 500, date(2026, 11, 24))
        send(world, small)
        world.clock.set(datetime(2026, 12, 7, 8, 0, tzinfo=UTC))  # 13 days after its date
        assert remind(world) == 0


class TestNotices:
    def test_orders_in_several_currencies_are_totalled_in_dkk(self, world: World) -> None:
        ecb_rates(world.container, date(2026, 11, 23), DKK="7.4604")
        send(
            world,
            order(world, 10_000, date(2026, 11, 30)),
            order(world, 10_000, date(2026, 11, 30), currency="EUR"),
        )
        [mail, _] = outbox(world.container, world.org_id, Template.APPROVAL_REQUESTED)
        assert "i alt 846,04 kr." in mail.body_text  # 100.00 kr. + 100.00 EUR at 7.4604

    def test_the_bookkeeper_is_whoever_sent_an_order_made_with_an_api_key(self, world: World) -> None:
        by_key = order(world, 500, date(2026, 11, 30), api_key=True)
        approval = send(world, by_key)
        with world.container.uow() as uow:
            assert bookkeeper_of(uow, by_key, approval) == world.bookkeeper
            assert bookkeeper_of(uow, by_key, None) is None
