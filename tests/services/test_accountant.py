"""The accountant's view on the real database: only the user's organisations, the right counts and items,
and a number of statements that does not grow with the number of organisations."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import event, insert

from betal.adapters.db.orm_payables import BankFileRow
from betal.domain.accountant import FailureKind, InvoiceWork
from betal.domain.approval import Decision, Via
from betal.domain.ids import new_id
from betal.domain.payables import InvoiceStatus, OrderStatus, PaymentOrder, Supplier
from betal.domain.tenancy import Principal, Role
from betal.services import accountant
from betal.services.approval import DecisionInput, decide, request_approval
from betal.services.organisation import add_member, create_organisation
from betal.services.payment_order import NewPaymentOrder, cancel_payment_order, create_payment_order
from betal.services.supplier import SupplierInput, create_supplier, update_supplier
from betal.services.supplier_invoice import list_invoices
from tests.services.approval_support import NOW, World, invoice, supplier


def cvr_numbers(count: int, start: int = 30000000) -> list[str]:
    """Valid CVR numbers (weights 2,7,6,5,4,3,2,1; the sum divisible by 11)."""
    found: list[str] = []
    number = start
    while len(found) < count:
        digits = str(number)
        if sum(int(d) * w for d, w in zip(digits, (2, 7, 6, 5, 4, 3, 2, 1), strict=True)) % 11 == 0:
            found.append(digits)
        number += 1
    return found


def other_org(world: World, name: str, cvr: str, role: Role | None = Role.BOOKKEEPER) -> World:
    """Another organisation, with the bookkeeper as a member in ``role`` (or not a member) and Anna as
    its approver (the built-in policy: any member who may approve)."""
    with world.container.uow() as uow:
        created = create_organisation(uow, name=name, cvr=cvr)
    with world.container.uow() as uow:
        add_member(uow, organisation_id=created.organisation.id, user_id=world.anna.id, role=Role.APPROVER)
    if role is not None:
        with world.container.uow() as uow:
            add_member(uow, organisation_id=created.organisation.id, user_id=world.bookkeeper.id, role=role)
    return replace(world, org=created)


def bare_supplier(world: World) -> Supplier:
    """A supplier without any bank details: its invoices have nowhere to be paid."""
    with world.container.uow() as uow:
        return create_supplier(uow, world.principal(world.bookkeeper), SupplierInput("Uden Konto ApS"))


def order(world: World, invoice_id: str) -> PaymentOrder:
    with world.container.uow() as uow:
        return create_payment_order(uow, world.principal(world.bookkeeper), NewPaymentOrder(invoice_id))


def send(world: World, *orders: PaymentOrder) -> None:
    with world.container.uow() as uow:
        request_approval(uow, world.principal(world.bookkeeper), world.messaging, [o.id for o in orders])


def fail(world: World, failed: PaymentOrder, reason: str = "AC04 konto lukket") -> None:
    """The bank's answer, written straight to the order (executing orders is tested with its own service)."""
    with world.container.uow() as uow:
        uow.payment_orders.save(replace(failed, status=OrderStatus.FAILED, failure_reason=reason))
        uow.commit()


def rejected_file(world: World, message_id: str, days_ago: int = 1) -> None:
    at = NOW - timedelta(days=days_ago)
    values = {
        "id": new_id("bfile"), "organisation_id": world.org_id, "message_id": message_id,
        "version": "pain.001.001.09", "debtor_account": "DK5000400440116243",
        "execution_date": date(2026, 11, 23),
        "payment_count": 1, "control_sum": "1250.00", "status": "rejected", "content": b"<xml/>",
        "bank_reference": None, "status_report": None, "submitted_at": at, "created_at": at,
    }  # fmt: skip
    with world.container.engine.begin() as conn:
        conn.execute(insert(BankFileRow), [values])


