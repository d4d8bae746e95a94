"""SQLAlchemy repositories for payables execution: payment accounts and bank files (with their orders)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from betal.adapters.db.mapping import to_columns, to_domain
from betal.adapters.db.orm_execution import PaymentAccountRow
from betal.adapters.db.orm_payables import BankFileRow, PaymentOrderRow
from betal.domain.bank_file import BankFile
from betal.domain.payables import OrderStatus, PaymentOrder
from betal.domain.payment_account import PaymentAccount

_FILE_FIELDS = tuple(f.name for f in fields(BankFile))


class SqlAlchemyPaymentAccountRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, account: PaymentAccount) -> None:
        self.session.add(PaymentAccountRow(**to_columns(account)))
        self.session.flush()

    def get(self, organisation_id: str, account_id: str) -> PaymentAccount | None:
        row = self.session.scalar(
            select(PaymentAccountRow).where(
                PaymentAccountRow.organisation_id == organisation_id, PaymentAccountRow.id == account_id
            )
        )
        return None if row is None else to_domain(PaymentAccount, row)

    def list_for(self, organisation_id: str) -> list[PaymentAccount]:
        rows = self.session.scalars(
            select(PaymentAccountRow)
            .where(PaymentAccountRow.organisation_id == organisation_id)
            .order_by(PaymentAccountRow.id)
        )
        return [to_domain(PaymentAccount, r) for r in rows]

    def default_for(self, organisation_id: str) -> PaymentAccount | None:
        return next((a for a in self.list_for(organisation_id) if a.is_default), None)

    def find_by_iban(self, organisation_id: str, iban: str) -> PaymentAccount | None:
        row = self.session.scalar(
            select(PaymentAccountRow).where(
                PaymentAccountRow.organisation_id == organisation_id, PaymentAccountRow.iban == iban
            )
        )
        return None if row is None else to_domain(PaymentAccount, row)

    def clear_default(self, organisation_id: str) -> None:
        self.session.execute(
            update(PaymentAccountRow)
            .where(PaymentAccountRow.organisation_id == organisation_id)
            .values(is_default=False)
        )

    def all_accounts(self) -> list[PaymentAccount]:
        rows = self.session.scalars(select(PaymentAccountRow).order_by(PaymentAccountRow.id))
        return [to_domain(PaymentAccount, r) for r in rows]


def _file(row: BankFileRow) -> BankFile:
    return to_domain(BankFile, row)


class SqlAlchemyBankFileRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, bank_file: BankFile, content: bytes) -> None:
        self.session.add(BankFileRow(**to_columns(bank_file), content=content))
        self.session.flush()

    def get(self, organisation_id: str, file_id: str, *, for_update: bool = False) -> BankFile | None:
        query = select(BankFileRow).where(
            BankFileRow.organisation_id == organisation_id, BankFileRow.id == file_id
        )
        if for_update:
            query = query.with_for_update()
        row = self.session.scalar(query.execution_options(populate_existing=True))
        return None if row is None else _file(row)

    def save(self, bank_file: BankFile, *, status_report: bytes | None = None) -> None:
        values: dict[str, Any] = to_columns(bank_file)
        if status_report is not None:
            values["status_report"] = status_report
        self.session.execute(update(BankFileRow).where(BankFileRow.id == bank_file.id).values(**values))

    def content(self, organisation_id: str, file_id: str) -> bytes | None:
        content: bytes | None = self.session.scalar(
            select(BankFileRow.content).where(
                BankFileRow.organisation_id == organisation_id, BankFileRow.id == file_id
            )
        )
        return content

    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[BankFile]:
        columns = [getattr(BankFileRow, name) for name in _FILE_FIELDS]
        query = select(*columns).where(BankFileRow.organisation_id == organisation_id)
        if after_id is not None:
            query = query.where(BankFileRow.id > after_id)
        rows = self.session.execute(query.order_by(BankFileRow.id).limit(limit))
        return [to_domain(BankFile, r) for r in rows]

    def organisations_due(self, day: date) -> list[str]:
        query = (
            select(PaymentOrderRow.organisation_id)
            .where(
                PaymentOrderRow.status == OrderStatus.APPROVED.value, PaymentOrderRow.execution_date <= day
            )
            .distinct()
            .order_by(PaymentOrderRow.organisation_id)
        )
        return list(self.session.scalars(query))

    def orders_due(self, organisation_id: str, day: date) -> list[PaymentOrder]:
        query = (
            select(PaymentOrderRow)
            .where(
                PaymentOrderRow.organisation_id == organisation_id,
                PaymentOrderRow.status == OrderStatus.APPROVED.value,
                PaymentOrderRow.execution_date <= day,
            )
            .order_by(PaymentOrderRow.id)
            .with_for_update()
        )
        rows = self.session.scalars(query.execution_options(populate_existing=True))
        return [to_domain(PaymentOrder, r) for r in rows]

    def orders_of(self, organisation_id: str, file_id: str) -> list[PaymentOrder]:
        rows = self.session.scalars(
            select(PaymentOrderRow)
            .where(
                PaymentOrderRow.organisation_id == organisation_id, PaymentOrderRow.bank_file_id == file_id
            )
            .order_by(PaymentOrderRow.id)
        )
        return [to_domain(PaymentOrder, r) for r in rows]

    def submitted_orders(self, organisation_id: str, end_to_end_ids: Sequence[str]) -> list[PaymentOrder]:
        if not end_to_end_ids:
            return []
        rows = self.session.scalars(
            select(PaymentOrderRow)
            .where(
                PaymentOrderRow.organisation_id == organisation_id,
                PaymentOrderRow.status == OrderStatus.SUBMITTED.value,
                PaymentOrderRow.end_to_end_id.in_(list(end_to_end_ids)),
            )
            .order_by(PaymentOrderRow.id)
            .with_for_update()
        )
        return [to_domain(PaymentOrder, r) for r in rows]
