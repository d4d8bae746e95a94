"""Payment account and bank file repositories: one organisation's rows, files with their content apart,
the orders due (approved, executing on or before the day) and submitted orders by end-to-end id."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

from betal import bootstrap
from betal.domain.bank_file import BankFile, BankFileStatus
from betal.domain.ids import new_id
from betal.domain.payables import OrderStatus
from betal.domain.payment_account import PaymentAccount
from betal.services.organisation import CreatedOrganisation
from tests.services.approval_support import clocked, invoice, make_world, supplier

AT = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _account(org_id: str, iban: str, default: bool) -> PaymentAccount:
    return PaymentAccount(
        new_id("pacc"), org_id, "Drift", iban, None, None, None, "DKK", default, time(14, 0),
        "pain.001.001.09", AT, AT,
    )  # fmt: skip


def test_payment_accounts(
    container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
) -> None:
    mine, theirs = org.organisation.id, other_org.organisation.id
    first, second = _account(mine, "DK4400400440116254", True), _account(mine, "DK9553010000244041", False)
    with container.uow() as uow:
        for account in (first, second, _account(theirs, "DK4400400440116254", True)):
            uow.payment_accounts.add(account)
        uow.payment_accounts.clear_default(mine)
        uow.commit()
    with container.uow() as uow:
        assert sorted(a.id for a in uow.payment_accounts.list_for(mine)) == sorted([first.id, second.id])
        assert uow.payment_accounts.default_for(mine) is None
        assert uow.payment_accounts.find_by_iban(mine, "DK9553010000244041") == second
        assert uow.payment_accounts.get(theirs, first.id) is None
        assert len(uow.payment_accounts.all_accounts()) == 3


def test_bank_files_and_their_orders(settings: object) -> None:
    with clocked(settings, AT) as (container, clock):  # type: ignore[arg-type]
        world = make_world(container, clock)
        from betal.services.payment_order import NewPaymentOrder, create_payment_order

        sup = supplier(world)
        due, later = invoice(world, sup, due=date(2026, 11, 23)), invoice(world, sup, due=date(2026, 11, 24))
        with container.uow() as uow:
            orders = [create_payment_order(uow, world.principal(world.bookkeeper), NewPaymentOrder(i.id))
                      for i in (due, later)]  # fmt: skip
        file_id = new_id("bfile")
        bank_file = BankFile(file_id, world.org_id, file_id.replace("_", "-"), "pain.001.001.09",
                             "DK4400400440116254", date(2026, 11, 23), 1, "1250.00", BankFileStatus.CREATED,
                             None, None, AT)  # fmt: skip
        with container.uow() as uow:
            for order in orders:
                uow.payment_orders.save(replace(order, status=OrderStatus.APPROVED))
            uow.bank_files.add(bank_file, b"<xml/>")
            uow.commit()
        with container.uow() as uow:
            assert uow.bank_files.organisations_due(date(2026, 11, 23)) == [world.org_id]
            assert [o.id for o in uow.bank_files.orders_due(world.org_id, date(2026, 11, 23))] == [
                orders[0].id
            ]
            uow.payment_orders.save(replace(orders[0], status=OrderStatus.SUBMITTED, bank_file_id=file_id,
                                            end_to_end_id="pord-x"))  # fmt: skip
            uow.bank_files.save(
                replace(bank_file, status=BankFileStatus.ACCEPTED), status_report=b"<report/>"
            )
            uow.commit()
        with container.uow() as uow:
            assert uow.bank_files.content(world.org_id, file_id) == b"<xml/>"
            assert uow.bank_files.list_page(world.org_id, None, 10) == [
                replace(bank_file, status=BankFileStatus.ACCEPTED)
            ]
            assert [o.id for o in uow.bank_files.orders_of(world.org_id, file_id)] == [orders[0].id]
            assert [o.id for o in uow.bank_files.submitted_orders(world.org_id, ["pord-x", "pord-y"])] == [
                orders[0].id
            ]
            assert uow.bank_files.submitted_orders(world.org_id, []) == []
            assert uow.bank_files.get("org_01JD000000000000000000000", file_id) is None
