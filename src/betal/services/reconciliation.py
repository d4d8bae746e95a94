"""Reconciliation: bank credits matched to payment requests and provider payments, by the engine or by hand.

The issue's item 4, docs/reconciliation.md; the rules are in ``domain.reconciliation``. Every match
records its rule and confidence, posts to the ledger and publishes ``reconciliation.matched``:

- A match to a request records a bank payment (provider ``bank``, method ``fi_card`` when an FI payment
  id was matched, else ``account_to_account``; succeeded, for the amount matched) and settles it with
  ``services.payment.settle_request`` exactly as a provider payment is settled (the request paid or
  partly paid, ``payment_received``, ``payment.succeeded``); then ``bank_receipt`` moves the money from
  the method's clearing account to the bank. Net effect: bank up, receivables down.
- A match to a provider payment (its money arriving from the provider) posts ``bank_receipt`` only.
- A statement of 100,000 lines is reconciled in one transaction: the requests are read and locked in
  chunks, ``settle_request`` runs against them in memory (``_Batch``), and what it changed is written in
  bulk, so the postings and events are those of single payments at a cost of O(N / 1000) queries.

Undoing a match (``reverse_match``) posts reversals of its journal entries, moves its bank payment to
``reversed``, takes the payment back off the request and leaves the entry unmatched again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, cast

from betal.domain import payment as pay
from betal.domain import payment_request as pr
from betal.domain import reconciliation as rec
from betal.domain.banking import Match, MatchState, MatchStatus, StatementEntry, TargetType
from betal.domain.calendar import business_date
from betal.domain.errors import Conflict, InvalidInput, NotFound
from betal.domain.events import NewEvent
from betal.domain.ids import new_id
from betal.domain.ledger import reversal
from betal.domain.matching import digit_tokens, payment_ids_in
from betal.domain.payment import Payment, PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest
from betal.domain.posting import Cleared, bank_receipt
from betal.domain.reconciliation_suggestion import Suggestion, SuggestionIndex, suggest
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork
from betal.services.payment import payment_snapshot, settle_request
from betal.services.payment_confirmation import debit_allocations, execute_order
from betal.services.payment_request import snapshot as request_snapshot

BANK_PROVIDER = "bank"


@dataclass(frozen=True)
class Outcome:
    entries: list[StatementEntry]  # every entry given, as it stands after the run
    matches: list[Match]  # the matches made


def entry_day(entry: StatementEntry, now: datetime) -> date:
    """The date a match is booked on: the bank's booking date, else its value date, else today."""
    return entry.booking_date or entry.value_date or business_date(now)


def match_snapshot(match: Match) -> dict[str, Any]:
    return {
        "id": match.id, "entry_id": match.entry_id, "target_type": match.target_type.value,
        "target_id": match.target_id, "amount": match.amount_minor, "rule": match.rule,
        "confidence": match.confidence, "status": match.status.value, "payment_id": match.payment_id,
    }  # fmt: skip


def entry_snapshot(entry: StatementEntry, matches: Sequence[Match]) -> dict[str, Any]:
    """An entry as ``reconciliation.matched`` and ``reconciliation.unmatched`` carry it."""
    return {
        "id": entry.id, "statement_id": entry.statement_id, "amount": entry.amount_minor,
        "currency": entry.currency,
        "booking_date": None if entry.booking_date is None else entry.booking_date.isoformat(),
        "match_status": entry.match_status.value, "matched_amount": entry.matched_minor,
        "matches": [match_snapshot(m) for m in matches],
    }  # fmt: skip


def pbs_numbers(uow: UnitOfWork, organisation_id: str) -> frozenset[str]:
    agreement = uow.agreements.get(organisation_id, Method.BETALINGSSERVICE)
    number = None if agreement is None else agreement.config.get("pbs_number")
    return frozenset({str(number)}) if number else frozenset()


def load_index(uow: UnitOfWork, organisation_id: str, entries: Sequence[StatementEntry]) -> rec.Index:
    """The open items the entries may pay: one query for requests, one per 1000 payments they name."""
    requests = uow.matches.open_requests(organisation_id, {e.currency for e in entries})
    named = sorted({p for e in entries for p in payment_ids_in(e.end_to_end_id, e.reference, e.remittance)})
    payments = uow.matches.unsettled_payments(organisation_id, named) if named else []
    pbs = pbs_numbers(uow, organisation_id)
    mentioned = any(pbs & digit_tokens(e.reference, e.remittance, e.counterparty_name) for e in entries)
    collections = uow.matches.unsettled_collections(organisation_id) if mentioned else []
    return rec.Index(requests, payments, pbs_numbers=pbs, bs_payments=collections)


