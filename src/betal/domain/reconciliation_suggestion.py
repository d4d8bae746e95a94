"""Ranked suggestions for a bank credit no rule matched, each with a one-line explanation.

docs/reconciliation.md "The unmatched queue". Candidates are open requests the entry names, requests
owing the same or a nearby amount, and requests of customers whose name or account resembles the
payer's; a set of the payer's requests that sums exactly to the entry is a candidate too. Each is scored
out of 100: amount (50 when equal, less the further off, nothing beyond 10 %), payer (30 for a known
account, else name similarity), reference (15 when named, else up to 10 for a similar one) and the due
date (up to 5 within 30 days). Ties go to the oldest request; the order is deterministic.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from functools import cached_property

from betal.domain.banking import StatementEntry
from betal.domain.matching import (
    account_key,
    name_key,
    name_similarity,
    name_tokens,
    reference_key,
    smallest_exact_subset,
    text_tokens,
)
from betal.domain.money import Money
from betal.domain.reconciliation import MAX_SUBSET_POOL, Index, OpenRequest

MIN_SCORE = 20
PER_SOURCE = 20  # candidates taken from each source (same amount, nearby amounts, similar payers)
NEAR_PERCENT = 10
LIKELY_PAYER = 24  # payer score (of 30) from which a set of the payer's requests is suggested
NAME_TOKEN = 3  # name words shorter than this do not find customers (initials, "og", "co")


@dataclass(frozen=True, slots=True)
class Suggestion:
    payment_request_ids: tuple[str, ...]
    amount_minor: int  # what the requests owe together
    currency: str
    score: int  # 0-100
    explanation: str


class SuggestionIndex:
    """The extra lookups suggestions need over a reconciliation ``Index``, built on first use."""

    def __init__(self, index: Index) -> None:
        self.index = index

    @cached_property
    def ladder(self) -> dict[str, list[tuple[int, str]]]:
        """Per currency, (outstanding, id) of every open request, by amount."""
        out: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for request_id, owed in self.index.remaining.items():
            if owed > 0:
                out[self.index.requests[request_id].currency].append((owed, request_id))
        for rows in out.values():
            rows.sort()
        return out

    @cached_property
    def by_token(self) -> dict[str, list[str]]:
        """Customers by each word of their name."""
        out: dict[str, list[str]] = defaultdict(list)
        for customer_id, ids in self.index.by_customer.items():
            for token in set(name_tokens(self.index.requests[ids[0]].customer_name)):
                if len(token) >= NAME_TOKEN:
                    out[token].append(customer_id)
        return out

    def near(self, amount: int, currency: str) -> list[str]:
        """Up to ``PER_SOURCE`` requests owing within ``NEAR_PERCENT`` of ``amount``, nearest first."""
        rows = self.ladder.get(currency, [])
        low, high = bisect_left(rows, (amount, "")) - 1, bisect_left(rows, (amount, ""))
        out: list[str] = []
        while len(out) < PER_SOURCE and (low >= 0 or high < len(rows)):
            below = amount - rows[low][0] if low >= 0 else None
            above = rows[high][0] - amount if high < len(rows) else None
            if above is None or (below is not None and below <= above):
                diff, request_id, low = below, rows[low][1], low - 1
            else:
                diff, request_id, high = above, rows[high][1], high + 1
            if diff is None or diff * 100 > amount * NEAR_PERCENT:
                break
            out.append(request_id)
        return out

    def similar_customers(self, entry: StatementEntry) -> list[str]:
        """Customers sharing an account or a name word with the payer, most words shared first."""
        shared: dict[str, int] = defaultdict(int)
        account = account_key(entry.counterparty_account)
        for customer_id in self.index.by_account.get(account or "", []):
            shared[customer_id] += 10
        for token in set(name_tokens(entry.counterparty_name)):
            for customer_id in self.by_token.get(token, [])[: PER_SOURCE * 5]:
                shared[customer_id] += 1
        ranked = sorted(shared, key=lambda c: (-shared[c], self.index.by_customer[c][0]))
        return ranked[:PER_SOURCE]


def _money(minor: int, currency: str) -> str:
    return Money(minor, currency).format()


def _amount_part(amount: int, owed: int, currency: str) -> tuple[int, str | None]:
    if amount == owed:
        return 50, f"same amount {_money(amount, currency)}"
    diff = abs(amount - owed)
    if diff * 100 > owed * NEAR_PERCENT:
        return 0, None
    way = "less" if amount < owed else "more"
    text = (
        f"{_money(amount, currency)} is {_money(diff, currency)} {way} than the {_money(owed, currency)} owed"
    )
    return max(0, 40 - 400 * diff // owed), text


def _payer_part(entry: StatementEntry, request: OpenRequest) -> tuple[int, str | None]:
    account = account_key(entry.counterparty_account)
    if account and account in {account_key(a) for a in request.payer_accounts}:
        return 30, f"paid from {request.customer_name}'s known account"
    similarity = name_similarity(entry.counterparty_name, request.customer_name)
    if similarity < 0.5:
        return 0, None
    verb = "is" if name_key(entry.counterparty_name) == name_key(request.customer_name) else "resembles"
    return round(
        30 * similarity
    ), f"payer '{entry.counterparty_name}' {verb} customer '{request.customer_name}'"


def _reference_part(entry: StatementEntry, request: OpenRequest, named: set[str]) -> tuple[int, str | None]:
    if request.id in named:
        return 15, "the payment names this request"
    wanted = reference_key(request.reference)
    if not wanted:
        return 0, None
    given = [reference_key(entry.reference), *text_tokens(entry.remittance)]
    best = max((SequenceMatcher(None, g, wanted).ratio(), g) for g in given if g) if any(given) else (0.0, "")
    if best[0] < 0.7:
        return 0, None
    return round(10 * best[0]), f"reference '{best[1]}' resembles '{request.reference}'"


def _date_part(entry: StatementEntry, request: OpenRequest) -> tuple[int, str | None]:
    if entry.booking_date is None:
        return 0, None
    days = (entry.booking_date - request.due_date).days
    if abs(days) > 30:
        return 0, None
    points = round(5 * (1 - abs(days) / 30))
    if days == 0:
        return points, "paid on the due date"
    if abs(days) > 7:
        return points, None
    unit = "day" if abs(days) == 1 else "days"
    return points, f"paid {abs(days)} {unit} {'after' if days > 0 else 'before'} the due date"


def _explain(parts: list[str]) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def _score(entry: StatementEntry, index: Index, request_id: str, named: set[str]) -> Suggestion:
    request, owed = index.requests[request_id], index.remaining[request_id]
    scored = [
        _amount_part(entry.unmatched_minor, owed, entry.currency), _payer_part(entry, request),
        _reference_part(entry, request, named), _date_part(entry, request),
    ]  # fmt: skip
    parts = [text for _, text in scored if text]
    return Suggestion((request_id,), owed, entry.currency, sum(p for p, _ in scored), _explain(parts))


def _subset(entry: StatementEntry, index: Index, customers: list[str]) -> Suggestion | None:
    """The likely payer's requests that together owe exactly the entry (the fewest, then the oldest)."""
    if not customers:
        return None
    pool = index.customer_requests(customers[:1], entry.currency)[:MAX_SUBSET_POOL]
    payer, payer_text = _payer_part(entry, index.requests[pool[0]]) if pool else (0, None)
    if payer < LIKELY_PAYER:
        return None
    picked = smallest_exact_subset([index.remaining[r] for r in pool], entry.unmatched_minor)
    if picked is None:
        return None
    ids = tuple(pool[i] for i in picked)
    amounts = " + ".join(_money(index.remaining[r], entry.currency) for r in ids)
    name = index.requests[ids[0]].customer_name
    text = _explain([f"pays {len(ids)} requests of '{name}' exactly ({amounts})", str(payer_text)])
    return Suggestion(ids, entry.unmatched_minor, entry.currency, 50 + payer, text)


def suggest(entry: StatementEntry, lookups: SuggestionIndex, limit: int = 3) -> list[Suggestion]:
    """The best ``limit`` candidates for ``entry`` scoring at least ``MIN_SCORE``, best first."""
    index = lookups.index
    named, _ = index.referenced(entry)
    customers = lookups.similar_customers(entry)
    by_customer = [r for c in customers for r in index.customer_requests([c], entry.currency)[:10]]
    near = lookups.near(entry.unmatched_minor, entry.currency)
    candidates = index.open_ids([*named, *near, *by_customer], entry.currency)
    found = [_score(entry, index, r, set(named)) for r in candidates]
    subset = _subset(entry, index, customers)
    if subset is not None:
        found.append(subset)

    def rank(s: Suggestion) -> tuple[int, datetime, str, int]:
        oldest = index.requests[s.payment_request_ids[0]]
        return -s.score, oldest.created_at, oldest.id, len(s.payment_request_ids)

    return sorted((s for s in found if s.score >= MIN_SCORE), key=rank)[:limit]
