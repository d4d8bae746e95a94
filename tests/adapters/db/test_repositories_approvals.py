"""The approvals repositories on SQLite and PostgreSQL: orders by id and state, the request an order is in
(a JSON containment query on each database), the policy upsert, decisions in order, single-use links."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from betal.domain.approval import ApprovalDecision, ApprovalPolicy, ApprovalRequest, Decision, Via
from betal.domain.payables import OrderStatus, OrderType, PaymentOrder
from tests.services.approval_support import NOW, World, invoice, supplier


def order(
    world: World, order_id: str, execution: date = date(2026, 11, 30), **changes: object
) -> PaymentOrder:
    inv = invoice(world, supplier(world))
    made = PaymentOrder(
        id=order_id, organisation_id=world.org_id, supplier_invoice_id=inv.id, supplier_id=inv.supplier_id,
        type=OrderType.DOMESTIC, amount_minor=inv.gross_minor, currency="DKK", requested_date=execution,
        execution_date=execution, status=OrderStatus.DRAFT, required_approvals=1, fx_rate=None,
        fx_rate_date=None, dkk_amount_minor=None, bank_file_id=None, end_to_end_id=order_id,
        rejection_comment=None, failure_reason=None, created_by=world.bookkeeper.id, created_at=NOW,
        updated_at=NOW,
    )  # fmt: skip
    made = replace(made, **changes)  # type: ignore[arg-type]
    with world.container.uow() as uow:
        uow.payment_orders.add(made)
        uow.commit()
    return made


def request(world: World, request_id: str, *order_ids: str) -> ApprovalRequest:
    made = ApprovalRequest(request_id, world.org_id, order_ids, (world.anna.id,), world.bookkeeper.id, NOW)
    with world.container.uow() as uow:
        uow.approval_requests.add(made)
        uow.commit()
    return made


class TestPaymentOrders:
    def test_round_trip_many_in_the_order_asked_and_save(self, world: World) -> None:
        first, second = order(world, "pord_A"), order(world, "pord_B")
        with world.container.uow() as uow:
            asked = ["pord_B", "pord_x", "pord_A"]
            assert uow.payment_orders.get_many(world.org_id, asked, for_update=True) == [second, first]
            uow.payment_orders.save(replace(first, status=OrderStatus.CANCELLED, rejection_comment="x"))
            uow.commit()
        with world.container.uow() as uow:
            stored = uow.payment_orders.get(world.org_id, "pord_A")
            assert stored is not None
            assert (stored.status, stored.rejection_comment) == (OrderStatus.CANCELLED, "x")
            assert uow.payment_orders.get("org_other", "pord_A") is None

    def test_list_by_status_after_a_cursor(self, world: World) -> None:
        order(world, "pord_A")
        order(world, "pord_B", status=OrderStatus.APPROVED)
        order(world, "pord_C")
        with world.container.uow() as uow:
            drafts = uow.payment_orders.list_page(world.org_id, status="draft", after_id="pord_A", limit=5)
            assert [o.id for o in drafts] == ["pord_C"]
            assert len(uow.payment_orders.list_page(world.org_id, status=None, after_id=None, limit=2)) == 2

    def test_live_orders_of_an_invoice(self, world: World) -> None:
        live = order(world, "pord_A")
        gone = order(world, "pord_B", status=OrderStatus.CANCELLED)
        with world.container.uow() as uow:
            assert uow.payment_orders.active_for_invoice(world.org_id, live.supplier_invoice_id) == [live]
            assert uow.payment_orders.active_for_invoice(world.org_id, gone.supplier_invoice_id) == []

    def test_awaiting_approval_until_a_day_soonest_first(self, world: World) -> None:
        awaiting = OrderStatus.AWAITING_APPROVAL
        order(world, "pord_A", date(2026, 12, 4), status=awaiting)
        order(world, "pord_B", date(2026, 11, 30), status=awaiting)
        order(world, "pord_C", date(2026, 11, 30))  # a draft
        order(world, "pord_D", date(2026, 12, 7), status=awaiting)
        with world.container.uow() as uow:
            found = uow.payment_orders.awaiting_until(date(2026, 12, 4), 10)
        assert [o.id for o in found] == ["pord_B", "pord_A"]


class TestApprovalRequests:
    def test_the_request_an_order_is_in_is_the_newest_that_lists_it(self, world: World) -> None:
        for suffix in ("1", "10", "2"):
            order(world, f"pord_{suffix}")
        request(world, "appr_01", "pord_1", "pord_10")
        request(world, "appr_02", "pord_2", "pord_10")
        with world.container.uow() as uow:
            found = {
                i: uow.approval_requests.current_for_order(world.org_id, i)
                for i in ("pord_1", "pord_10", "pord_2")
            }
            assert uow.approval_requests.current_for_order(world.org_id, "pord_") is None
            assert uow.approval_requests.current_for_order(world.org_id, 'pord_1"]') is None
            assert uow.approval_requests.current_for_order("org_other", "pord_1") is None
            recent = uow.approval_requests.list_recent(world.org_id, 5)
        assert {i: r.id for i, r in found.items() if r} == {
            "pord_1": "appr_01",
            "pord_10": "appr_02",
            "pord_2": "appr_02",
        }
        assert [r.id for r in recent] == ["appr_02", "appr_01"]
        assert recent[1].payment_order_ids == ("pord_1", "pord_10")

    def test_a_link_is_used_once(self, world: World) -> None:
        with world.container.uow() as uow:
            assert not uow.approval_requests.link_used("ab12")
            assert uow.approval_requests.use_link(world.org_id, "ab12", NOW)
            assert not uow.approval_requests.use_link(world.org_id, "ab12", NOW)
            uow.commit()
        with world.container.uow() as uow:
            assert uow.approval_requests.link_used("ab12")
            assert not uow.approval_requests.use_link(world.org_id, "ab12", NOW + timedelta(days=1))


class TestApprovalPolicies:
    def test_one_policy_per_organisation_replaced_in_place(self, world: World) -> None:
        with world.container.uow() as uow:
            saved = uow.approval_policies.get(world.org_id)
            assert saved is not None
            changed = replace(saved, required_approvals=2, approver_user_ids=(world.bent.id, world.anna.id),
                              dual_threshold_minor=10, updated_at=NOW + timedelta(hours=1))  # fmt: skip
            uow.approval_policies.save(changed)
            uow.commit()
        with world.container.uow() as uow:
            assert uow.approval_policies.get(world.org_id) == changed
            assert uow.approval_policies.get("org_other") is None

    def test_a_new_policy_is_inserted(self, world: World) -> None:
        with world.container.uow() as uow:
            from betal.services.organisation import create_organisation

            other = create_organisation(uow, name="Nordlys Café I/S", cvr="10150817").organisation.id
        policy = ApprovalPolicy(other, 1, ("usr_x",), None, 0, "apol_1", NOW, NOW)
        with world.container.uow() as uow:
            uow.approval_policies.save(policy)
            uow.commit()
        with world.container.uow() as uow:
            assert uow.approval_policies.get(other) == policy


class TestApprovalDecisions:
    def test_every_round_oldest_first(self, world: World) -> None:
        order(world, "pord_A")
        order(world, "pord_B")
        request(world, "appr_01", "pord_A", "pord_B")
        made = [
            ApprovalDecision(f"adec_{n}", world.org_id, "appr_01", oid, user.id, rnd, decision, None,
                             Via.LINK, NOW + timedelta(minutes=n))
            for n, (oid, user, rnd, decision) in enumerate([
                ("pord_A", world.anna, 1, Decision.REJECT), ("pord_B", world.anna, 1, Decision.APPROVE),
                ("pord_A", world.anna, 2, Decision.APPROVE),
            ])
        ]  # fmt: skip
        with world.container.uow() as uow:
            for decision in made:
                uow.approval_decisions.add(decision)
            uow.commit()
        with world.container.uow() as uow:
            assert uow.approval_decisions.list_for_orders(world.org_id, ["pord_A"]) == [made[0], made[2]]
            assert uow.approval_decisions.list_for_orders(world.org_id, ["pord_A", "pord_B"]) == made
            assert uow.approval_decisions.list_for_orders("org_other", ["pord_A"]) == []