class _Requests:
    """``uow.payment_requests`` as ``settle_request`` sees it in a batch: the locked rows, saves kept."""

    def __init__(self, real: Any, locked: Sequence[PaymentRequest]) -> None:
        self._real = real
        self.rows = {r.id: r for r in locked}
        self.changed: dict[str, PaymentRequest] = {}

    def get(
        self, organisation_id: str, request_id: str, *, for_update: bool = False
    ) -> PaymentRequest | None:
        """The row as locked for the batch (every row is locked, ``for_update`` or not)."""
        del for_update
        request = self.rows.get(request_id)
        return request if request is not None and request.organisation_id == organisation_id else None

    def save(self, request: PaymentRequest) -> None:
        self.rows[request.id] = self.changed[request.id] = request

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _Customers:
    def __init__(self, real: Any) -> None:
        self._real = real
        self.accounts: dict[str, str] = {}

    def set_last_payer_account(self, customer_id: str, account: str) -> None:
        self.accounts[customer_id] = account

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _Batch:
    """The unit of work with request reads and writes batched; everything else goes to the real one."""

    def __init__(self, uow: UnitOfWork, organisation_id: str, request_ids: Sequence[str]) -> None:
        self._uow = uow
        self.payment_requests = _Requests(
            uow.payment_requests, uow.matches.lock_requests(organisation_id, request_ids)
        )
        self.customers = _Customers(uow.customers)
        self.payments: list[Payment] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)

    def settle(self, payment: Payment) -> Payment:
        """``settle_request`` for a new bank payment; returns it with what it applied in ``raw``."""
        applied = settle_request(cast(UnitOfWork, self), payment)
        raw = dict(payment.raw or {}) | {"applied_amount": applied.applied_minor,
                                         "overpaid_amount": applied.overpaid_minor}  # fmt: skip
        settled = replace(payment, raw=raw)
        self.payments.append(settled)
        return settled

    def write(self) -> None:
        self._uow.matches.add_payments(self.payments)
        self._uow.matches.save_requests(list(self.payment_requests.changed.values()))
        self._uow.matches.set_payer_accounts(self.customers.accounts)


def _bank_payment(entry: StatementEntry, allocation: rec.Allocation, request: PaymentRequest, match_id: str,
                  now: datetime) -> Payment:  # fmt: skip
    """The payment a bank credit makes to a request. Someone else paying for the customer is not taken
    for the customer's own account (settling a payment remembers its payer account for ``amount_account``)."""
    other = allocation.rule == rec.Rule.REFERENCE_OTHER_PAYER
    return Payment(
        id=new_id("pay"), organisation_id=entry.organisation_id, payment_request_id=request.id,
        customer_id=request.customer_id, method=allocation.method, amount_minor=allocation.amount_minor,
        currency=entry.currency, status=PaymentStatus.SUCCEEDED, provider=BANK_PROVIDER,
        provider_reference=match_id, refunded_minor=0, failure_reason=None,
        payer_account=None if other else entry.counterparty_account, created_at=now, updated_at=now,
        raw={"statement_entry_id": entry.id, "match_id": match_id,
             "payer_account": entry.counterparty_account, "payer_name": entry.counterparty_name},
    )  # fmt: skip


def _new_states(entries: Sequence[StatementEntry], matches: Sequence[Match]) -> list[StatementEntry]:
    added: dict[str, int] = {}
    for m in matches:
        added[m.entry_id] = added.get(m.entry_id, 0) + m.amount_minor
    out = []
    for entry in entries:
        if entry.id not in added:
            out.append(entry)
            continue
        matched = entry.matched_minor + added[entry.id]
        status = MatchStatus.MATCHED if matched >= entry.amount_minor else MatchStatus.PARTIALLY_MATCHED
        out.append(replace(entry, matched_minor=matched, match_status=status))
    return out


