"""Schemas for the ledger and its reports (API.md "Money in and books"); amounts are integer minor units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from betal.api.schemas.base import RequestModel
from betal.domain.aging import BUCKETS, AgingReport, AgingRow
from betal.domain.ledger import Account, JournalEntry, Posting
from betal.domain.trial_balance import AccountTotal, TrialBalance, TrialBalanceRow


class AccountRead(BaseModel):
    id: str
    code: str
    name: str
    kind: str = Field(description="asset, liability, equity, income or expense")
    role: str | None = Field(description="what betal posts to it (receivables, bank, sales, ...)")

    @classmethod
    def of(cls, account: Account) -> AccountRead:
        role = None if account.role is None else account.role.value
        return cls(id=account.id, code=account.code, name=account.name, kind=account.kind.value, role=role)


class AccountUpdate(RequestModel):
    name: str = Field(min_length=1, max_length=100)


class PostingRead(BaseModel):
    account_id: str
    account_code: str
    account_name: str
    currency: str
    debit: int = Field(description="minor units; 0 on a credit")
    credit: int = Field(description="minor units; 0 on a debit")
    amount_dkk: int = Field(description="the posting's value in øre, debit positive")

    @classmethod
    def of(cls, posting: Posting, names: Mapping[str, str]) -> PostingRead:
        return cls(
            account_id=posting.account_id, account_code=posting.account_code,
            account_name=names.get(posting.account_id, ""), currency=posting.currency,
            debit=max(posting.amount_minor, 0), credit=max(-posting.amount_minor, 0),
            amount_dkk=posting.base_minor,
        )  # fmt: skip


class JournalEntryRead(BaseModel):
    id: str
    number: int = Field(description="gapless per organisation, in the order entries were posted")
    date: dt.date
    description: str
    source_type: str = Field(description="what caused it: payment_request, payment, charge, match, ...")
    source_id: str
    reverses_id: str | None = Field(description="the entry this one reverses")
    reversed_by_id: str | None = Field(description="the entry that reverses this one")
    created_at: dt.datetime
    postings: list[PostingRead]

    @classmethod
    def of(
        cls, entry: JournalEntry, names: Mapping[str, str], reversed_by: Mapping[str, str]
    ) -> JournalEntryRead:
        return cls(
            id=entry.id, number=entry.number, date=entry.entry_date, description=entry.description,
            source_type=entry.source_type, source_id=entry.source_id, reverses_id=entry.reverses_id,
            reversed_by_id=reversed_by.get(entry.id), created_at=entry.created_at,
            postings=[PostingRead.of(p, names) for p in entry.postings],
        )  # fmt: skip


class ReverseCreate(RequestModel):
    reason: str | None = Field(default=None, max_length=150, description="shown in the reversal's text")


class TrialBalanceLine(BaseModel):
    account_id: str
    account_code: str
    account_name: str
    kind: str
    currency: str
    debit: int
    credit: int
    balance: int = Field(description="debit minus credit, minor units")
    balance_dkk: int

    @classmethod
    def of(cls, row: TrialBalanceRow) -> TrialBalanceLine:
        t = row.total
        return cls(
            account_id=row.account.id, account_code=row.account.code, account_name=row.account.name,
            kind=row.account.kind.value, currency=t.currency, debit=t.debit_minor, credit=t.credit_minor,
            balance=t.balance_minor, balance_dkk=t.base_minor,
        )  # fmt: skip


class CurrencyTotalRead(BaseModel):
    currency: str
    debit: int
    credit: int
    balance: int = Field(description="0 in a balanced ledger")

    @classmethod
    def of(cls, total: AccountTotal) -> CurrencyTotalRead:
        return cls(
            currency=total.currency, debit=total.debit_minor, credit=total.credit_minor,
            balance=total.balance_minor,
        )  # fmt: skip


class TrialBalanceRead(BaseModel):
    date: dt.date
    accounts: list[TrialBalanceLine]
    totals: list[CurrencyTotalRead] = Field(description="per currency: debits equal credits")
    total_dkk: int = Field(description="the DKK value of all postings: 0 in a balanced ledger")
    balanced: bool

    @classmethod
    def of(cls, report: TrialBalance) -> TrialBalanceRead:
        return cls(
            date=report.as_of, accounts=[TrialBalanceLine.of(r) for r in report.rows],
            totals=[CurrencyTotalRead.of(t) for t in report.totals], total_dkk=report.base_minor,
            balanced=report.balanced,
        )  # fmt: skip


class _AgingLine(BaseModel):
    """A row of an aging: one party and currency, or a currency's total (no party).

    Each aging names the party and the count its own way (``customer_id``, ``requests``; ``supplier_id``,
    ``invoices``): a subclass gives those names as serialization aliases.
    """

    model_config = ConfigDict(serialize_by_alias=True)

    party_id: str | None
    party_name: str
    currency: str
    not_due: int
    days_1_30: int
    days_31_60: int
    days_61_90: int
    over_90: int
    total: int
    items: int


class AgingLine(_AgingLine):
    party_id: str | None = Field(serialization_alias="customer_id", description="null on a currency's total")
    party_name: str = Field(serialization_alias="customer_name")
    items: int = Field(serialization_alias="requests", description="open requests counted")


class PayablesAgingLine(_AgingLine):
    party_id: str | None = Field(serialization_alias="supplier_id", description="null on a currency's total")
    party_name: str = Field(serialization_alias="supplier_name")
    items: int = Field(serialization_alias="invoices", description="open supplier invoices counted")


Line = TypeVar("Line", bound=_AgingLine)


def _line(row: AgingRow) -> dict[str, object]:
    amounts = {b.value: row.amounts[b] for b in BUCKETS}
    return {
        "party_id": row.party_id, "party_name": row.party_name, "currency": row.currency,
        "total": row.total_minor, "items": row.items, **amounts,
    }  # fmt: skip


class _AgingRead(BaseModel, Generic[Line]):
    """An aging as of a date; a subclass names the rows' list (``customers``, ``suppliers``)."""

    model_config = ConfigDict(serialize_by_alias=True)

    date: dt.date
    rows: list[Line]
    totals: list[Line] = Field(description="one per currency")

    @classmethod
    def of(cls, report: AgingReport) -> Self:
        rows, totals = [_line(r) for r in report.rows], [_line(t) for t in report.totals]
        return cls.model_validate({"date": report.as_of, "rows": rows, "totals": totals})


class AgingRead(_AgingRead[AgingLine]):
    rows: list[AgingLine] = Field(serialization_alias="customers")


class PayablesAgingRead(_AgingRead[PayablesAgingLine]):
    rows: list[PayablesAgingLine] = Field(serialization_alias="suppliers")