def as_anna(world: World, sent: PaymentOrder, data: DecisionInput) -> None:
    anna = Principal(world.org_id, Role.APPROVER, "user", world.anna.id)
    with world.container.uow() as uow:
        decide(uow, anna, world.messaging, _request_of(world, sent), data, Via.PORTAL)


def overview(world: World) -> list[accountant.ClientView]:
    with world.container.uow() as uow:
        return accountant.client_overview(uow, world.bookkeeper.id)


class TestClientOverview:
    def test_only_the_users_organisations_by_name_with_their_roles(self, world: World) -> None:
        cafe = other_org(world, "Nordlys Café I/S", "10150817", Role.VIEWER)
        stranger = other_org(world, "Anden Kunde A/S", "13748136", role=None)
        invoice(stranger, supplier(stranger))
        invoice(cafe, supplier(cafe))
        found = overview(world)
        assert [(v.organisation.name, v.role) for v in found] == [
            ("Hansen & Co ApS", Role.BOOKKEEPER),
            ("Nordlys Café I/S", Role.VIEWER),
        ]
        assert [v.counts.ready_to_pay for v in found] == [0, 1]
        assert stranger.org_id not in {v.organisation.id for v in found}

    def test_a_user_without_memberships_sees_nothing(self, world: World) -> None:
        with world.container.uow() as uow:
            assert accountant.client_overview(uow, "usr_nobody") == []

    def test_invoices_to_book_ready_without_means_and_drafts(self, world: World) -> None:
        kontor = supplier(world)
        invoice(world, kontor, 100_000, due=date(2026, 12, 10), number="F-1")
        missing = invoice(world, bare_supplier(world), 20_000, due=date(2026, 12, 1), number="F-2")
        drafted = invoice(world, kontor, 30_000, due=date(2026, 12, 5), number="F-3")
        draft = order(world, drafted.id)
        invoice(world, kontor, number="F-4", status=InvoiceStatus.PAID)
        cancelled = invoice(world, kontor, number="F-5", due=date(2026, 12, 20))
        with world.container.uow() as uow:
            cancel_payment_order(uow, world.principal(world.bookkeeper), order(world, cancelled.id).id)
        [view] = overview(world)
        counts = view.counts
        assert (counts.ready_to_pay, counts.no_payment_means, counts.draft_orders, counts.to_book) == (
            2,
            1,
            1,
            4,
        )
        assert [(i.invoice_number, i.work, i.order_id) for i in view.invoices] == [
            ("F-2", InvoiceWork.NO_PAYMENT_MEANS, None),
            ("F-3", InvoiceWork.DRAFT_ORDER, draft.id),
            ("F-1", InvoiceWork.READY, None),
            ("F-5", InvoiceWork.READY, None),
        ]  # soonest due first
        assert (view.invoices[2].amount_minor, view.invoices[2].supplier_name) == (100_000, kontor.name)
        assert missing.id == view.invoices[0].invoice_id

    def test_awaiting_approval_late_first_with_the_approvals_missing(self, world: World) -> None:
        kontor, risky = supplier(world), supplier(world, "Ny Konto A/S")
        with world.container.uow() as uow:  # a bank change: the next order to it needs two approvals
            changed = SupplierInput("Ny Konto A/S", dk_reg_no="0040", dk_account_no="0440116244")
            update_supplier(uow, world.principal(world.bookkeeper), risky.id, changed)
        soon = order(world, invoice(world, kontor, due=date(2026, 11, 24)).id)
        later = order(world, invoice(world, risky, due=date(2026, 12, 8)).id)
        send(world, soon, later)
        as_anna(world, later, DecisionInput(Decision.APPROVE, None, (later.id,)))
        world.clock.advance(timedelta(days=2))  # Wednesday: the first order's date has passed
        [view] = overview(world)
        assert (view.counts.awaiting_approval, view.counts.late_approvals) == (2, 1)
        assert [(a.order_id, a.required_approvals, a.approvals, a.missing) for a in view.approvals] == [
            (soon.id, 1, 0, 1),
            (later.id, 2, 1, 1),
        ]

    def test_failures_rejected_failed_and_rejected_bank_files(self, world: World) -> None:
        kontor = supplier(world)
        rejected = order(world, invoice(world, kontor).id)
        send(world, rejected)
        as_anna(world, rejected, DecisionInput(Decision.REJECT, "Forkert beløb"))
        failed_invoice = invoice(world, kontor)
        failed = order(world, failed_invoice.id)
        fail(world, failed)
        replaced = order(world, invoice(world, kontor).id)
        fail(world, replaced)
        order(world, replaced.supplier_invoice_id)  # a new order replaced the failed one: nothing to do
        rejected_file(world, "MSG-NEW")
        rejected_file(world, "MSG-OLD", days_ago=40)
        [view] = overview(world)
        counts = view.counts
        assert (counts.rejected_orders, counts.failed_orders, counts.rejected_bank_files) == (1, 1, 1)
        assert counts.failures == 3
        kinds = {(f.kind, f.subject_id if f.kind is not FailureKind.REJECTED_BANK_FILE else f.label, f.reason)
                 for f in view.failures}  # fmt: skip
        assert kinds == {
            (FailureKind.REJECTED_ORDER, rejected.id, "Forkert beløb"),
            (FailureKind.FAILED_ORDER, failed.id, "AC04 konto lukket"),
            (FailureKind.REJECTED_BANK_FILE, "MSG-NEW", None),
        }
        assert counts.ready_to_pay == 1  # the failed order's invoice can be paid again

    def test_the_number_of_items_per_organisation_is_bounded(self, world: World) -> None:
        kontor = supplier(world)
        for number in range(4):
            invoice(world, kontor, number=f"F-{number}")
        [view] = _overview_top(world, 3)
        assert (view.counts.ready_to_pay, len(view.invoices)) == (4, 3)

    def test_the_statements_do_not_grow_with_the_organisations(self, world: World) -> None:
        def busy(client: World) -> None:
            kontor = supplier(client)
            invoice(client, kontor)
            invoice(client, bare_supplier(client))
            send(client, order(client, invoice(client, kontor).id))
            fail(client, order(client, invoice(client, kontor).id))

        busy(world)
        one = _statements(world)
        for index, cvr in enumerate(cvr_numbers(9)):
            busy(other_org(world, f"Klient {index} ApS", cvr))
        ten = _statements(world)
        assert len(overview(world)) == 10
        assert ten == one
        assert one <= 12