def _record_entries(
    uow: UnitOfWork, entries: Sequence[StatementEntry], matches: Sequence[Match], *, new_entries: bool
) -> list[StatementEntry]:
    """The entries with the money matched added; new entries are inserted so, others updated."""
    updated = _new_states(entries, matches)
    if new_entries:
        uow.statement_entries.add_many(updated)
    else:
        matched_ids = {m.entry_id for m in matches}
        changed = [e for e in updated if e.id in matched_ids]
        uow.statement_entries.set_match_states([(e.id, e.match_status, e.matched_minor) for e in changed])
    return updated


def apply_allocations(
    uow: UnitOfWork, organisation_id: str, entries: Sequence[StatementEntry],
    allocations: Sequence[rec.Allocation], *, created_by: str | None, new_entries: bool = False,
) -> Outcome:  # fmt: skip
    """Record, book and announce ``allocations`` of ``entries``; the caller commits.

    ``new_entries``: the entries are not stored yet (an import), and are inserted as they end up.
    """
    now = uow.clock.now()
    by_id = {e.id: e for e in entries}
    to_requests = [a.target_id for a in allocations if a.target_type is TargetType.PAYMENT_REQUEST]
    batch = _Batch(uow, organisation_id, sorted(set(to_requests))) if to_requests else None
    matches: list[Match] = []
    ids = sorted(new_id("mat") for _ in allocations)  # in allocation order, also within a millisecond
    for a, match_id in zip(allocations, ids, strict=True):
        entry, payment_id = by_id[a.entry_id], None
        if a.target_type is TargetType.PAYMENT_REQUEST:
            assert batch is not None
            request = batch.payment_requests.rows[a.target_id]
            payment_id = batch.settle(_bank_payment(entry, a, request, match_id, now)).id
        if a.target_type is TargetType.PAYMENT_ORDER:  # a debit paying a submitted order
            execute_order(uow, organisation_id, a.target_id, match_id, entry_day(entry, now))
        else:
            cleared = [Cleared(a.method, a.cleared_minor or a.amount_minor)]
            uow.post(bank_receipt(organisation_id, match_id, a.amount_minor, entry.currency, cleared,
                                  entry_day(entry, now)))  # fmt: skip
        matches.append(
            Match(match_id, organisation_id, a.entry_id, a.target_type, a.target_id, a.amount_minor, a.rule,
                  a.confidence, MatchState.ACTIVE, payment_id, None, None, created_by, now, None)
        )  # fmt: skip
    if batch is not None:
        batch.write()
    updated = _record_entries(uow, entries, matches, new_entries=new_entries)
    uow.matches.add_many(matches)
    per_entry: dict[str, list[Match]] = {}
    for m in matches:
        per_entry.setdefault(m.entry_id, []).append(m)
    for entry in updated:
        if entry.id in per_entry:
            uow.publish(
                NewEvent(
                    organisation_id, "reconciliation.matched", entry_snapshot(entry, per_entry[entry.id])
                )
            )
    return Outcome(updated, matches)


def auto_match(
    uow: UnitOfWork, organisation_id: str, entries: Sequence[StatementEntry], *, new_entries: bool = False
) -> Outcome:
    """Run the engine over ``entries`` (statement order) and apply what it found (``apply_allocations``)."""
    candidates = [e for e in entries if rec.is_matchable(e)]
    # Runs of one organisation take turns: two statements paying one request at once would otherwise both
    # see it open, and both match it by its exact amount.
    uow.matches.lock_reconciliation(organisation_id)
    allocations = (
        rec.reconcile(candidates, load_index(uow, organisation_id, candidates)) if candidates else []
    )
    allocations += debit_allocations(uow, organisation_id, entries)
    return apply_allocations(
        uow, organisation_id, entries, allocations, created_by=None, new_entries=new_entries
    )


def undo_bank_payment(uow: UnitOfWork, organisation_id: str, payment_id: str, now: datetime) -> None:
    """The bank payment of a reversed match: ``reversed``, and taken back off its request."""
    payment = uow.payments.get(organisation_id, payment_id, for_update=True)
    assert payment is not None
    moved = pay.move(payment, PaymentStatus.REVERSED, now)
    uow.payments.save(moved)
    request = uow.payment_requests.get(organisation_id, payment.payment_request_id, for_update=True)
    assert request is not None
    raw = payment.raw or {}
    applied = int(raw.get("applied_amount", payment.amount_minor))
    overpaid = int(raw.get("overpaid_amount", 0))
    reopened = pr.unapply_payment(request, applied, overpaid, business_date(now), now)
    uow.payment_requests.save(reopened)
    uow.publish(NewEvent(organisation_id, "payment.reversed", payment_snapshot(moved)))
    if reopened.status is not request.status:
        uow.publish(NewEvent(organisation_id, "payment_request.reopened", request_snapshot(reopened)))


