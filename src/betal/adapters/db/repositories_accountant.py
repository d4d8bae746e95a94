"""SQLAlchemy queries for the accountant's view: work waiting in many organisations at once.

Every method takes the list of organisations and answers for all of them with one statement (grouped
counts, or the first items per organisation with ``ROW_NUMBER() OVER (PARTITION BY organisation_id)``),
so the number of statements does not grow with the number of client organisations. The caller decides
which organisations a user may see; nothing here looks at memberships.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from betal.adapters.db.orm_payables import (
    ApprovalDecisionRow,
    BankFileRow,
    PaymentOrderRow,
    SupplierInvoiceRow,
    SupplierRow,
)
from betal.adapters.db.repositories_approvals import ACTIVE
from betal.domain.accountant import (
    ClientApproval,
    ClientCounts,
    ClientFailure,
    ClientInvoice,
    FailureKind,
    InvoiceWork,
    approvals_given,
)
from betal.domain.approval import Decision
from betal.domain.ledger import BASE_CURRENCY
from betal.domain.payables import InvoiceStatus, OrderStatus

Inv, Sup, Ord = SupplierInvoiceRow, SupplierRow, PaymentOrderRow
_BOOKED = InvoiceStatus.BOOKED.value
_AWAITING, _REJECTED = OrderStatus.AWAITING_APPROVAL.value, OrderStatus.REJECTED.value
_FAILED, _DRAFT = OrderStatus.FAILED.value, OrderStatus.DRAFT.value


def _has_means() -> ColumnElement[bool]:
    """Where an invoice can be paid: its own means, else its supplier's (``services.payment_means``)."""
    own = and_(Inv.means.is_not(None), cast(Inv.means, Text) != "null")
    dkk_route = and_(
        Inv.currency == BASE_CURRENCY,
        or_(
            and_(Sup.dk_reg_no.is_not(None), Sup.dk_account_no.is_not(None)),
            Sup.fi_creditor_number.is_not(None),
        ),
    )
    return or_(own, Sup.iban.is_not(None), dkk_route)


def _live_order(invoice_id: Any) -> ColumnElement[bool]:
    other = aliased(PaymentOrderRow)
    return exists().where(other.supplier_invoice_id == invoice_id, other.status.in_(ACTIVE))


def _invoice_work(org_ids: Sequence[str]) -> Any:
    """Booked invoices without a live order, and draft orders, as one set of rows (a subquery)."""
    ids = list(org_ids)
    work = case(
        (_has_means(), literal(InvoiceWork.READY.value)), else_=literal(InvoiceWork.NO_PAYMENT_MEANS.value)
    )
    unordered = (
        select(
            Inv.organisation_id, Inv.id.label("invoice_id"), Sup.name.label("supplier_name"),
            Inv.invoice_number, Inv.due_date, Inv.currency, Inv.gross_minor.label("amount_minor"),
            cast(work, String).label("work"), cast(null(), String).label("order_id"),
        )
        .join(Sup, Sup.id == Inv.supplier_id)
        .where(Inv.organisation_id.in_(ids), Inv.status == _BOOKED, ~_live_order(Inv.id))
    )  # fmt: skip
    drafts = (
        select(
            Ord.organisation_id, Inv.id, Sup.name, Inv.invoice_number, Inv.due_date, Ord.currency,
            Ord.amount_minor, cast(literal(InvoiceWork.DRAFT_ORDER.value), String), Ord.id,
        )
        .join(Inv, Inv.id == Ord.supplier_invoice_id)
        .join(Sup, Sup.id == Ord.supplier_id)
        .where(Ord.organisation_id.in_(ids), Ord.status == _DRAFT)
    )  # fmt: skip
    return union_all(unordered, drafts).subquery("invoice_work")


def _unreplaced_failure() -> ColumnElement[bool]:
    """A failed order whose invoice is still booked and has no live order: someone must act on it."""
    invoice = aliased(SupplierInvoiceRow)
    still_open = exists().where(invoice.id == Ord.supplier_invoice_id, invoice.status == _BOOKED)
    return and_(Ord.status == _FAILED, still_open, ~_live_order(Ord.supplier_invoice_id))


def _first(query: Any, partition: Any, order: Sequence[Any], limit: int) -> Select[Any]:
    """The first ``limit`` rows of ``query`` per ``partition`` in ``order``."""
    number = func.row_number().over(partition_by=partition, order_by=list(order)).label("row_number")
    ranked = query.add_columns(number).subquery("ranked")
    return (
        select(ranked)
        .where(ranked.c.row_number <= limit)
        .order_by(ranked.c.organisation_id, ranked.c.row_number)
    )


class SqlAlchemyClientRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def counts(self, org_ids: Sequence[str], today: date, files_since: datetime) -> list[ClientCounts]:
        """The work waiting in each organisation (three grouped statements), in the order of ``org_ids``."""
        found: dict[str, dict[str, int]] = {o: {} for o in org_ids}
        work = _invoice_work(org_ids)
        for org, kind, number in self.session.execute(
            select(work.c.organisation_id, work.c.work, func.count()).group_by(
                work.c.organisation_id, work.c.work
            )
        ):
            found[org][kind] = number
        late = case((Ord.execution_date < today, 1), else_=0)
        orders = (
            select(Ord.organisation_id, Ord.status, late, func.count())
            .where(
                Ord.organisation_id.in_(list(org_ids)),
                or_(Ord.status.in_((_AWAITING, _REJECTED)), _unreplaced_failure()),
            )
            .group_by(Ord.organisation_id, Ord.status, late)
        )
        for org, status, is_late, number in self.session.execute(orders):
            found[org][status] = found[org].get(status, 0) + number
            if status == _AWAITING and is_late:
                found[org]["late"] = found[org].get("late", 0) + number
        files = (
            select(BankFileRow.organisation_id, func.count())
            .where(
                BankFileRow.organisation_id.in_(list(org_ids)),
                BankFileRow.status == "rejected",
                BankFileRow.created_at >= files_since,
            )
            .group_by(BankFileRow.organisation_id)
        )
        for org, number in self.session.execute(files):
            found[org]["files"] = number
        return [_counts(org, found[org]) for org in org_ids]

    def invoices(self, org_ids: Sequence[str], limit: int) -> list[ClientInvoice]:
        """Per organisation, the first ``limit`` invoices to book or pay, soonest due first."""
        work = _invoice_work(org_ids)
        query = _first(select(work), work.c.organisation_id, (work.c.due_date, work.c.invoice_id), limit)
        rows = self.session.execute(query)
        return [
            ClientInvoice(
                r.organisation_id, r.invoice_id, r.supplier_name, r.invoice_number, r.due_date, r.currency,
                r.amount_minor, InvoiceWork(r.work), r.order_id,
            )
            for r in rows
        ]  # fmt: skip

    def approvals(self, org_ids: Sequence[str], limit: int) -> list[ClientApproval]:
        """Per organisation, the first ``limit`` orders awaiting approval, earliest execution date first
        (so late ones first), with the approvals given in their current round."""
        query = (
            select(
                Ord.organisation_id, Ord.id, Sup.name, Ord.execution_date, Ord.currency, Ord.amount_minor,
                Ord.required_approvals,
            )
            .join(Sup, Sup.id == Ord.supplier_id)
            .where(Ord.organisation_id.in_(list(org_ids)), Ord.status == _AWAITING)
        )  # fmt: skip
        ranked = _first(query, Ord.organisation_id, (Ord.execution_date, Ord.id), limit)
        rows = list(self.session.execute(ranked))
        dec = ApprovalDecisionRow
        decisions: list[tuple[str, int, str]] = []
        if rows:
            found = select(dec.payment_order_id, dec.round, dec.decision).where(
                dec.payment_order_id.in_([r.id for r in rows])
            )
            decisions = [(o, n, d) for o, n, d in self.session.execute(found)]
        given = approvals_given((o, n, Decision(d)) for o, n, d in decisions)
        return [
            ClientApproval(
                r.organisation_id, r.id, r.name, r.execution_date, r.currency, r.amount_minor,
                r.required_approvals, given.get(r.id, 0),
            )
            for r in rows
        ]  # fmt: skip

    def failures(self, org_ids: Sequence[str], limit: int, files_since: datetime) -> list[ClientFailure]:
        """Per organisation, the ``limit`` newest failures: rejected and failed orders, rejected files."""
        ids = list(org_ids)
        orders = (
            select(
                Ord.organisation_id, Ord.status.label("kind"), Ord.id.label("subject_id"),
                Sup.name.label("label"),
                func.coalesce(Ord.rejection_comment, Ord.failure_reason).label("reason"),
                Ord.updated_at.label("at"), Ord.currency, Ord.amount_minor,
            )
            .join(Sup, Sup.id == Ord.supplier_id)
            .where(Ord.organisation_id.in_(ids), or_(Ord.status == _REJECTED, _unreplaced_failure()))
        )  # fmt: skip
        files = select(
            BankFileRow.organisation_id, cast(literal("rejected_file"), String), BankFileRow.id,
            BankFileRow.message_id, cast(null(), String), BankFileRow.created_at, cast(null(), String),
            cast(null(), BigInteger),
        ).where(
            BankFileRow.organisation_id.in_(ids), BankFileRow.status == "rejected",
            BankFileRow.created_at >= files_since,
        )  # fmt: skip
        both = union_all(orders, files).subquery("failures")
        query = _first(select(both), both.c.organisation_id, (both.c.at.desc(), both.c.subject_id), limit)
        rows = self.session.execute(query)
        return [
            ClientFailure(
                r.organisation_id, _KINDS[r.kind], r.subject_id, r.label, r.reason, r.at, r.currency,
                r.amount_minor,
            )
            for r in rows
        ]  # fmt: skip

    def live_order_invoice_ids(self, organisation_id: str, invoice_ids: Sequence[str]) -> set[str]:
        """Which of the invoices have a live (not cancelled or failed) payment order."""
        if not invoice_ids:
            return set()
        query = select(Ord.supplier_invoice_id).where(
            Ord.organisation_id == organisation_id,
            Ord.supplier_invoice_id.in_(list(invoice_ids)),
            Ord.status.in_(ACTIVE),
        )
        return set(self.session.scalars(query))


_KINDS = {
    _REJECTED: FailureKind.REJECTED_ORDER,
    _FAILED: FailureKind.FAILED_ORDER,
    "rejected_file": FailureKind.REJECTED_BANK_FILE,
}


def _counts(org: str, found: dict[str, int]) -> ClientCounts:
    return ClientCounts(
        organisation_id=org,
        ready_to_pay=found.get(InvoiceWork.READY.value, 0),
        no_payment_means=found.get(InvoiceWork.NO_PAYMENT_MEANS.value, 0),
        draft_orders=found.get(InvoiceWork.DRAFT_ORDER.value, 0),
        awaiting_approval=found.get(_AWAITING, 0),
        late_approvals=found.get("late", 0),
        rejected_orders=found.get(_REJECTED, 0),
        failed_orders=found.get(_FAILED, 0),
        rejected_bank_files=found.get("files", 0),
    )
