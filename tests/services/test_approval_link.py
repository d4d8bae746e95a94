"""Deciding from the signed e-mail link, on the real database: the link from the approver's e-mail works
once; reused, expired or tampered links are refused; one order at a time with the fresh link each use
returns; a link no longer works for someone who lost the approver role."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from betal.adapters.db.orm import MembershipRow
from betal.domain.approval import ApprovalRequest, Decision, LinkClaims
from betal.domain.errors import Conflict, Forbidden, InvalidInput
from betal.domain.notification import Template
from betal.domain.payables import OrderStatus, PaymentOrder
from betal.domain.tenancy import User
from betal.services.approval import DecisionInput, request_approval
from betal.services.approval_link import decide_by_link, open_link
from betal.services.approval_notice import read_link
from betal.services.payment_order import NewPaymentOrder, create_payment_order
from tests.services.approval_support import World, invoice, outbox, supplier

LINK = re.compile(r"https://betal\.example/approve/(\S+)")


def orders(world: World, count: int, due: date = date(2026, 11, 30)) -> list[PaymentOrder]:
    kontor = supplier(world)
    made = []
    for n in range(count):
        inv = invoice(world, kontor, 10_000 * (n + 1), due=due)
        with world.container.uow() as uow:
            made.append(create_payment_order(uow, world.principal(world.bookkeeper), NewPaymentOrder(inv.id)))
    return made


def send(world: World, pending: list[PaymentOrder]) -> ApprovalRequest:
    with world.container.uow() as uow:
        return request_approval(
            uow, world.principal(world.bookkeeper), world.messaging, [o.id for o in pending]
        )


def tokens(world: World, approver: User) -> tuple[str, str]:
    """The approve and reject tokens of the newest e-mail to ``approver``."""
    mails = [m for m in outbox(world.container, world.org_id) if m.recipient == approver.email]
    approve, reject = LINK.findall(mails[-1].body_text)[:2]
    return approve, reject


def claims(world: World, token: str) -> LinkClaims:
    return read_link(world.container.signer, token, world.clock.now().timestamp())


def use(world: World, token: str, data: DecisionInput) -> tuple[list[PaymentOrder], str | None]:
    with world.container.uow() as uow:
        return decide_by_link(uow, world.messaging, claims(world, token), data)


class TestReadLink:
    def test_the_emails_links_carry_the_approver_the_orders_and_the_decision(self, world: World) -> None:
        pending = orders(world, 2)
        approval = send(world, pending)
        approve, reject = tokens(world, world.anna)
        got = claims(world, approve)
        assert (got.organisation_id, got.approval_request_id, got.approver_user_id) == (
            world.org_id, approval.id, world.anna.id,
        )  # fmt: skip
        assert got.payment_order_ids == tuple(o.id for o in pending)
        assert (got.decision, claims(world, reject).decision) == (Decision.APPROVE, Decision.REJECT)
        assert got.link_id != claims(world, reject).link_id

    def test_a_tampered_link_is_invalid(self, world: World) -> None:
        send(world, orders(world, 1))
        approve, _ = tokens(world, world.anna)
        forged = approve[:-3] + ("AAA" if not approve.endswith("AAA") else "BBB")
        for token in (forged, "nonsense", world.container.signer.sign("x", purpose="pay")):
            with pytest.raises(InvalidInput) as caught:
                claims(world, token)
            assert caught.value.code == "token.invalid"

    def test_a_link_expires_seven_days_after_it_was_sent_when_the_orders_run_sooner(
        self, world: World
    ) -> None:
        send(world, orders(world, 1, due=date(2026, 11, 25)))
        approve, _ = tokens(world, world.anna)
        world.clock.set(datetime(2026, 11, 30, 8, 59, tzinfo=UTC))
        assert claims(world, approve).approver_user_id == world.anna.id
        world.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        with pytest.raises(InvalidInput) as caught:
            claims(world, approve)
        assert caught.value.code == "token.expired"

    def test_a_link_lasts_until_the_end_of_a_later_execution_date(self, world: World) -> None:
        send(world, orders(world, 1, due=date(2026, 12, 21)))
        approve, _ = tokens(world, world.anna)
        world.clock.set(datetime(2026, 12, 21, 22, 59, tzinfo=UTC))  # 23:59 in Copenhagen
        assert claims(world, approve).decision is Decision.APPROVE
        world.clock.set(datetime(2026, 12, 21, 23, 0, tzinfo=UTC))
        with pytest.raises(InvalidInput, match="expired"):
            claims(world, approve)


class TestDecideByLink:
    def test_approve_from_the_email_then_the_link_is_used(self, world: World) -> None:
        [pending] = orders(world, 1)
        send(world, [pending])
        approve, reject = tokens(world, world.anna)
        settled, follow_up = use(world, approve, DecisionInput(Decision.APPROVE))
        assert [o.status for o in settled] == [OrderStatus.APPROVED]
        assert follow_up is None
        with pytest.raises(Conflict) as caught:
            use(world, approve, DecisionInput(Decision.APPROVE))
        assert caught.value.code == "approval_link.used"
        with world.container.uow() as uow, pytest.raises(Conflict) as nothing:
            decide_by_link(uow, world.messaging, claims(world, reject), DecisionInput(Decision.REJECT))
        assert nothing.value.code == "approval.nothing_to_decide"

    def test_reject_with_a_comment_from_the_reject_link(self, world: World) -> None:
        [pending] = orders(world, 1)
        send(world, [pending])
        _, reject = tokens(world, world.bent)
        [rejected], _ = use(world, reject, DecisionInput(Decision.REJECT, "Ikke bestilt"))
        assert (rejected.status, rejected.rejection_comment) == (OrderStatus.REJECTED, "Ikke bestilt")
        assert len(outbox(world.container, world.org_id, Template.APPROVAL_REJECTED)) == 1

    def test_one_order_at_a_time_with_the_fresh_link_each_use_returns(self, world: World) -> None:
        first, second = orders(world, 2)
        send(world, [first, second])
        approve, _ = tokens(world, world.anna)
        [done], follow_up = use(
            world, approve, DecisionInput(Decision.APPROVE, payment_order_ids=(first.id,))
        )
        assert done.id == first.id
        assert follow_up is not None
        next_token = follow_up.removeprefix("/approve/")
        assert claims(world, next_token).payment_order_ids == (second.id,)
        assert claims(world, next_token).expires_at == claims(world, approve).expires_at
        with pytest.raises(Conflict):
            use(world, approve, DecisionInput(Decision.APPROVE, payment_order_ids=(second.id,)))
        [rejected], last = use(world, next_token, DecisionInput(Decision.REJECT, "Dublet"))
        assert (rejected.id, rejected.status, last) == (second.id, OrderStatus.REJECTED, None)

    def test_a_link_covers_only_its_own_orders(self, world: World) -> None:
        first, second = orders(world, 2)
        send(world, [first])
        send(world, [second])
        approve_second, _ = tokens(world, world.anna)
        mails = [m for m in outbox(world.container, world.org_id) if m.recipient == world.anna.email]
        approve_first = LINK.findall(mails[0].body_text)[0]
        with pytest.raises(InvalidInput):
            use(world, approve_first, DecisionInput(Decision.APPROVE, payment_order_ids=(second.id,)))
        assert use(world, approve_second, DecisionInput(Decision.APPROVE))[0][0].id == second.id

    def test_the_link_shows_what_it_covers_until_it_is_used(self, world: World) -> None:
        first, second = orders(world, 2)
        approval = send(world, [first, second])
        approve, _ = tokens(world, world.bent)
        with world.container.uow() as uow:
            seen = open_link(uow, claims(world, approve))
        assert (seen.approval.id, seen.approver.id) == (approval.id, world.bent.id)
        assert [o.id for o in seen.orders] == [first.id, second.id]
        assert seen.open_order_ids == (first.id, second.id)

    def test_an_approver_who_lost_the_role_cannot_use_the_link(self, world: World) -> None:
        send(world, orders(world, 1))
        approve, _ = tokens(world, world.anna)
        with world.container.engine.begin() as conn:
            conn.execute(
                update(MembershipRow).where(MembershipRow.user_id == world.anna.id).values(role="viewer")
            )
        with pytest.raises(Forbidden):
            use(world, approve, DecisionInput(Decision.APPROVE))