def _reverse_journal(uow: UnitOfWork, organisation_id: str, sources: Sequence[tuple[str, str]], day: date,
                     reason: str) -> None:  # fmt: skip
    """Post a reversal of every entry the sources booked that is not a reversal or reversed already."""
    roles = {a.id: a.role for a in uow.ledger.chart(organisation_id, uow.clock.now()) if a.role is not None}
    for source_type, source_id in sources:
        for entry in uow.ledger.for_source(organisation_id, source_type, source_id):
            if entry.reverses_id is None and uow.ledger.reversed_by(organisation_id, entry.id) is None:
                uow.post(reversal(entry, roles, day, reason))


# -- What a person does -------------------------------------------------------------------------------


def _entry(
    uow: UnitOfWork, organisation_id: str, entry_id: str, *, for_update: bool = False
) -> StatementEntry:
    entry = uow.statement_entries.get(organisation_id, entry_id, for_update=for_update)
    if entry is None:
        raise NotFound(f"no statement entry {entry_id}", code="statement_entry.not_found")
    return entry


def _requests(uow: UnitOfWork, organisation_id: str, ids: Sequence[str]) -> list[rec.OpenRequest]:
    found = {r.id: r for r in uow.matches.requests_by_ids(organisation_id, ids)}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise InvalidInput(
            f"no payment request {unknown[0]} in this organisation", field="payment_request_ids"
        )
    return [found[i] for i in ids]


def _payments(uow: UnitOfWork, organisation_id: str, ids: Sequence[str]) -> list[rec.OpenPayment]:
    found = {p.id: p for p in uow.matches.unsettled_payments(organisation_id, ids)}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise InvalidInput(
            f"{unknown[0]} is not a succeeded payment whose money is still on its way", field="payment_ids",
            code="match.payment_not_open",
        )  # fmt: skip
    return [found[i] for i in ids]


def create_match(
    uow: UnitOfWork, principal: Principal, entry_id: str, request_ids: Sequence[str],
    payment_ids: Sequence[str] = (),
) -> Outcome:  # fmt: skip
    """Match an entry by hand: its unmatched money over the requests (oldest first) or the payments.

    More money than they take would overpay (``match.overpay``); nothing is written on any error.
    """
    principal.require(Permission.BOOK)
    org = principal.organisation_id
    uow.matches.lock_reconciliation(org)  # after a concurrent import, the requests as it left them
    entry = _entry(uow, org, entry_id, for_update=True)
    rec.check_matchable_by_hand(entry)
    requests = _requests(uow, org, list(dict.fromkeys(request_ids)))
    payments = _payments(uow, org, list(dict.fromkeys(payment_ids)))
    allocations = rec.manual_allocations(entry, requests, payments)
    outcome = apply_allocations(uow, org, [entry], allocations, created_by=principal.actor_id)
    uow.audit(org, "reconciliation.matched", "statement_entry", entry.id,
              matches=[m.id for m in outcome.matches])  # fmt: skip
    uow.commit()
    return outcome


