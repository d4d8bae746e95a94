"""The idempotency store: reserve once, complete, forget."""

from __future__ import annotations

from betal.bootstrap import Container


class TestIdempotencyRepository:
    def test_reserve_complete_get_delete(self, container: Container) -> None:
        now = container.clock.now()
        with container.uow() as uow:
            assert uow.idempotency.reserve("org_a", "k", "h1", now)
            uow.idempotency.complete("org_a", "k", 201, '{"id":1}')
            uow.commit()
        with container.uow() as uow:
            assert not uow.idempotency.reserve("org_a", "k", "h2", now)
            stored = uow.idempotency.get("org_a", "k")
            assert stored is not None
            assert (stored.request_hash, stored.status, stored.body) == ("h1", 201, '{"id":1}')
            assert uow.idempotency.get("org_b", "k") is None
            uow.idempotency.delete("org_a", "k")
            uow.commit()
        with container.uow() as uow:
            assert uow.idempotency.get("org_a", "k") is None

    def test_rolled_back_reservation_leaves_nothing(self, container: Container) -> None:
        with container.uow() as uow:
            assert uow.idempotency.reserve("org_a", "gone", "h", container.clock.now())
        with container.uow() as uow:
            assert uow.idempotency.get("org_a", "gone") is None
