"""The accountant's queries on the real database: organisations with nothing waiting, live orders."""

from __future__ import annotations

from datetime import timedelta

from betal.domain.accountant import ClientCounts
from betal.services.payment_order import NewPaymentOrder, cancel_payment_order, create_payment_order
from tests.services.approval_support import NOW, TODAY, World, invoice, supplier


class TestSqlAlchemyClientRepository:
    def test_an_organisation_with_nothing_waiting_has_zero_counts_and_no_items(self, world: World) -> None:
        since = NOW - timedelta(days=30)
        with world.container.uow() as uow:
            assert uow.clients.counts([world.org_id], TODAY, since) == [ClientCounts(world.org_id)]
            assert uow.clients.invoices([world.org_id], 5) == []
            assert uow.clients.approvals([world.org_id], 5) == []
            assert uow.clients.failures([world.org_id], 5, since) == []

    def test_live_order_invoice_ids(self, world: World) -> None:
        kontor = supplier(world)
        live, cancelled, free = invoice(world, kontor), invoice(world, kontor), invoice(world, kontor)
        principal = world.principal(world.bookkeeper)
        with world.container.uow() as uow:
            create_payment_order(uow, principal, NewPaymentOrder(live.id))
        with world.container.uow() as uow:
            made = create_payment_order(uow, principal, NewPaymentOrder(cancelled.id))
        with world.container.uow() as uow:
            cancel_payment_order(uow, principal, made.id)
        with world.container.uow() as uow:
            ids = [live.id, cancelled.id, free.id]
            assert uow.clients.live_order_invoice_ids(world.org_id, ids) == {live.id}
            assert uow.clients.live_order_invoice_ids("org_other", ids) == set()
            assert uow.clients.live_order_invoice_ids(world.org_id, []) == set()
