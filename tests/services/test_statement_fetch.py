"""``fetch_statements``: every payment account's camt.053 of the previous and this banking day, imported
once however often it is fetched, confirming the orders it pays."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from betal.config import Settings
from betal.domain.payables import OrderStatus
from betal.services import bank_file as bank_files
from betal.services.payment_execution import execute_all_due
from betal.services.statement_fetch import fetch_statements, statement_days
from tests.services.approval_support import World, supplier
from tests.services.execution_support import AFTER_CUTOFF, account, approved, order_of, served_world


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with served_world(settings, AFTER_CUTOFF) as built:
        yield built


class TestStatementDays:
    def test_the_last_three_banking_days_before_today_never_today(self) -> None:
        assert statement_days(date(2026, 11, 23)) == [
            date(2026, 11, 18),
            date(2026, 11, 19),
            date(2026, 11, 20),
        ]

    def test_closed_days_are_skipped(self) -> None:
        # 24-26 December are bank holidays in Denmark; the 28th's days go back past them.
        assert statement_days(date(2026, 12, 28)) == [
            date(2026, 12, 21),
            date(2026, 12, 22),
            date(2026, 12, 23),
        ]


class TestFetchStatements:
    def test_imports_each_statement_once_and_confirms_the_order(self, world: World) -> None:
        account(world)
        order = approved(world, supplier(world))
        with world.container.uow() as uow:
            [bank_file] = execute_all_due(uow).files
        bank = world.container.bank_files()
        bank_files.submit_bank_file(world.container.uow, bank, world.org_id, bank_file.id)
        fetch_statements(world.container.uow, bank)  # the day has not ended: its statement is not asked for
        assert order_of(world, order.id).status is OrderStatus.SUBMITTED
        world.clock.advance(timedelta(days=1))
        assert fetch_statements(world.container.uow, bank) == {"known": 2, "imported": 1}  # Monday's is new
        assert order_of(world, order.id).status is OrderStatus.EXECUTED
        assert fetch_statements(world.container.uow, bank) == {"known": 3}
        assert fetch_statements(world.container.uow, bank, "org_01JD000000000000000000000") == {}
