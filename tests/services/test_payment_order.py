"""Payment orders on the real database: type from the payment means, execution dates on banking days and
never in the past, FX recorded for foreign orders, one live order per invoice, bulk all or nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from betal.adapters.db.orm import EventRow
from betal.adapters.db.orm_payables import PaymentOrderRow
from betal.bootstrap import Container
from betal.domain.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from betal.domain.payables import (
    InvoiceStatus,
    OrderStatus,
    OrderType,
    PaymentOrder,
)
from betal.domain.payment_order import execution_note
from betal.domain.tenancy import Role
from betal.services.payment_order import (
    NewPaymentOrder,
    cancel_payment_order,
    cancel_payment_orders,
    create_payment_order,
    create_payment_orders,
    get_payment_order,
    list_payment_orders,
)
from tests.services.approval_support import (
    FIK_71,
    TODAY,
    World,
    ecb_rates,
    invoice,
    supplier,
)

DE_IBAN = "DE89370400440532013000"


def _count(container: Container, table: type) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _create(world: World, invoice_id: str, execution_date: date | None = None) -> PaymentOrder:
    with world.container.uow() as uow:
        return create_payment_order(
            uow, world.principal(world.bookkeeper), NewPaymentOrder(invoice_id, execution_date)
        )


class TestCreatePaymentOrder:
    def test_a_domestic_order_for_the_supplier_account_on_the_due_date(self, world: World) -> None:
        inv = invoice(world, supplier(world), 125_000, due=date(2026, 11, 30))
        order = _create(world, inv.id)
        with world.container.uow() as uow:
            stored = get_payment_order(uow, world.principal(), order.id)
        assert stored == order
        assert (stored.type, stored.status, stored.amount_minor, stored.currency) == (
            OrderType.DOMESTIC, OrderStatus.DRAFT, 125_000, "DKK",
        )  # fmt: skip
        assert (stored.requested_date, stored.execution_date) == (date(2026, 11, 30), date(2026, 11, 30))
        assert stored.end_to_end_id == stored.id
        assert len(stored.id) <= 35
        assert (stored.fx_rate, stored.dkk_amount_minor, stored.created_by) == (
            None,
            None,
            world.bookkeeper.id,
        )
        assert execution_note(stored) is None
        with world.container.engine.connect() as conn:
            types = (
                conn.execute(select(EventRow.type).where(EventRow.subject_id == stored.id)).scalars().all()
            )
        assert types == ["payment_order.created"]

    def test_a_due_date_already_past_gives_today_and_says_so(self, world: World) -> None:
        inv = invoice(world, supplier(world), due=date(2026, 11, 2))
        order = _create(world, inv.id)
        assert order.execution_date == TODAY
        assert execution_note(order) == "due_date_passed"

    def test_a_weekend_due_date_moves_to_monday_and_says_so(self, world: World) -> None:
        order = _create(world, invoice(world, supplier(world), due=date(2026, 11, 28)).id)
        assert order.execution_date == date(2026, 11, 30)
        assert execution_note(order) == "not_a_banking_day"

    def test_an_execution_date_in_the_past_is_422_and_nothing_is_written(self, world: World) -> None:
        inv = invoice(world, supplier(world))
        with pytest.raises(InvalidInput) as caught:
            _create(world, inv.id, date(2026, 11, 20))
        assert caught.value.code == "payment_order.execution_date_in_past"
        assert _count(world.container, PaymentOrderRow) == 0

    def test_an_fi_card_order_from_the_invoices_payment_means(self, world: World) -> None:
        inv = invoice(world, supplier(world), means=FIK_71)
        assert _create(world, inv.id).type is OrderType.FI_CARD

    def test_a_sepa_order_records_the_rate_its_day_and_the_dkk_amount(self, world: World) -> None:
        ecb_rates(world.container, date(2026, 11, 20), DKK="7.4604", USD="1.0512")  # Friday's rates
        german = supplier(world, "Bürobedarf GmbH", iban=DE_IBAN, bic="COBADEFFXXX")
        order = _create(world, invoice(world, german, 100_000, currency="EUR").id)
        assert order.type is OrderType.SEPA
        assert (order.fx_rate, order.fx_rate_date, order.dkk_amount_minor) == (
            "7.4604", date(2026, 11, 20), 746_040,
        )  # fmt: skip

    def test_an_international_order_in_dollars(self, world: World) -> None:
        ecb_rates(world.container, TODAY, DKK="7.4604", USD="1.0512")
        german = supplier(world, "Bürobedarf GmbH", iban=DE_IBAN, bic="COBADEFFXXX")
        order = _create(world, invoice(world, german, 100_000, currency="USD").id)
        assert order.type is OrderType.INTERNATIONAL
        assert order.dkk_amount_minor == 709_703  # 1000 USD * 7.4604 / 1.0512 DKK

    def test_a_foreign_order_without_a_rate_is_refused(self, world: World) -> None:
        german = supplier(world, "Bürobedarf GmbH", iban=DE_IBAN)
        with pytest.raises(InvalidInput, match="no ECB rate") as caught:
            _create(world, invoice(world, german, currency="EUR").id)
        assert caught.value.code == "fx.rate_not_found"

    def test_no_payment_means_anywhere_is_refused(self, world: World) -> None:
        bare = supplier(world, "Uden Bank ApS", cvr="13748136")
        with pytest.raises(InvalidInput, match="no payment means") as caught:
            _create(world, invoice(world, bare).id)
        assert caught.value.code == "payment_order.no_payment_means"

    def test_one_live_order_per_invoice_until_it_is_cancelled(self, world: World) -> None:
        inv = invoice(world, supplier(world))
        first = _create(world, inv.id)
        with pytest.raises(Conflict, match=first.id) as caught:
            _create(world, inv.id)
        assert caught.value.code == "payment_order.exists"
        with world.container.uow() as uow:
            cancel_payment_order(uow, world.principal(world.bookkeeper), first.id)
        assert _create(world, inv.id).id != first.id

    def test_an_invoice_not_booked_is_not_payable(self, world: World) -> None:
        paid = invoice(world, supplier(world), status=InvoiceStatus.PAID)
        with pytest.raises(Conflict) as caught:
            _create(world, paid.id)
        assert caught.value.code == "supplier_invoice.not_payable"

    def test_an_unknown_invoice_is_not_found(self, world: World) -> None:
        with pytest.raises(NotFound):
            _create(world, "sinv_01JQ3Z8K6V4N2B7C9D0E1F2G3H")

    @pytest.mark.parametrize("role", [Role.APPROVER, Role.VIEWER])
    def test_only_bookkeeping_roles_make_orders(self, world: World, role: Role) -> None:
        inv = invoice(world, supplier(world))
        with world.container.uow() as uow, pytest.raises(Forbidden):
            create_payment_order(uow, world.principal(world.anna, role), NewPaymentOrder(inv.id))


class TestCreatePaymentOrders:
    def test_one_order_per_invoice(self, world: World) -> None:
        kontor = supplier(world)
        ids = [invoice(world, kontor, 10_000 * n).id for n in (1, 2, 3)]
        with world.container.uow() as uow:
            orders = create_payment_orders(uow, world.principal(world.bookkeeper), ids, date(2026, 11, 26))
        assert [o.supplier_invoice_id for o in orders] == ids
        assert {o.execution_date for o in orders} == {date(2026, 11, 26)}

    def test_all_or_nothing_with_every_problem_named(self, world: World) -> None:
        kontor = supplier(world)
        good = invoice(world, kontor).id
        paid = invoice(world, kontor, status=InvoiceStatus.PAID).id
        bare = invoice(world, supplier(world, "Uden Bank ApS", cvr="13748136")).id
        with world.container.uow() as uow, pytest.raises(InvalidInput) as caught:
            create_payment_orders(uow, world.principal(world.bookkeeper), [good, paid, "sinv_nope", bare])
        assert caught.value.code == "payment_order.bulk_invalid"
        assert "3 of 4 invoices cannot be paid" in caught.value.detail
        assert [p.field for p in caught.value.errors] == [
            "supplier_invoice_ids.1", "supplier_invoice_ids.2", "supplier_invoice_ids.3",
        ]  # fmt: skip
        assert _count(world.container, PaymentOrderRow) == 0
        with world.container.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(EventRow).where(
                EventRow.type == "payment_order.created")).scalar_one() == 0  # fmt: skip

    @pytest.mark.parametrize("ids", [[], ["sinv_a", "sinv_a"]])
    def test_the_list_must_name_different_invoices(self, world: World, ids: list[str]) -> None:
        with world.container.uow() as uow, pytest.raises(InvalidInput, match="different invoice ids"):
            create_payment_orders(uow, world.principal(world.bookkeeper), ids)


class TestListAndCancel:
    def test_lists_by_status(self, world: World) -> None:
        kontor = supplier(world)
        first, second = (_create(world, invoice(world, kontor).id) for _ in range(2))
        with world.container.uow() as uow:
            cancel_payment_order(uow, world.principal(world.bookkeeper), second.id)
            drafts = list_payment_orders(uow, world.principal(), status="draft", after_id=None, limit=10)
            everything = list_payment_orders(uow, world.principal(), status=None, after_id=None, limit=10)
            with pytest.raises(InvalidInput, match="is not one of"):
                list_payment_orders(uow, world.principal(), status="paid", after_id=None, limit=10)
        assert [o.id for o in drafts] == [first.id]
        assert [o.status for o in everything] == [OrderStatus.DRAFT, OrderStatus.CANCELLED]

    def test_a_cancelled_order_cannot_be_cancelled_again(self, world: World) -> None:
        order = _create(world, invoice(world, supplier(world)).id)
        with world.container.uow() as uow:
            cancelled = cancel_payment_order(uow, world.principal(world.bookkeeper), order.id)
        assert cancelled.status is OrderStatus.CANCELLED
        with world.container.uow() as uow, pytest.raises(IllegalTransition):
            cancel_payment_order(uow, world.principal(world.bookkeeper), order.id)

    def test_an_unknown_order_is_not_found(self, world: World) -> None:
        with world.container.uow() as uow, pytest.raises(NotFound):
            cancel_payment_order(uow, world.principal(world.bookkeeper), "pord_nope")


class TestCancelPaymentOrders:
    def test_cancels_every_order_in_one_go(self, world: World) -> None:
        kontor = supplier(world)
        made = [_create(world, invoice(world, kontor).id) for _ in range(3)]
        with world.container.uow() as uow:
            cancelled = cancel_payment_orders(uow, world.principal(world.bookkeeper), [o.id for o in made])
        assert {o.status for o in cancelled} == {OrderStatus.CANCELLED}
        with world.container.uow() as uow:
            stored = uow.payment_orders.get_many(world.org_id, [o.id for o in made])
        assert {o.status for o in stored} == {OrderStatus.CANCELLED}
        with world.container.engine.connect() as conn:
            cancelled_event = EventRow.type == "payment_order.cancelled"
            kinds = conn.execute(select(EventRow.type).where(cancelled_event)).all()
        assert len(kinds) == 3

    def test_all_or_nothing_naming_each_order_that_cannot_be(self, world: World) -> None:
        kontor = supplier(world)
        good, done = _create(world, invoice(world, kontor).id), _create(world, invoice(world, kontor).id)
        with world.container.uow() as uow:
            cancel_payment_order(uow, world.principal(world.bookkeeper), done.id)
        with world.container.uow() as uow, pytest.raises(InvalidInput) as caught:
            cancel_payment_orders(uow, world.principal(world.bookkeeper), [good.id, done.id, "pord_unknown"])
        assert caught.value.code == "payment_order.bulk_invalid"
        assert [p.field for p in caught.value.errors] == ["payment_order_ids.1", "payment_order_ids.2"]
        with world.container.uow() as uow:
            assert get_payment_order(uow, world.principal(), good.id).status is OrderStatus.DRAFT

    def test_needs_the_bookkeeping_permission_and_ids(self, world: World) -> None:
        with world.container.uow() as uow, pytest.raises(Forbidden):
            cancel_payment_orders(uow, world.principal(world.anna), ["pord_x"])
        with world.container.uow() as uow, pytest.raises(InvalidInput):
            cancel_payment_orders(uow, world.principal(world.bookkeeper), [])
