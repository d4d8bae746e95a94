"""Bank files at the sandbox bank over HTTP: submitted once, the pain.002 applied per payment, a refused
file fails its orders; reading files and their XML."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from betal.adapters.db.orm_payables import BankFileRow
from betal.config import Settings
from betal.domain.bank_file import BankFileStatus
from betal.domain.errors import NotFound
from betal.domain.payables import OrderStatus
from betal.domain.tenancy import Principal, Role
from betal.services import bank_file as bank_files
from betal.services.payment_order import NewPaymentOrder, create_payment_order
from tests.services.approval_support import World, supplier
from tests.services.execution_support import (
    AFTER_CUTOFF,
    account,
    approved,
    event_types,
    made_file,
    order_of,
    served_world,
    submit,
)


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with served_world(settings, AFTER_CUTOFF) as built:
        yield built


def poll(world: World, file_id: str) -> bank_files.BankFile:
    return bank_files.poll_bank_file(world.container.uow, world.container.bank_files(), world.org_id, file_id)


class TestSubmit:
    def test_only_a_created_file_is_sent_and_only_once(self, world: World) -> None:
        account(world)
        approved(world, supplier(world))
        file_id = made_file(world)
        sent = submit(world, file_id)
        assert sent.status is BankFileStatus.SUBMITTED
        assert sent.bank_reference
        assert submit(world, file_id) == sent
        assert len(world.container.sandbox_store().list("bank", "payment_file")) == 1

    def test_a_file_the_bank_refuses_fails_its_orders(self, world: World) -> None:
        account(world)
        order = approved(world, supplier(world))
        file_id = made_file(world)
        with world.container.engine.begin() as conn:  # damaged after it was made: the bank refuses it
            conn.execute(update(BankFileRow).where(BankFileRow.id == file_id).values(content=b"<Document/>"))
        refused = submit(world, file_id)
        assert refused.status is BankFileStatus.REJECTED
        assert refused.failure_reason is not None
        assert "pain.001" in refused.failure_reason
        failed = order_of(world, order.id)
        assert failed.status is OrderStatus.FAILED
        assert failed.failure_reason == refused.failure_reason[:200]
        assert event_types(world, order.id)[-1] == "payment_order.failed"
        assert world.container.sandbox_store().list("bank", "payment_file") == []


class TestPoll:
    def test_accepted_and_rejected_payments_of_one_file(self, world: World) -> None:
        account(world)
        good = approved(world, supplier(world))
        bad = approved(world, supplier(world, "Lukket ApS", dk_reg_no="1234", dk_account_no="5670000"))
        file_id = made_file(world)
        submit(world, file_id)
        report = poll(world, file_id)
        assert report.status is BankFileStatus.PARTIAL
        assert event_types(world, file_id)[-1] == "bank_file.partially_accepted"
        assert order_of(world, good.id).status is OrderStatus.SUBMITTED  # until the statement shows it
        failed = order_of(world, bad.id)
        assert (failed.status, failed.failure_reason) == (
            OrderStatus.FAILED,
            "AC01: creditor account not found",
        )
        assert event_types(world, bad.id)[-1] == "payment_order.failed"
        with world.container.uow() as uow:  # the invoice can be paid again by a new order
            again = create_payment_order(
                uow, world.principal(world.bookkeeper), NewPaymentOrder(bad.supplier_invoice_id)
            )
        assert again.status is OrderStatus.DRAFT
        assert poll(world, file_id) == report  # a file with its answer is not asked again

    def test_all_accepted(self, world: World) -> None:
        account(world)
        approved(world, supplier(world))
        file_id = made_file(world)
        submit(world, file_id)
        assert poll(world, file_id).status is BankFileStatus.ACCEPTED


class TestReading:
    def test_the_xml_list_and_orders_of_a_file_are_the_organisations_own(self, world: World) -> None:
        account(world)
        order = approved(world, supplier(world))
        file_id = made_file(world)
        reader = world.principal(world.anna)
        with world.container.uow() as uow:
            bank_file, xml = bank_files.bank_file_content(uow, reader, file_id)
            listed = bank_files.list_bank_files(uow, reader, after_id=None, limit=10)
            orders = bank_files.file_orders(uow, reader, file_id)
        assert xml.startswith(b"<?xml")
        assert bank_file.message_id.encode() in xml
        assert [f.id for f in listed] == [file_id]
        assert [o.id for o in orders] == [order.id]
        stranger = Principal("org_01JD000000000000000000000", Role.OWNER, "api_key", "key_x")
        with world.container.uow() as uow, pytest.raises(NotFound):
            bank_files.get_bank_file(uow, stranger, file_id)
