"""The camt.053 debit confirms a submitted order: executed, invoice paid, payables against bank with the
FX difference of a foreign order; a debit that pays no order stays unmatched."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from io import BytesIO

import pytest

from betal.config import Settings
from betal.domain.banking import MatchStatus
from betal.domain.errors import Conflict
from betal.domain.ledger import AccountRole
from betal.domain.payables import InvoiceStatus, OrderStatus
from betal.domain.tenancy import Principal, Role
from betal.services.bank_statement import import_statement
from betal.services.reconciliation import reverse_match
from tests.services.approval_support import TODAY, World, ecb_rates, supplier
from tests.services.execution_support import (
    AFTER_CUTOFF,
    DEBTOR,
    account,
    approved,
    event_types,
    made_file,
    order_of,
    served_world,
    submit,
)

R = AccountRole


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with served_world(settings, AFTER_CUTOFF) as built:
        yield built


def to_the_bank(world: World) -> None:
    submit(world, made_file(world))


def import_today(world: World, statement: bytes | None = None) -> None:
    content = statement or world.container.bank_files().statement(DEBTOR, TODAY)
    principal = Principal(world.org_id, Role.BOOKKEEPER, "system", "test")
    with world.container.uow() as uow:
        import_statement(uow, principal, BytesIO(content), hashlib.sha256(content).hexdigest())


def journal(world: World, order_id: str) -> dict[tuple[str, str], tuple[int, int]]:
    """The order's journal entry: {(role, currency): (amount, DKK value)}."""
    with world.container.uow() as uow:
        [entry] = uow.ledger.for_source(world.org_id, "payment_order", order_id)
        chart = {a.id: a.role for a in uow.ledger.chart(world.org_id, uow.clock.now())}
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for p in entry.postings:
        amount, base = found.get((str(chart[p.account_id]), p.currency), (0, 0))
        found[(str(chart[p.account_id]), p.currency)] = (amount + p.amount_minor, base + p.base_minor)
    return found


class TestDebitRule:
    def test_a_foreign_order_books_its_fx_difference(self, world: World) -> None:
        account(world)
        ecb_rates(world.container, TODAY, DKK="7.4604")
        german = supplier(world, "Papierwerk GmbH", iban="DE89370400440532013000", bic="COBADEFFXXX")
        order = approved(world, german, 10_000, currency="EUR")
        assert order.dkk_amount_minor == 74_604
        with world.container.uow() as uow:  # booked at an earlier day's rate: 740,00 kr.
            inv = uow.supplier_invoices.get(world.org_id, order.supplier_invoice_id)
            assert inv is not None
            uow.supplier_invoices.save(replace(inv, base_gross_minor=74_000))
            uow.commit()
        to_the_bank(world)
        import_today(world)
        assert order_of(world, order.id).status is OrderStatus.EXECUTED
        lines = journal(world, order.id)
        assert lines[(R.PAYABLES.value, "EUR")] == (10_000, 74_000)
        assert lines[(R.BANK.value, "DKK")] == (-74_604, -74_604)
        assert lines[(R.FX_LOSSES.value, "DKK")] == (604, 604)
        assert sum(base for _, base in lines.values()) == 0
        assert event_types(world, order.id)[-1] == "payment_order.executed"

    def test_a_debit_for_another_amount_stays_unmatched(self, world: World) -> None:
        account(world)
        order = approved(world, supplier(world))
        to_the_bank(world)
        statement = world.container.bank_files().statement(DEBTOR, TODAY)
        import_today(world, statement.replace(b">1250.00<", b">1249.00<"))
        assert order_of(world, order.id).status is OrderStatus.SUBMITTED
        with world.container.uow() as uow:
            [entry] = uow.statement_entries.list_unmatched(world.org_id, None, 10)
            inv = uow.supplier_invoices.get(world.org_id, order.supplier_invoice_id)
        assert entry.match_status is MatchStatus.UNMATCHED
        assert entry.end_to_end_id == order_of(world, order.id).end_to_end_id
        assert inv is not None
        assert inv.status is InvoiceStatus.BOOKED

    def test_an_order_is_executed_once_however_often_the_debit_is_imported(self, world: World) -> None:
        account(world)
        order = approved(world, supplier(world))
        to_the_bank(world)
        statement = world.container.bank_files().statement(DEBTOR, TODAY)
        import_today(world, statement)
        import_today(world, statement + b"\n")  # another file with the same transaction
        with world.container.uow() as uow:
            assert len(uow.ledger.for_source(world.org_id, "payment_order", order.id)) == 1
        assert event_types(world, order.id).count("payment_order.executed") == 1

    def test_the_match_that_executed_an_order_cannot_be_undone(self, world: World) -> None:
        account(world)
        order = approved(world, supplier(world))
        to_the_bank(world)
        import_today(world)
        with world.container.uow() as uow:
            [match] = [
                m for m in uow.matches.list_page(world.org_id, entry_ids=None, after_id=None, limit=10)
                if m.target_id == order.id
            ]  # fmt: skip
        with world.container.uow() as uow, pytest.raises(Conflict) as refused:
            reverse_match(uow, world.principal(world.bookkeeper), match.id)
        assert refused.value.code == "match.order_executed"
        assert order_of(world, order.id).status is OrderStatus.EXECUTED
        with world.container.uow() as uow:
            assert uow.matches.get(world.org_id, match.id) == match
            assert len(uow.ledger.for_source(world.org_id, "payment_order", order.id)) == 1