def reverse_match(uow: UnitOfWork, principal: Principal, match_id: str) -> Match:
    """Undo a match: reversing journal entries, the bank payment reversed, the entry unmatched again.

    A debit that executed a payment order is not undone (``match.order_executed``): the order is final
    once the bank has debited it (DESIGN.md's order states end at ``executed``).
    """
    principal.require(Permission.BOOK)
    org = principal.organisation_id
    match = uow.matches.get(org, match_id, for_update=True)
    if match is None:
        raise NotFound(f"no match {match_id}", code="match.not_found")
    if match.status is MatchState.REVERSED:
        raise Conflict("the match is reversed already", code="match.reversed")
    if match.target_type is TargetType.PAYMENT_ORDER:
        raise Conflict(
            "the debit executed a payment order, which is paid and booked; correct the books with a journal "
            "reversal instead",
            code="match.order_executed",
        )
    entry = _entry(uow, org, match.entry_id, for_update=True)
    now = uow.clock.now()
    sources = [("match", match.id)] + ([("payment", match.payment_id)] if match.payment_id else [])
    _reverse_journal(uow, org, sources, business_date(now), f"afstemning {match.id} fortrudt")
    if match.payment_id is not None:
        undo_bank_payment(uow, org, match.payment_id, now)
    undone = replace(match, status=MatchState.REVERSED, reversed_at=now)
    uow.matches.save(undone)
    matched = max(0, entry.matched_minor - match.amount_minor)
    status = MatchStatus.PARTIALLY_MATCHED if matched else MatchStatus.UNMATCHED
    entry = replace(entry, matched_minor=matched, match_status=status)
    uow.statement_entries.set_match_states([(entry.id, entry.match_status, entry.matched_minor)])
    uow.publish(NewEvent(org, "reconciliation.unmatched", entry_snapshot(entry, [undone])))
    uow.audit(org, "reconciliation.unmatched", "match", match.id, entry_id=entry.id)
    uow.commit()
    return undone


def set_ignored(uow: UnitOfWork, principal: Principal, entry_id: str, ignored: bool) -> StatementEntry:
    """Set an entry aside as not a receivable (a transfer between own accounts, interest), or take it back."""
    principal.require(Permission.BOOK)
    org = principal.organisation_id
    entry = _entry(uow, org, entry_id, for_update=True)
    if ignored and entry.matched_minor > 0:
        raise Conflict("the entry has matches: reverse them first", code="match.entry_matched")
    wanted = MatchStatus.IGNORED if ignored else MatchStatus.UNMATCHED
    if ignored == (entry.match_status is MatchStatus.IGNORED):
        return entry
    changed = replace(entry, match_status=wanted)
    uow.statement_entries.set_match_states([(entry.id, wanted, entry.matched_minor)])
    uow.audit(org, "statement_entry.ignored" if ignored else "statement_entry.included", "statement_entry",
              entry.id)  # fmt: skip
    uow.commit()
    return changed


# -- Reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryDetail:
    entry: StatementEntry
    matches: list[Match]


def get_entry(uow: UnitOfWork, principal: Principal, entry_id: str) -> EntryDetail:
    principal.require(Permission.READ)
    org = principal.organisation_id
    entry = _entry(uow, org, entry_id)
    return EntryDetail(entry, uow.matches.list_page(org, entry_ids=[entry.id], after_id=None, limit=1000))


def get_match(uow: UnitOfWork, principal: Principal, match_id: str) -> Match:
    principal.require(Permission.READ)
    match = uow.matches.get(principal.organisation_id, match_id)
    if match is None:
        raise NotFound(f"no match {match_id}", code="match.not_found")
    return match


def list_matches(
    uow: UnitOfWork, principal: Principal, *, entry_id: str | None, after_id: str | None, limit: int
) -> list[Match]:
    principal.require(Permission.READ)
    entries = None if entry_id is None else [entry_id]
    return uow.matches.list_page(principal.organisation_id, entry_ids=entries, after_id=after_id, limit=limit)


def suggestions_for(uow: UnitOfWork, principal: Principal, entry: StatementEntry) -> list[Suggestion]:
    """Up to three suggestions for one entry (none unless it is a credit a person may still match)."""
    principal.require(Permission.READ)
    if not rec.is_matchable(entry):
        return []
    return suggest(entry, SuggestionIndex(load_index(uow, principal.organisation_id, [entry])))


@dataclass(frozen=True)
class Unmatched:
    entry: StatementEntry
    suggestions: list[Suggestion]


def list_unmatched(
    uow: UnitOfWork, principal: Principal, *, after_id: str | None, limit: int
) -> list[Unmatched]:
    """Entries with money not yet matched, oldest first; each credit with up to three suggestions."""
    principal.require(Permission.READ)
    org = principal.organisation_id
    entries = uow.statement_entries.list_unmatched(org, after_id, limit)
    credits = [e for e in entries if rec.is_matchable(e)]
    lookups = SuggestionIndex(load_index(uow, org, credits)) if credits else None
    return [
        Unmatched(e, suggest(e, lookups) if lookups is not None and rec.is_matchable(e) else [])
        for e in entries
    ]
