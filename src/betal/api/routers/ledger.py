"""``/v1/ledger`` (chart of accounts, journal entries, reversal) and ``/v1/reports`` (trial balance, aging).

API.md "Money in and books". Reading needs the read permission, renaming an account and reversing an
entry the bookkeeping one. ``GET /v1/ledger/journal-entries`` answers CSV (one row per posting, streamed)
for ``?format=csv`` or ``Accept: text/csv``; both reports default to today.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from betal.api.deps import ContainerDep, PrincipalDep, UowDep
from betal.api.idempotency import respond, run_idempotent
from betal.api.pagination import CursorQuery, LimitQuery, ListOf, decode_cursor, encode_cursor
from betal.api.schemas.ledger import (
    AccountRead,
    AccountUpdate,
    AgingRead,
    JournalEntryRead,
    PayablesAgingRead,
    ReverseCreate,
    TrialBalanceRead,
)
from betal.domain.errors import InvalidInput
from betal.domain.ledger import Account, JournalEntry
from betal.ports import Actor, JournalFilter, UnitOfWork
from betal.services import aging, ledger

router = APIRouter(prefix="/v1", tags=["ledger"])
DateQuery = Annotated[date | None, Query(description="YYYY-MM-DD; default today")]
SourceQuery = Annotated[str | None, Query(max_length=40)]
FormatQuery = Annotated[str | None, Query(pattern="^(json|csv)$", description="json (default) or csv")]


def _read(uow: UnitOfWork, principal: PrincipalDep, entries: list[JournalEntry]) -> list[JournalEntryRead]:
    """Entries with their accounts' names and what reversed them."""
    names = {a.id: a.name for a in ledger.list_accounts(uow, principal)}
    reversed_by = ledger.reversals(uow, principal, entries)
    return [JournalEntryRead.of(e, names, reversed_by) for e in entries]


def _after(cursor: str | None) -> int | None:
    value = decode_cursor(cursor)
    if value is not None and not value.isdigit():
        raise InvalidInput("is not a cursor from this API", field="cursor")
    return None if value is None else int(value)


@router.get("/ledger/accounts", response_model=ListOf[AccountRead])
def list_accounts(uow: UowDep, principal: PrincipalDep) -> ListOf[AccountRead]:
    accounts = ledger.list_accounts(uow, principal)
    return ListOf[AccountRead](data=[AccountRead.of(a) for a in accounts], next_cursor=None)


def _existing_account(account_id: str, uow: UowDep, principal: PrincipalDep) -> Account:
    """The account the path names; resolved before the body, so another organisation's id is a 404."""
    return ledger.get_account(uow, principal, account_id)


@router.patch("/ledger/accounts/{account_id}", response_model=AccountRead)
def rename_account(
    account: Annotated[Account, Depends(_existing_account)],
    body: AccountUpdate,
    uow: UowDep,
    principal: PrincipalDep,
) -> AccountRead:
    return AccountRead.of(ledger.rename_account(uow, principal, account.id, body.name))


@router.get(
    "/ledger/journal-entries",
    response_model=ListOf[JournalEntryRead],
    responses={200: {"content": {"text/csv": {}}, "description": "entries, or CSV rows per posting"}},
)
def list_journal_entries(
    request: Request,
    uow: UowDep,
    principal: PrincipalDep,
    container: ContainerDep,
    date_from: DateQuery = None,
    date_to: DateQuery = None,
    source_type: SourceQuery = None,
    source_id: SourceQuery = None,
    format: FormatQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Response | ListOf[JournalEntryRead]:
    query = JournalFilter(date_from, date_to, source_type, source_id)
    if format == "csv" or (format is None and "text/csv" in request.headers.get("accept", "")):
        actor = Actor(principal.actor_type, principal.actor_id, None, request.state.request_id)
        chunks = ledger.journal_csv(lambda: container.uow(actor), principal, query)
        filename = f"journal-{ledger.today(uow).isoformat()}.csv"
        return StreamingResponse(
            chunks, media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )  # fmt: skip
    found = ledger.list_entries(uow, principal, query, after_number=_after(cursor), limit=limit + 1)
    next_cursor = encode_cursor(str(found[limit - 1].number)) if len(found) > limit else None
    return ListOf[JournalEntryRead](data=_read(uow, principal, found[:limit]), next_cursor=next_cursor)


@router.get("/ledger/journal-entries/{journal_entry_id}", response_model=JournalEntryRead)
def get_journal_entry(journal_entry_id: str, uow: UowDep, principal: PrincipalDep) -> JournalEntryRead:
    return _read(uow, principal, [ledger.get_entry(uow, principal, journal_entry_id)])[0]


@router.post(
    "/ledger/journal-entries/{journal_entry_id}/reverse", status_code=201, response_model=JournalEntryRead
)
def reverse_journal_entry(
    journal_entry_id: str,
    request: Request,
    uow: UowDep,
    principal: PrincipalDep,
    body: ReverseCreate | None = None,
) -> Response:
    def action() -> tuple[int, object]:
        reversal = ledger.reverse_entry(uow, principal, journal_entry_id, body.reason if body else None)
        return respond(201, _read(uow, principal, [reversal])[0])

    return run_idempotent(request, uow, principal, body, action)


@router.get("/reports/trial-balance", response_model=TrialBalanceRead)
def trial_balance(uow: UowDep, principal: PrincipalDep, date: DateQuery = None) -> TrialBalanceRead:
    return TrialBalanceRead.of(ledger.trial_balance_report(uow, principal, date or ledger.today(uow)))


@router.get("/reports/receivables-aging", response_model=AgingRead)
def receivables_aging(uow: UowDep, principal: PrincipalDep, date: DateQuery = None) -> AgingRead:
    return AgingRead.of(ledger.receivables_aging(uow, principal, date or ledger.today(uow)))


@router.get("/reports/payables-aging", response_model=PayablesAgingRead)
def payables_aging(uow: UowDep, principal: PrincipalDep, date: DateQuery = None) -> PayablesAgingRead:
    return PayablesAgingRead.of(aging.payables_aging(uow, principal, date or ledger.today(uow)))