def _overview_top(world: World, top: int) -> list[accountant.ClientView]:
    with world.container.uow() as uow:
        return accountant.client_overview(uow, world.bookkeeper.id, top=top)


def _statements(world: World) -> int:
    count = 0

    def counted(*_args: object) -> None:
        nonlocal count
        count += 1

    event.listen(world.container.engine, "before_cursor_execute", counted)
    try:
        overview(world)
    finally:
        event.remove(world.container.engine, "before_cursor_execute", counted)
    return count


def _request_of(world: World, sent: PaymentOrder) -> str:
    with world.container.uow() as uow:
        found = uow.approval_requests.current_for_order(world.org_id, sent.id)
    assert found is not None
    return found.id


class TestOrderable:
    def test_booked_payable_invoices_without_a_live_order(self, world: World) -> None:
        kontor = supplier(world)
        free = invoice(world, kontor)
        taken = invoice(world, kontor)
        order(world, taken.id)
        invoice(world, bare_supplier(world))
        invoice(world, kontor, status=InvoiceStatus.PAID)
        principal = world.principal(world.bookkeeper)
        with world.container.uow() as uow:
            views = list_invoices(uow, principal, status=None, supplier_id=None, after_id=None, limit=50)
            assert accountant.orderable(uow, principal, views) == {free.id}
