"""Fees on the real database: metering executed payments once each at the plan in force, the price plan
and who may set it, and the quarterly statement's arithmetic across a quarter's boundaries.

The clock of ``approval_support`` stands at Monday 23 November 2026; tests move it to save a plan
earlier and to read a statement after the quarter ended.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from betal.domain.errors import Forbidden, InvalidInput
from betal.domain.fees import PricePlan, StatementLine, UsageKind, UsageRecord
from betal.domain.money import Money
from betal.domain.payables import PaymentOrder, Supplier
from betal.domain.tenancy import Principal, Role
from betal.services.fees import (
    PlanInput,
    get_price_plan,
    meter_executed_payment,
    put_price_plan,
    quarterly_statement,
)
from betal.services.organisation import create_organisation
from betal.services.payment_order import NewPaymentOrder, create_payment_order
from tests.services.approval_support import NOW, World, invoice, supplier

STANDARD = PlanInput("Standard", per_payment_fee_minor=250, monthly_fee_minor=19_900)
BEFORE_Q4 = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)
AFTER_Q4 = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)


def set_plan(world: World, data: PlanInput = STANDARD, at: datetime | None = None) -> PricePlan:
    if at is not None:
        world.clock.set(at)
    with world.container.uow() as uow:
        saved = put_price_plan(uow, world.principal(), data)
    world.clock.set(NOW)
    return saved


def order(world: World, of: Supplier | None = None, amount: int = 125_000) -> PaymentOrder:
    inv = invoice(world, of or supplier(world), amount)
    with world.container.uow() as uow:
        return create_payment_order(uow, world.principal(world.bookkeeper), NewPaymentOrder(inv.id, None))


def meter(world: World, order_id: str, day: date) -> None:
    """What the execution of an order does: meter it inside the transaction that marks it executed."""
    with world.container.uow() as uow:
        meter_executed_payment(uow, organisation_id=world.org_id, payment_order_id=order_id, day=day)
        uow.commit()


def records(world: World) -> list[UsageRecord]:
    with world.container.uow() as uow:
        return uow.usage_records.list_between(
            world.org_id, UsageKind.EXECUTED_PAYMENT, date(2000, 1, 1), date(2100, 1, 1)
        )


class TestMeterExecutedPayment:
    def test_metering_an_order_again_is_a_no_op(self, world: World) -> None:
        set_plan(world)
        paid = order(world)
        meter(world, paid.id, date(2026, 11, 30))
        set_plan(world, PlanInput("Dyr", 900, 0))
        meter(world, paid.id, date(2026, 12, 1))
        with world.container.uow() as uow:  # twice in one transaction too
            for _ in range(2):
                meter_executed_payment(
                    uow, organisation_id=world.org_id, payment_order_id=paid.id, day=date(2026, 12, 2)
                )
            uow.commit()
        assert [(r.subject_id, r.day, r.fee_minor) for r in records(world)] == [
            (paid.id, date(2026, 11, 30), 250)
        ]

    def test_each_payment_is_priced_at_the_plan_in_force(self, world: World) -> None:
        set_plan(world)
        first, second = order(world), order(world)
        meter(world, first.id, date(2026, 11, 30))
        set_plan(world, PlanInput("Standard", 400, 19_900))
        meter(world, second.id, date(2026, 11, 30))
        fees = {r.subject_id: r.fee_minor for r in records(world)}
        assert fees == {first.id: 250, second.id: 400}
        world.clock.set(AFTER_Q4)
        with world.container.uow() as uow:
            found = quarterly_statement(uow, world.principal(), 2026, 4)
        assert [line for line in found.lines if line.kind == "payments"] == [
            StatementLine("payments", 1, 400, 400),
            StatementLine("payments", 1, 250, 250),
        ]

    def test_without_a_plan_a_payment_is_recorded_at_no_cost(self, world: World) -> None:
        paid = order(world)
        meter(world, paid.id, date(2026, 11, 30))
        assert [(r.subject_id, r.fee_minor, r.currency) for r in records(world)] == [(paid.id, 0, "DKK")]

    def test_it_is_part_of_the_callers_transaction(self, world: World) -> None:
        paid = order(world)
        with world.container.uow() as uow:
            meter_executed_payment(
                uow, organisation_id=world.org_id, payment_order_id=paid.id, day=date(2026, 11, 30)
            )  # the caller failed and did not commit
        assert records(world) == []


class TestPricePlan:
    def test_the_owner_sets_it_and_any_member_reads_it(self, world: World) -> None:
        with world.container.uow() as uow:
            assert get_price_plan(uow, world.principal(world.anna)) is None
        saved = set_plan(world)
        with world.container.uow() as uow:
            assert get_price_plan(uow, world.principal(role=Role.VIEWER)) == saved
            audit = uow.audit_log.list_for_target(world.org_id, saved.id)
        assert (saved.name, saved.per_payment_fee_minor, saved.monthly_fee_minor) == ("Standard", 250, 19_900)
        assert [(a.action, a.details["per_payment_fee"], a.details["monthly_fee"]) for a in audit] == [
            ("price_plan.updated", 250, 19_900)
        ]

    def test_changing_it_keeps_its_id_and_start(self, world: World) -> None:
        first = set_plan(world, at=BEFORE_Q4)
        second = set_plan(world, PlanInput(" Plus ", 100, 29_900))
        assert (second.id, second.created_at, second.updated_at) == (first.id, BEFORE_Q4, NOW)
        assert second.name == "Plus"

    @pytest.mark.parametrize("role", [Role.ADMIN, Role.BOOKKEEPER, Role.APPROVER, Role.VIEWER])
    def test_only_the_owner_may_set_it(self, world: World, role: Role) -> None:
        with world.container.uow() as uow, pytest.raises(Forbidden):
            put_price_plan(uow, world.principal(role=role), STANDARD)
        with world.container.uow() as uow:
            assert get_price_plan(uow, world.principal()) is None

    def test_every_problem_is_reported_and_nothing_saved(self, world: World) -> None:
        with world.container.uow() as uow, pytest.raises(InvalidInput) as caught:
            put_price_plan(uow, world.principal(), PlanInput("", -250, -1, "EUR"))
        assert caught.value.code == "price_plan.invalid"
        assert {p.field for p in caught.value.errors} == {
            "name",
            "per_payment_fee",
            "monthly_fee",
            "currency",
        }
        with world.container.uow() as uow:
            assert get_price_plan(uow, world.principal()) is None


class TestQuarterlyStatement:
    def test_a_full_quarter_counts_its_last_day_and_not_the_next_quarters_first(self, world: World) -> None:
        set_plan(world, at=BEFORE_Q4)
        blaa = supplier(world, "Blå Æble ApS")
        first, last, next_quarter = order(world, blaa, 125_000), order(world, amount=50_000), order(world)
        meter(world, first.id, date(2026, 10, 1))
        meter(world, last.id, date(2026, 12, 31))
        meter(world, next_quarter.id, date(2027, 1, 1))
        world.clock.set(AFTER_Q4)
        with world.container.uow() as uow:
            found = quarterly_statement(uow, world.principal(world.anna), 2026, 4)
        assert (found.number, found.start, found.end, found.issued_on) == (
            "25313763-2026Q4", date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 10),
        )  # fmt: skip
        assert (found.organisation_name, found.organisation_cvr) == ("Hansen & Co ApS", "25313763")
        assert list(found.lines) == [
            StatementLine("subscription", 3, 19_900, 3 * 19_900),
            StatementLine("payments", 2, 250, 2 * 250),
        ]
        subtotal = 3 * 19_900 + 2 * 250
        assert found.totals.subtotal == Money(subtotal, "DKK")
        assert found.totals.vat == Money(subtotal // 4, "DKK")  # 60.200 øre: 25 % is whole
        assert found.totals.total == Money(75_250, "DKK")
        assert [
            (p.day, p.payment_order_id, p.end_to_end_id, p.supplier_name, p.amount) for p in found.payments
        ] == [
            (date(2026, 10, 1), first.id, first.end_to_end_id, "Blå Æble ApS", Money(125_000, "DKK")),
            (date(2026, 12, 31), last.id, last.end_to_end_id, "Kontorartikler A/S", Money(50_000, "DKK")),
        ]

    def test_the_current_quarter_charges_the_months_begun_and_rounds_vat_half_to_even(
        self, world: World
    ) -> None:
        set_plan(world, at=BEFORE_Q4)
        paid = order(world)
        meter(world, paid.id, date(2027, 1, 1))
        world.clock.set(AFTER_Q4)
        with world.container.uow() as uow:
            found = quarterly_statement(uow, world.principal(), 2027, 1)
        assert found.months == (date(2027, 1, 1),)
        assert (found.totals.subtotal.minor, found.totals.vat.minor, found.totals.total.minor) == (
            20_150, 5_038, 25_188,  # 5.037,5 øre of VAT rounds to the even 5.038
        )  # fmt: skip

    def test_a_plan_saved_during_the_quarter_charges_from_its_month(self, world: World) -> None:
        set_plan(world)  # 23 November
        world.clock.set(AFTER_Q4)
        with world.container.uow() as uow:
            found = quarterly_statement(uow, world.principal(), 2026, 4)
        assert found.months == (date(2026, 11, 1), date(2026, 12, 1))
        assert found.totals.total == Money(2 * 19_900 * 5 // 4, "DKK")
        assert found.payments == ()

    def test_without_a_plan_or_use_everything_is_zero(self, world: World) -> None:
        with world.container.uow() as uow:
            found = quarterly_statement(uow, world.principal(), 2026, 4)
        assert (found.plan, found.lines, found.totals.total) == (None, (), Money(0, "DKK"))

    def test_another_organisations_use_is_not_on_it(self, world: World) -> None:
        set_plan(world, at=BEFORE_Q4)
        meter(world, order(world).id, date(2026, 11, 30))
        with world.container.uow() as uow:
            other = create_organisation(uow, name="Nordlys Café I/S", cvr="10150817").organisation
        with world.container.uow() as uow:
            found = quarterly_statement(uow, Principal(other.id, Role.OWNER, "api_key", "k"), 2026, 4)
        assert (found.organisation_cvr, found.payments, found.lines) == ("10150817", (), ())

    @pytest.mark.parametrize(("year", "quarter"), [(2026, 5), (2026, 0), (26, 1)])
    def test_a_quarter_that_does_not_exist_is_refused(self, world: World, year: int, quarter: int) -> None:
        with world.container.uow() as uow, pytest.raises(InvalidInput) as caught:
            quarterly_statement(uow, world.principal(), year, quarter)
        assert caught.value.code == "fee_statement.invalid_period"
