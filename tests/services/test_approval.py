"""Sending payment orders for approval and deciding on them, on the real database: the four-eyes rules,
two approvals above the threshold and after a bank change, rejection back to the bookkeeper with the
comment, late approval, rounds, and decisions on many orders all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from betal.adapters.db.orm import EventRow
from betal.config import Settings
from betal.domain.approval import ApprovalRequest, Decision, Via
from betal.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from betal.domain.notification import Template
from betal.domain.payables import OrderStatus, PaymentOrder, Supplier
from betal.domain.tenancy import Role, User
from betal.services.approval import (
    DecisionInput,
    decide,
    get_request,
    pending_for,
    request_approval,
)
from betal.services.approval_policy import PolicyInput
from betal.services.payment_order import NewPaymentOrder, cancel_payment_order, create_payment_order
from betal.services.supplier import SupplierInput, update_supplier
from tests.services.approval_support import World, clocked, invoice, make_world, outbox, supplier

APPROVE = DecisionInput(Decision.APPROVE)


@pytest.fixture
def dual(settings: Settings) -> Iterator[World]:
    """One approval, two above 50,000.00 kr."""
    with clocked(settings) as (container, clock):
        built = make_world(container, clock)
        with container.uow() as uow:
            from betal.services.approval_policy import put_policy

            put_policy(uow, built.principal(), PolicyInput(1, (built.anna.id, built.bent.id), 5_000_000))
        yield built


def order(
    world: World, gross: int = 125_000, *, by: User | None = None, due: date = date(2026, 11, 30)
) -> PaymentOrder:
    inv = invoice(world, supplier_of(world), gross, due=due)
    who = world.principal(
        by or world.bookkeeper, Role.OWNER if by is not None and by is not world.bookkeeper else None
    )
    with world.container.uow() as uow:
        return create_payment_order(uow, who, NewPaymentOrder(inv.id))


def supplier_of(world: World) -> Supplier:
    with world.container.uow() as uow:
        found = uow.suppliers.list_page(world.org_id, None, 1)
    return found[0] if found else supplier(world)


def send(world: World, *orders: PaymentOrder, approvers: tuple[str, ...] | None = None) -> ApprovalRequest:
    with world.container.uow() as uow:
        return request_approval(
            uow, world.principal(world.bookkeeper), world.messaging, [o.id for o in orders], approvers
        )


def vote(
    world: World, who: User, approval: ApprovalRequest, data: DecisionInput = APPROVE
) -> list[PaymentOrder]:
    with world.container.uow() as uow:
        return decide(uow, world.principal(who), world.messaging, approval.id, data, Via.PORTAL)


def status(world: World, order_id: str) -> PaymentOrder:
    with world.container.uow() as uow:
        found = uow.payment_orders.get(world.org_id, order_id)
    assert found is not None
    return found


def events(world: World, order_id: str) -> list[str]:
    with world.container.engine.connect() as conn:
        return list(conn.execute(
            select(EventRow.type).where(EventRow.subject_id == order_id).order_by(EventRow.sequence)
        ).scalars())  # fmt: skip


class TestRequestApproval:
    def test_orders_await_approval_and_each_approver_gets_one_email_with_signed_links(
        self, world: World
    ) -> None:
        first, second = order(world, 100_000), order(world, 25_000, due=date(2026, 12, 2))
        approval = send(world, first, second)
        assert approval.approver_user_ids == (world.anna.id, world.bent.id)
        assert [status(world, o.id).status for o in (first, second)] == [OrderStatus.AWAITING_APPROVAL] * 2
        assert status(world, first.id).required_approvals == 1
        mails = outbox(world.container, world.org_id, Template.APPROVAL_REQUESTED)
        assert sorted(m.recipient for m in mails) == ["anna@hansen.example", "bent@hansen.example"]
        body = mails[0].body_text
        assert "2 betalinger på i alt 1.250,00 kr." in body
        assert "30. november 2026" in body
        assert "https://betal.example/approve/" in body
        assert f"/approve/{approval.id}" not in body  # the link is a signed token, not the request's id
        assert events(world, first.id) == ["payment_order.created", "payment_order.approval_requested"]

    def test_named_approvers_only_and_they_must_be_on_the_policy(self, world: World) -> None:
        pending = order(world)
        with world.container.uow() as uow, pytest.raises(InvalidInput) as caught:
            request_approval(
                uow, world.principal(world.bookkeeper), world.messaging, [pending.id], [world.carl.id]
            )
        assert caught.value.code == "approval.approver_not_on_policy"
        assert status(world, pending.id).status is OrderStatus.DRAFT
        send(world, pending, approvers=(world.bent.id,))
        assert [m.recipient for m in outbox(world.container, world.org_id)] == ["bent@hansen.example"]

    def test_above_the_threshold_two_approvals_are_needed(self, dual: World) -> None:
        small, large = order(dual, 5_000_000), order(dual, 5_000_001)
        send(dual, small, large)
        assert (status(dual, small.id).required_approvals, status(dual, large.id).required_approvals) == (
            1,
            2,
        )

    def test_after_a_change_of_the_suppliers_bank_two_approvals_are_needed(self, world: World) -> None:
        kontor = supplier(world)
        with world.container.uow() as uow:
            changed = SupplierInput(kontor.name, dk_reg_no="3000", dk_account_no="1234567")
            update_supplier(uow, world.principal(world.bookkeeper), kontor.id, changed)
        pending = order(world)
        send(world, pending)
        assert status(world, pending.id).required_approvals == 2

    def test_an_order_needs_enough_approvers_besides_its_creator(
        self, world: World, settings: Settings
    ) -> None:
        with world.container.uow() as uow:
            from betal.services.approval_policy import put_policy

            put_policy(uow, world.principal(), PolicyInput(1, (world.anna.id, world.bent.id), 0))
        own = order(world, by=world.anna)  # Anna (acting as owner) made it: only Bent is left, two are needed
        with world.container.uow() as uow, pytest.raises(InvalidInput) as caught:
            request_approval(uow, world.principal(world.bookkeeper), world.messaging, [own.id])
        assert caught.value.code == "approval.not_enough_approvers"
        assert status(world, own.id).status is OrderStatus.DRAFT

    def test_only_draft_or_rejected_orders_and_only_known_ones(self, world: World) -> None:
        pending = order(world)
        send(world, pending)
        with world.container.uow() as uow, pytest.raises(Conflict) as caught:
            request_approval(uow, world.principal(world.bookkeeper), world.messaging, [pending.id])
        assert caught.value.code == "approval.not_sendable"
        with world.container.uow() as uow, pytest.raises(NotFound):
            request_approval(uow, world.principal(world.bookkeeper), world.messaging, ["pord_nope"])

    def test_an_approver_cannot_send_orders(self, world: World) -> None:
        pending = order(world)
        with world.container.uow() as uow, pytest.raises(Forbidden):
            request_approval(uow, world.principal(world.anna), world.messaging, [pending.id])


class TestDecide:
    def test_one_approval_approves(self, world: World) -> None:
        pending = order(world)
        approval = send(world, pending)
        [approved] = vote(world, world.anna, approval)
        assert approved.status is OrderStatus.APPROVED
        assert approved.execution_date == date(2026, 11, 30)
        assert events(world, pending.id)[-1] == "payment_order.approved"
        with world.container.uow() as uow:
            assert pending_for(uow, world.principal(world.bent)) == []

    def test_the_creator_can_never_approve_their_own_order(self, world: World) -> None:
        own = order(world, by=world.anna)
        approval = send(world, own)
        with pytest.raises(Forbidden) as caught:
            vote(world, world.anna, approval, DecisionInput(Decision.APPROVE, payment_order_ids=(own.id,)))
        assert caught.value.code == "approval.own_order"
        with pytest.raises(Conflict, match="nothing in this approval request is left for you"):
            vote(world, world.anna, approval)  # "all" leaves out the orders she made
        assert status(world, own.id).status is OrderStatus.AWAITING_APPROVAL

    def test_an_approver_not_on_the_policy_is_forbidden(self, world: World) -> None:
        approval = send(world, order(world))
        with pytest.raises(Forbidden) as caught:
            vote(world, world.carl, approval)
        assert caught.value.code == "approval.not_an_approver"

    def test_an_api_key_cannot_decide(self, world: World) -> None:
        approval = send(world, order(world))
        with world.container.uow() as uow, pytest.raises(Forbidden) as caught:
            decide(uow, world.principal(), world.messaging, approval.id, APPROVE, Via.API)
        assert caught.value.code == "approval.user_required"

    def test_a_role_that_may_not_approve_is_forbidden(self, world: World) -> None:
        approval = send(world, order(world))
        with world.container.uow() as uow, pytest.raises(Forbidden):
            decide(uow, world.principal(world.bookkeeper), world.messaging, approval.id, APPROVE, Via.PORTAL)

    def test_two_approvals_from_two_approvers_above_the_threshold(self, dual: World) -> None:
        large = order(dual, 7_500_000)
        approval = send(dual, large)
        [after_one] = vote(dual, dual.anna, approval)
        assert after_one.status is OrderStatus.AWAITING_APPROVAL
        with pytest.raises(Conflict) as caught:
            vote(dual, dual.anna, approval)
        assert caught.value.code == "approval.nothing_to_decide"
        with pytest.raises(Conflict) as again:
            vote(dual, dual.anna, approval, DecisionInput(Decision.APPROVE, payment_order_ids=(large.id,)))
        assert again.value.code == "approval.already_decided"
        [after_two] = vote(dual, dual.bent, approval)
        assert after_two.status is OrderStatus.APPROVED

    def test_a_bank_change_while_awaiting_approval_raises_it_to_two(self, world: World) -> None:
        pending = order(world)
        approval = send(world, pending)
        assert status(world, pending.id).required_approvals == 1
        with world.container.uow() as uow:
            changed = SupplierInput("Kontorartikler A/S", iban="DK5000400440116243")
            update_supplier(uow, world.principal(world.bookkeeper), pending.supplier_id, changed)
        [after_one] = vote(world, world.anna, approval)
        assert (after_one.status, after_one.required_approvals) == (OrderStatus.AWAITING_APPROVAL, 2)
        [after_two] = vote(world, world.bent, approval)
        assert after_two.status is OrderStatus.APPROVED

    def test_a_rejection_returns_the_order_to_the_bookkeeper_with_the_comment(self, world: World) -> None:
        pending = order(world)
        approval = send(world, pending)
        [rejected] = vote(world, world.bent, approval, DecisionInput(Decision.REJECT, " Forkert beløb "))
        assert (rejected.status, rejected.rejection_comment) == (OrderStatus.REJECTED, "Forkert beløb")
        [mail] = outbox(world.container, world.org_id, Template.APPROVAL_REJECTED)
        assert mail.recipient == "bogholder@hansen.example"
        assert "Bent Berg har afvist betalingen til Kontorartikler A/S" in mail.body_text
        assert "Forkert beløb" in mail.body_text
        assert f"https://betal.example/app/payables/orders/{pending.id}" in mail.body_text
        assert events(world, pending.id)[-1] == "payment_order.rejected"

    def test_a_rejected_order_sent_again_starts_a_new_round(self, world: World) -> None:
        pending = order(world)
        first = send(world, pending)
        vote(world, world.bent, first, DecisionInput(Decision.REJECT, "Forkert beløb"))
        second = send(world, pending)
        assert status(world, pending.id).rejection_comment is None
        with pytest.raises(Conflict) as caught:
            vote(world, world.anna, first, DecisionInput(Decision.APPROVE, payment_order_ids=(pending.id,)))
        assert caught.value.code == "approval.superseded"
        [approved] = vote(world, world.bent, second)  # Bent decides again in the new round
        assert approved.status is OrderStatus.APPROVED

    def test_a_late_approval_moves_the_date_and_tells_the_bookkeeper(self, world: World) -> None:
        pending = order(world, due=date(2026, 11, 24))
        approval = send(world, pending)
        world.clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))  # Thursday, two days late
        [approved] = vote(world, world.anna, approval)
        assert (approved.status, approved.execution_date) == (OrderStatus.APPROVED, date(2026, 11, 27))
        [mail] = outbox(world.container, world.org_id, Template.APPROVAL_LATE)
        assert mail.recipient == "bogholder@hansen.example"
        assert "skulle udføres 24. november 2026" in mail.body_text
        assert "næste bankdag, 27. november 2026" in mail.body_text
        with world.container.engine.connect() as conn:
            data = conn.execute(
                select(EventRow.data).where(EventRow.type == "payment_order.approved")
            ).scalar_one()
        assert (data["late"], data["execution_date"]) == (True, "2026-11-27")

    def test_a_decision_on_many_orders_is_all_or_nothing(self, world: World) -> None:
        first, second = order(world), order(world)
        approval = send(world, first, second)
        with world.container.uow() as uow:
            cancel_payment_order(uow, world.principal(world.bookkeeper), second.id)
        both = DecisionInput(Decision.APPROVE, payment_order_ids=(first.id, second.id))
        with pytest.raises(Conflict) as caught:
            vote(world, world.anna, approval, both)
        assert caught.value.code == "approval.not_awaiting"
        assert status(world, first.id).status is OrderStatus.AWAITING_APPROVAL
        [approved] = vote(world, world.anna, approval)  # "all": what is left to decide
        assert approved.id == first.id

    def test_orders_outside_the_request_are_refused(self, world: World) -> None:
        approval = send(world, order(world))
        other = order(world)
        with pytest.raises(InvalidInput):
            vote(world, world.anna, approval, DecisionInput(Decision.APPROVE, payment_order_ids=(other.id,)))

    def test_another_organisations_request_is_not_found(self, world: World) -> None:
        with world.container.uow() as uow, pytest.raises(NotFound):
            get_request(uow, world.principal(), "appr_01JQ3Z8K6V4N2B7C9D0E1F2G3H")


class TestPendingFor:
    def test_the_approvers_requests_with_orders_left_to_decide(self, dual: World) -> None:
        first, second = order(dual, 7_500_000), order(dual, 100)
        approval = send(dual, first, second)
        vote(dual, dual.anna, approval, DecisionInput(Decision.APPROVE, payment_order_ids=(first.id,)))
        with dual.container.uow() as uow:
            anna = pending_for(uow, dual.principal(dual.anna))
            bent = pending_for(uow, dual.principal(dual.bent))
        assert [(a.id, [o.id for o in orders]) for a, orders in anna] == [(approval.id, [second.id])]
        assert [(a.id, [o.id for o in orders]) for a, orders in bent] == [
            (approval.id, [first.id, second.id])
        ]
