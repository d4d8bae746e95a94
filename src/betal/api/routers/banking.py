"""``/v1/bank-statements``, ``/v1/statement-entries`` and ``/v1/reconciliation``: money in, matched.

API.md "Money in and books"; docs/reconciliation.md. ``POST /v1/bank-statements`` takes a camt.053 or
camt.054 file as the body (``application/xml``), streamed to a temporary file while its SHA-256 is taken,
and answers 201 with the statement, the entries added and the matches made, or 200 with the statement
when the same file was imported before (nothing added). A malformed file answers 422 naming the line;
nothing is written. Importing and matching need the ``book`` permission, reading ``read``.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, BinaryIO, cast

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from betal.api.deps import PrincipalDep, UowDep
from betal.api.errors import problem
from betal.api.idempotency import respond, run_idempotent
from betal.api.pagination import CursorQuery, LimitQuery, ListOf, page
from betal.api.schemas.banking import (
    BankStatementDetail,
    BankStatementImportRead,
    BankStatementRead,
    EntrySummary,
    MatchCreate,
    MatchCreated,
    MatchRead,
    StatementEntryDetail,
    StatementEntryRead,
    SuggestionRead,
    UnmatchedEntryRead,
)
from betal.domain.banking import Match
from betal.services import bank_statement as statements
from betal.services import reconciliation

router = APIRouter(prefix="/v1", tags=["money in and books"])
MEDIA_TYPES = frozenset({"application/xml", "text/xml"})
SHOWN = 1000  # entries and matches listed in an import's answer; the rest are a GET away
SPOOL_IN_MEMORY = 1 << 20
_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/xml": {"schema": {"type": "string", "description": "a camt.053 or camt.054 file"}}
    },
}


@dataclass(frozen=True)
class Upload:
    file: BinaryIO
    sha256: str
    media_type: str


async def _upload(request: Request) -> AsyncIterator[Upload]:
    """The body spooled to a temporary file (in memory up to 1 MB) with its SHA-256, read once."""
    digest = hashlib.sha256()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        async for chunk in request.stream():
            digest.update(chunk)
            spool.write(chunk)
        spool.seek(0)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        yield Upload(cast(BinaryIO, spool), digest.hexdigest(), media_type)


def _imported(result: statements.ImportResult) -> BankStatementImportRead:
    return BankStatementImportRead(
        statement=BankStatementRead.of(result.statement), created=result.created,
        entries=[StatementEntryRead.of(e) for e in result.entries[:SHOWN]],
        matches=[MatchRead.of(m) for m in result.matches[:SHOWN]],
        entry_count=len(result.entries), match_count=len(result.matches),
    )  # fmt: skip


@router.post(
    "/bank-statements",
    status_code=201,
    response_model=BankStatementImportRead,
    openapi_extra={"requestBody": _BODY},
    responses={200: {"description": "the same file was imported before"}, 415: {"description": "not XML"}},
)
def import_bank_statement(
    request: Request, uow: UowDep, principal: PrincipalDep, upload: Annotated[Upload, Depends(_upload)]
) -> Response:
    if upload.media_type not in MEDIA_TYPES:
        detail = "send the camt.053 or camt.054 file as application/xml"
        return problem(415, "Unsupported media type", detail, "unsupported_media_type")

    def action() -> tuple[int, object]:
        result = statements.import_statement(uow, principal, upload.file, upload.sha256)
        return respond(201 if result.created else 200, _imported(result))

    return run_idempotent(request, uow, principal, upload.sha256.encode(), action)


@router.get("/bank-statements", response_model=ListOf[BankStatementRead])
def list_bank_statements(
    uow: UowDep, principal: PrincipalDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> ListOf[BankStatementRead]:
    data, next_cursor = page(
        lambda after, n: statements.list_statements(uow, principal, after_id=after, limit=n),
        cursor, limit, BankStatementRead.of, lambda s: s.id,
    )  # fmt: skip
    return ListOf[BankStatementRead](data=data, next_cursor=next_cursor)


@router.get("/bank-statements/{statement_id}", response_model=BankStatementDetail)
def get_bank_statement(statement_id: str, uow: UowDep, principal: PrincipalDep) -> BankStatementDetail:
    detail = statements.get_statement(uow, principal, statement_id)
    summary = EntrySummary(**detail.counts)
    return BankStatementDetail(**BankStatementRead.of(detail.statement).model_dump(), entries=summary)


@router.get("/bank-statements/{statement_id}/entries", response_model=ListOf[StatementEntryRead])
def list_statement_entries(
    statement_id: str,
    uow: UowDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> ListOf[StatementEntryRead]:
    data, next_cursor = page(
        lambda after, n: statements.list_entries(uow, principal, statement_id, after_id=after, limit=n),
        cursor, limit, StatementEntryRead.of, lambda e: e.id,
    )  # fmt: skip
    return ListOf[StatementEntryRead](data=data, next_cursor=next_cursor)


@router.get("/statement-entries/{entry_id}", response_model=StatementEntryDetail)
def get_statement_entry(entry_id: str, uow: UowDep, principal: PrincipalDep) -> StatementEntryDetail:
    detail = reconciliation.get_entry(uow, principal, entry_id)
    matches = [MatchRead.of(m) for m in detail.matches]
    return StatementEntryDetail(**StatementEntryRead.of(detail.entry).model_dump(), matches=matches)


@router.get("/reconciliation/unmatched", response_model=ListOf[UnmatchedEntryRead])
def list_unmatched_entries(
    uow: UowDep, principal: PrincipalDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> ListOf[UnmatchedEntryRead]:
    def render(item: reconciliation.Unmatched) -> UnmatchedEntryRead:
        suggestions = [SuggestionRead.of(s) for s in item.suggestions]
        return UnmatchedEntryRead(**StatementEntryRead.of(item.entry).model_dump(), suggestions=suggestions)

    data, next_cursor = page(
        lambda after, n: reconciliation.list_unmatched(uow, principal, after_id=after, limit=n),
        cursor, limit, render, lambda u: u.entry.id,
    )  # fmt: skip
    return ListOf[UnmatchedEntryRead](data=data, next_cursor=next_cursor)


@router.post("/reconciliation/matches", status_code=201, response_model=MatchCreated)
def create_match(body: MatchCreate, request: Request, uow: UowDep, principal: PrincipalDep) -> Response:
    def action() -> tuple[int, object]:
        outcome = reconciliation.create_match(
            uow, principal, body.entry_id, body.payment_request_ids, body.payment_ids
        )
        created = MatchCreated(
            entry=StatementEntryRead.of(outcome.entries[0]),
            matches=[MatchRead.of(m) for m in outcome.matches],
        )
        return respond(201, created)

    return run_idempotent(request, uow, principal, body, action)


@router.get("/reconciliation/matches", response_model=ListOf[MatchRead])
def list_matches(
    uow: UowDep,
    principal: PrincipalDep,
    entry_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> ListOf[MatchRead]:
    def fetch(after: str | None, n: int) -> list[Match]:
        return reconciliation.list_matches(uow, principal, entry_id=entry_id, after_id=after, limit=n)

    data, next_cursor = page(fetch, cursor, limit, MatchRead.of, lambda m: m.id)
    return ListOf[MatchRead](data=data, next_cursor=next_cursor)


@router.get("/reconciliation/matches/{match_id}", response_model=MatchRead)
def get_match(match_id: str, uow: UowDep, principal: PrincipalDep) -> MatchRead:
    return MatchRead.of(reconciliation.get_match(uow, principal, match_id))


@router.post("/reconciliation/matches/{match_id}/reverse", response_model=MatchRead)
def reverse_match(match_id: str, request: Request, uow: UowDep, principal: PrincipalDep) -> Response:
    return run_idempotent(
        request, uow, principal, None,
        lambda: respond(200, MatchRead.of(reconciliation.reverse_match(uow, principal, match_id))),
    )  # fmt: skip


def _set_ignored(
    entry_id: str, ignored: bool, request: Request, uow: UowDep, principal: PrincipalDep
) -> Response:
    def action() -> tuple[int, object]:
        return respond(
            200, StatementEntryRead.of(reconciliation.set_ignored(uow, principal, entry_id, ignored))
        )

    return run_idempotent(request, uow, principal, None, action)


@router.post("/reconciliation/entries/{entry_id}/ignore", response_model=StatementEntryRead)
def ignore_entry(entry_id: str, request: Request, uow: UowDep, principal: PrincipalDep) -> Response:
    """Set an entry aside: it is not a receivable (a transfer between own accounts, interest, a fee)."""
    return _set_ignored(entry_id, True, request, uow, principal)


@router.post("/reconciliation/entries/{entry_id}/unignore", response_model=StatementEntryRead)
def unignore_entry(entry_id: str, request: Request, uow: UowDep, principal: PrincipalDep) -> Response:
    """Take an ignored entry back into the unmatched queue."""
    return _set_ignored(entry_id, False, request, uow, principal)
