"""Schemas for bank statements, their entries, matches and the unmatched queue (API.md "Money in and books").

Amounts are integers in minor units of the entry's currency, as everywhere in the API.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from betal.api.schemas.base import RequestModel, ResponseModel
from betal.domain.banking import BankStatement, Match, StatementEntry
from betal.domain.reconciliation_suggestion import Suggestion

IdList = list[str]


class BankStatementRead(ResponseModel):
    id: str
    kind: str = Field(description="camt.053 or camt.054")
    version: str = Field(examples=["camt.053.001.08"])
    message_id: str
    statement_ref: str
    account: str
    currency: str | None
    from_date: dt.date | None
    to_date: dt.date | None
    opening_balance: int | None = Field(validation_alias="opening_balance_minor")
    closing_balance: int | None = Field(validation_alias="closing_balance_minor")
    file_sha256: str
    entry_count: int = Field(description="entries added by this file")
    duplicate_count: int = Field(description="entries of the file the account had already")
    created_at: dt.datetime

    @classmethod
    def of(cls, statement: BankStatement) -> BankStatementRead:
        return cls.model_validate(statement)


class EntrySummary(ResponseModel):
    unmatched: int
    partial: int
    matched: int
    ignored: int


class BankStatementDetail(BankStatementRead):
    entries: EntrySummary = Field(description="the statement's entries per match status")


class StatementEntryRead(ResponseModel):
    id: str
    statement_id: str
    account: str
    sequence: int
    direction: str = Field(description="credit (money in) or debit (money out)")
    amount: int = Field(validation_alias="amount_minor", description="positive; direction says which way")
    currency: str
    status: str = Field(description="booked, pending or info")
    booking_date: dt.date | None
    value_date: dt.date | None
    end_to_end_id: str | None
    reference: str | None
    remittance: str | None
    counterparty_name: str | None
    counterparty_account: str | None
    bank_reference: str | None
    bank_transaction_code: str | None
    match_status: str = Field(description="unmatched, partial, matched or ignored")
    matched_amount: int = Field(validation_alias="matched_minor")
    created_at: dt.datetime

    @classmethod
    def of(cls, entry: StatementEntry) -> StatementEntryRead:
        return cls.model_validate(entry)


class MatchRead(ResponseModel):
    id: str
    entry_id: str
    target_type: str = Field(
        description="payment_request, or payment (a provider payment settled to the bank)"
    )
    target_id: str
    amount: int = Field(validation_alias="amount_minor", description="the part of the entry's money matched")
    rule: str = Field(description="the rule that matched, e.g. reference, amount_account, manual")
    confidence: int = Field(description="0-100")
    status: str = Field(description="active or reversed")
    payment_id: str | None = Field(description="the bank payment recorded for a matched request")
    created_by: str | None = Field(description="who matched it by hand; none: the engine")
    created_at: dt.datetime
    reversed_at: dt.datetime | None

    @classmethod
    def of(cls, match: Match) -> MatchRead:
        return cls.model_validate(match)


class StatementEntryDetail(StatementEntryRead):
    matches: list[MatchRead]


class SuggestionRead(ResponseModel):
    payment_request_ids: list[str]
    amount: int = Field(description="what the requests owe together")
    currency: str
    score: int = Field(description="0-100; higher is likelier")
    explanation: str

    @classmethod
    def of(cls, suggestion: Suggestion) -> SuggestionRead:
        return cls(
            payment_request_ids=list(suggestion.payment_request_ids), amount=suggestion.amount_minor,
            currency=suggestion.currency, score=suggestion.score, explanation=suggestion.explanation,
        )  # fmt: skip


class UnmatchedEntryRead(StatementEntryRead):
    suggestions: list[SuggestionRead] = Field(description="at most three, best first")


class BankStatementImportRead(ResponseModel):
    statement: BankStatementRead
    created: bool = Field(description="false: this file was imported before and nothing was added")
    entries: list[StatementEntryRead] = Field(description="the entries added (the first 1000)")
    matches: list[MatchRead] = Field(description="the matches made (the first 1000)")
    entry_count: int
    match_count: int


class MatchCreate(RequestModel):
    entry_id: str = Field(min_length=1, max_length=40)
    payment_request_ids: IdList = Field(
        default_factory=list, max_length=50, description="requests to pay, oldest first"
    )
    payment_ids: IdList = Field(
        default_factory=list, max_length=500, description="or: provider payments this credit settles"
    )


class MatchCreated(ResponseModel):
    entry: StatementEntryRead
    matches: list[MatchRead]
