"""Making bank files: at the account's cut-off on a banking day, approved orders due go in one pain.001 per
debtor account, paying the creditor as approved; nothing before its date, nothing before the cut-off."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lxml import etree

from betal.domain.bank_file import BankFileStatus
from betal.domain.job import NewJob
from betal.domain.payables import OrderStatus
from betal.services.payment_execution import SUBMIT_KIND, execute_all_due
from betal.services.supplier import SupplierInput, update_supplier
from tests.services.approval_support import World, supplier
from tests.services.execution_support import AFTER_CUTOFF, DEBTOR, account, approved, order_of

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
OTHER = "DK9553010000244041"


def execute(world: World) -> list[str]:
    with world.container.uow() as uow:
        return [f.id for f in execute_all_due(uow).files]


def content(world: World, file_id: str) -> etree._Element:
    with world.container.uow() as uow:
        raw = uow.bank_files.content(world.org_id, file_id)
    assert raw is not None
    return etree.fromstring(raw)


def queued(world: World) -> list[NewJob]:
    from sqlalchemy import text

    with world.container.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, dedupe_key FROM jobs ORDER BY created_at"))
        return [NewJob(kind, dedupe_key=key) for kind, key in rows]


class TestExecuteDue:
    def test_after_the_cut_off_one_file_with_the_orders_due(self, world: World) -> None:
        account(world)
        due = approved(world, supplier(world))
        later = approved(world, supplier(world, "Papir A/S"), due=date(2026, 11, 24))
        assert execute(world) == []  # 10:00 in Copenhagen: before the cut-off
        world.clock.set(AFTER_CUTOFF)
        [file_id] = execute(world)
        sent, waiting = order_of(world, due.id), order_of(world, later.id)
        assert (sent.status, sent.bank_file_id) == (OrderStatus.SUBMITTED, file_id)
        assert waiting.status is OrderStatus.APPROVED  # never before its execution date
        doc = content(world, file_id)
        assert doc.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == DEBTOR
        assert doc.findtext(".//p:ReqdExctnDt/p:Dt", namespaces=NS) == "2026-11-23"
        assert doc.findall(".//p:EndToEndId", namespaces=NS)[0].text == due.id.replace("_", "-")
        assert doc.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "1250.00"
        with world.container.uow() as uow:
            bank_file = uow.bank_files.get(world.org_id, file_id)
        assert bank_file is not None
        assert bank_file.status is BankFileStatus.CREATED
        assert [(j.kind, j.dedupe_key) for j in queued(world) if j.kind == SUBMIT_KIND] == [
            (SUBMIT_KIND, f"{SUBMIT_KIND}:{file_id}")
        ]
        assert execute(world) == []  # the orders are at the bank now: a second run makes nothing

    def test_two_debtor_accounts_give_two_files(self, world: World) -> None:
        first = account(world)
        one = approved(world, supplier(world))
        second = account(world, OTHER, name="Lønkonto", is_default=True)
        two = approved(world, supplier(world, "Papir A/S"))
        assert (order_of(world, one.id).payment_account_id, two.payment_account_id) == (first.id, second.id)
        world.clock.set(AFTER_CUTOFF)
        files = execute(world)
        assert len(files) == 2
        debtors = {content(world, f).findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) for f in files}
        assert debtors == {DEBTOR, OTHER}

    def test_the_file_pays_the_creditor_as_approved(self, world: World) -> None:
        account(world)
        paid = supplier(world)
        order = approved(world, paid)
        with world.container.uow() as uow:  # a fraudster changes the bank details after the approval
            data = SupplierInput(paid.name, dk_reg_no="9999", dk_account_no="1234567890")
            update_supplier(uow, world.principal(world.bookkeeper), paid.id, data)
        world.clock.set(AFTER_CUTOFF)
        [file_id] = execute(world)
        accounts = [e.text for e in content(world, file_id).findall(".//p:CdtrAcct/p:Id/p:Othr/p:Id", NS)]
        assert accounts == ["00400440116243"]
        assert order_of(world, order.id).creditor == order.creditor

    def test_not_on_a_day_the_banks_are_closed(self, world: World) -> None:
        account(world)
        approved(world, supplier(world))
        world.clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))  # Saturday
        assert execute(world) == []

    def test_without_a_payment_account_nothing_goes(self, world: World) -> None:
        order = approved(world, supplier(world))
        world.clock.set(AFTER_CUTOFF)
        with world.container.uow() as uow:
            result = execute_all_due(uow)
        assert (result.files, result.without_account) == ([], [order.id])

    def test_an_order_the_file_cannot_carry_stays_approved(self, world: World) -> None:
        account(world)
        from tests.services.approval_support import ecb_rates

        ecb_rates(world.container, date(2026, 11, 23), DKK="7.4604", USD="1.05")
        foreign = supplier(world, "Acme Inc", iban="GB33BUKB20201555555555")  # no BIC: the bank needs it
        order = approved(world, foreign, 10_000, currency="USD")
        world.clock.set(AFTER_CUTOFF)
        with world.container.uow() as uow:
            result = execute_all_due(uow)
        assert result.files == []
        assert "creditor_bic" in result.not_sendable[order.id]
        assert order_of(world, order.id).status is OrderStatus.APPROVED
