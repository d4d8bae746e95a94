"""The reconciliation engine: which open items a bank credit pays, by rules tried in order.

The issue's item 4 and docs/reconciliation.md. The engine is pure: a service loads the organisation's
open items once per run into an ``Index`` and hands it the entries; the engine answers with
``Allocation`` values (entry, target, amount, rule, confidence) and never does I/O. Rules, first that
applies wins:

1. ``reference`` (100): the entry names open requests by FI payment id, by the request's reference or
   by its id. One request: the exact amount is ``reference`` (``reference_other_payer``, 95, when the
   payer's account or name is not the billed customer's), less is ``reference_partial``, more is
   ``reference_overpaid`` (the request is paid, the excess is the customer's credit). Several requests:
   the money goes to the oldest first.
2. ``end_to_end`` (100): the entry names succeeded betal payments (account-to-account payments carry
   their id as end-to-end id; a provider payout names the payments it pays out) not yet seen on the
   bank; the money settles them, and what the provider kept (at most ``MAX_FEE_PERCENT``) is a fee.
   Betalingsservice collections carry their payment id the same way (rule ``betalingsservice``).
3. ``betalingsservice`` (90): the entry names the organisation's PBS number and brings exactly what
   the settled, not yet banked Betalingsservice collections add up to (all of them, or one day's).
4. ``amount_account`` (90) / ``amount_name`` (80): exactly one open request of the payer (known by the
   account they paid from before, or by the normalised name) owes exactly the amount. Several: none.
5. ``several_requests`` (85): the fewest (2 to 5) of the payer's open requests whose outstanding
   amounts sum exactly to the entry; among equally few, the oldest (``matching.smallest_exact_subset``).

What no rule takes stays unmatched; ``reconciliation_suggestion.suggest`` ranks candidates for a
person to accept. Manual matches (``manual_allocations``) spread the entry over the chosen requests,
oldest first, and refuse to overpay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from betal.domain.banking import Direction, EntryStatus, MatchStatus, StatementEntry, TargetType
from betal.domain.errors import Conflict, InvalidInput
from betal.domain.matching import (
    MIN_TEXT_TOKEN,
    account_key,
    digit_tokens,
    fi_ids_in,
    fi_key,
    name_key,
    name_similarity,
    payment_ids_in,
    reference_key,
    request_ids_in,
    smallest_exact_subset,
    spread,
    text_tokens,
)
from betal.domain.money import Money
from betal.domain.payment_method import Method

MAX_FEE_PERCENT = 10  # a payout more than this much below what it settles is not taken for one
MAX_SUBSET_POOL = 30  # the payer's oldest open requests searched for a set that sums to the entry
SAME_PAYER = 0.6  # name similarity from which the payer is taken for the billed customer


class Rule(StrEnum):
    REFERENCE = "reference"
    REFERENCE_OTHER_PAYER = "reference_other_payer"
    REFERENCE_PARTIAL = "reference_partial"
    REFERENCE_OVERPAID = "reference_overpaid"
    END_TO_END = "end_to_end"
    BETALINGSSERVICE = "betalingsservice"
    AMOUNT_ACCOUNT = "amount_account"
    AMOUNT_NAME = "amount_name"
    SEVERAL_REQUESTS = "several_requests"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """A payable request as reconciliation sees it (one row of one query per run)."""

    id: str
    customer_id: str
    customer_name: str
    payer_accounts: tuple[str, ...]  # accounts the customer paid from before
    outstanding_minor: int
    currency: str
    due_date: date
    created_at: datetime
    fi_payment_id: str | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class OpenPayment:
    """A succeeded provider payment whose money has not yet been seen arriving on the bank account."""

    id: str
    method: Method
    amount_minor: int
    currency: str
    settled_on: date | None = None  # when the provider reported it paid (Betalingsservice lump sums)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of an entry's money given to one target by one rule."""

    entry_id: str
    target_type: TargetType
    target_id: str
    amount_minor: int
    rule: str
    confidence: int
    method: Method  # how the money came: FI slip or transfer for requests, the payment's own method
    cleared_minor: int = 0  # a settlement: what the payment holds on its clearing account (>= amount)


def _age(request: OpenRequest) -> tuple[datetime, str]:
    return request.created_at, request.id


class Index:
    """One organisation's open items, indexed once per run; allocating lowers ``remaining`` as it goes."""

    def __init__(
        self,
        requests: Iterable[OpenRequest],
        payments: Iterable[OpenPayment] = (),
        *,
        pbs_numbers: Iterable[str] = (),
        bs_payments: Iterable[OpenPayment] = (),
    ) -> None:
        ordered = sorted(requests, key=_age)
        self.requests = {r.id: r for r in ordered}
        self.remaining = {r.id: r.outstanding_minor for r in ordered}
        self.by_fi: dict[str, list[str]] = defaultdict(list)
        self.by_ref: dict[str, list[str]] = defaultdict(list)
        self.by_customer: dict[str, list[str]] = defaultdict(list)
        self.by_account: dict[str, list[str]] = defaultdict(list)
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for r in ordered:
            self._add(r)
        self.bs_payments = sorted(bs_payments, key=lambda p: (p.settled_on or date.min, p.id))
        self.payments = {p.id: p for p in [*payments, *self.bs_payments]}
        self.pbs_numbers = frozenset(pbs_numbers)
        self.settled: set[str] = set()

    def _add(self, request: OpenRequest) -> None:
        key = fi_key(request.fi_payment_id or "")
        if key is not None:
            self.by_fi[key].append(request.id)
        if request.reference and reference_key(request.reference):
            self.by_ref[reference_key(request.reference)].append(request.id)
        first_of_customer = request.customer_id not in self.by_customer
        self.by_customer[request.customer_id].append(request.id)
        if first_of_customer:
            for account in {account_key(a) for a in request.payer_accounts} - {None}:
                self.by_account[str(account)].append(request.customer_id)
            if name := name_key(request.customer_name):
                self.by_name[name].append(request.customer_id)

    def open_ids(self, ids: Iterable[str], currency: str) -> list[str]:
        """The distinct ids still owing something in ``currency``, oldest first."""
        found = {i for i in ids if self.remaining.get(i, 0) > 0 and self.requests[i].currency == currency}
        return sorted(found, key=lambda i: _age(self.requests[i]))

    def customer_requests(self, customers: Iterable[str], currency: str) -> list[str]:
        return self.open_ids((r for c in customers for r in self.by_customer.get(c, ())), currency)

    def referenced(self, entry: StatementEntry) -> tuple[list[str], set[str]]:
        """Open requests the entry names (FI id, reference, request id), and those named by FI id."""
        by_fi = {
            r for key in fi_ids_in(entry.reference, entry.remittance) for r in _only(self.by_fi.get(key))
        }
        keys = {reference_key(entry.reference), reference_key(entry.end_to_end_id)} - {""}
        keys |= {t for t in text_tokens(entry.remittance) if len(t) >= MIN_TEXT_TOKEN}
        by_ref = {r for key in keys for r in _only(self.by_ref.get(key))}
        named = set(request_ids_in(entry.end_to_end_id, entry.reference, entry.remittance))
        hits = self.open_ids(by_fi | by_ref | (named & self.requests.keys()), entry.currency)
        return hits, by_fi & set(hits)

    def same_payer(self, entry: StatementEntry, request_id: str) -> bool:
        """Whether the entry's payer is the billed customer, as far as the statement tells."""
        request = self.requests[request_id]
        evidence = False
        account = account_key(entry.counterparty_account)
        known = {account_key(a) for a in request.payer_accounts} - {None}
        if account and known:
            if account in known:
                return True
            evidence = True
        if entry.counterparty_name:
            if name_similarity(entry.counterparty_name, request.customer_name) >= SAME_PAYER:
                return True
            evidence = True
        return not evidence

    def unsettled(self, payment_ids: Iterable[str], currency: str) -> list[OpenPayment]:
        return [
            self.payments[p]
            for p in payment_ids
            if p in self.payments and p not in self.settled and self.payments[p].currency == currency
        ]

    def take(self, allocations: Iterable[Allocation]) -> None:
        for a in allocations:
            if a.target_type is TargetType.PAYMENT:
                self.settled.add(a.target_id)
            else:
                self.remaining[a.target_id] = max(0, self.remaining[a.target_id] - a.amount_minor)


def _only(ids: list[str] | None) -> list[str]:
    """A key that names several open requests names none of them for sure."""
    return ids if ids is not None and len(ids) == 1 else []


def is_matchable(entry: StatementEntry) -> bool:
    """Booked money in that is not yet (fully) matched or set aside."""
    return (
        entry.direction is Direction.CREDIT
        and entry.status is EntryStatus.BOOKED
        and entry.match_status in (MatchStatus.UNMATCHED, MatchStatus.PARTIALLY_MATCHED)
        and entry.unmatched_minor > 0
    )


Outcome = list[Allocation] | None  # None: the rule does not apply; []: decided, leave it unmatched


def _to_request(entry: StatementEntry, request_id: str, amount: int, rule: Rule, confidence: int,
                method: Method = Method.ACCOUNT_TO_ACCOUNT) -> Allocation:  # fmt: skip
    return Allocation(
        entry.id, TargetType.PAYMENT_REQUEST, request_id, amount, rule.value, confidence, method
    )


def _single_reference_rule(amount: int, owed: int, same_payer: bool) -> tuple[Rule, int]:
    if amount == owed:
        return (Rule.REFERENCE, 100) if same_payer else (Rule.REFERENCE_OTHER_PAYER, 95)
    return (Rule.REFERENCE_PARTIAL, 100) if amount < owed else (Rule.REFERENCE_OVERPAID, 100)


def _by_reference(entry: StatementEntry, index: Index) -> Outcome:
    hits, by_fi = index.referenced(entry)
    if not hits:
        return None
    amount = entry.unmatched_minor
    out: list[Allocation] = []
    for position, request_id in enumerate(hits):
        owed, last = index.remaining[request_id], position == len(hits) - 1
        take = amount if last and amount > owed else min(amount, owed)
        if take == 0:
            break
        if len(hits) == 1:
            rule, confidence = _single_reference_rule(take, owed, index.same_payer(entry, request_id))
        else:
            rule, confidence = _single_reference_rule(take, owed, True)
        method = Method.FI_CARD if request_id in by_fi else Method.ACCOUNT_TO_ACCOUNT
        out.append(_to_request(entry, request_id, take, rule, confidence, method))
        amount -= take
    return out


def _settlement(entry: StatementEntry, payments: Sequence[OpenPayment], confidence: int) -> Outcome:
    """The entry pays out ``payments`` (net of a fee of at most ``MAX_FEE_PERCENT``), or None."""
    total, amount = sum(p.amount_minor for p in payments), entry.unmatched_minor
    if amount > total or (total - amount) * 100 > total * MAX_FEE_PERCENT:
        return None
    bs = all(p.method is Method.BETALINGSSERVICE for p in payments)
    rule = Rule.BETALINGSSERVICE if bs else Rule.END_TO_END
    shares = spread(amount, [p.amount_minor for p in payments])
    return [
        Allocation(
            entry.id, TargetType.PAYMENT, p.id, share, rule.value, confidence, p.method, p.amount_minor
        )
        for p, share in zip(payments, shares, strict=True)
    ]


def _by_payment(entry: StatementEntry, index: Index) -> Outcome:
    named = payment_ids_in(entry.end_to_end_id, entry.reference, entry.remittance)
    payments = index.unsettled(named, entry.currency)
    return _settlement(entry, payments, 100) if payments else None


def _by_pbs_number(entry: StatementEntry, index: Index) -> Outcome:
    if not index.pbs_numbers & digit_tokens(entry.reference, entry.remittance, entry.counterparty_name):
        return None
    day = entry.booking_date or date.max
    pool = [
        p for p in index.unsettled((p.id for p in index.bs_payments), entry.currency)
        if p.settled_on is None or p.settled_on <= day
    ]  # fmt: skip
    groups: dict[date | None, list[OpenPayment]] = defaultdict(list)
    for p in pool:
        groups[p.settled_on].append(p)
    for candidates in (pool, *groups.values()):
        if candidates and sum(p.amount_minor for p in candidates) == entry.unmatched_minor:
            return _settlement(entry, candidates, 90)
    return None


def _payer_customers(entry: StatementEntry, index: Index) -> list[tuple[list[str], bool]]:
    """Customers the payer may be: by account (True), then by normalised name (False)."""
    out: list[tuple[list[str], bool]] = []
    account = account_key(entry.counterparty_account)
    if account and index.by_account.get(account):
        out.append((index.by_account[account], True))
    name = name_key(entry.counterparty_name)
    if name and index.by_name.get(name):
        out.append((index.by_name[name], False))
    return out


def _by_amount(entry: StatementEntry, index: Index) -> Outcome:
    amount = entry.unmatched_minor
    for customers, by_account in _payer_customers(entry, index):
        hits = [r for r in index.customer_requests(customers, entry.currency) if index.remaining[r] == amount]
        if len(hits) > 1:
            return []  # several requests owe exactly this: a person decides
        if hits:
            rule, confidence = (Rule.AMOUNT_ACCOUNT, 90) if by_account else (Rule.AMOUNT_NAME, 80)
            return [_to_request(entry, hits[0], amount, rule, confidence)]
    return None


def _by_subset(entry: StatementEntry, index: Index) -> Outcome:
    for customers, by_account in _payer_customers(entry, index):
        if not by_account and len(customers) > 1:
            continue  # two customers of the same name: the name does not say whose requests
        pool = index.customer_requests(customers, entry.currency)[:MAX_SUBSET_POOL]
        picked = smallest_exact_subset([index.remaining[r] for r in pool], entry.unmatched_minor)
        if picked is not None:
            return [
                _to_request(entry, pool[i], index.remaining[pool[i]], Rule.SEVERAL_REQUESTS, 85)
                for i in picked
            ]
    return None


RULES: tuple[Callable[[StatementEntry, Index], Outcome], ...] = (
    _by_reference, _by_payment, _by_pbs_number, _by_amount, _by_subset,
)  # fmt: skip


def match_entry(entry: StatementEntry, index: Index) -> list[Allocation]:
    """The allocations of the first rule that decides about ``entry``; the index takes them at once."""
    if not is_matchable(entry):
        return []
    for rule in RULES:
        found = rule(entry, index)
        if found is not None:
            index.take(found)
            return found
    return []


def reconcile(entries: Iterable[StatementEntry], index: Index) -> list[Allocation]:
    """Every entry in the order given, each against what the ones before it left open."""
    return [a for entry in entries for a in match_entry(entry, index)]


def check_matchable_by_hand(entry: StatementEntry) -> None:
    """Why a person may not match this entry (now), as an error; nothing when they may."""
    if entry.direction is not Direction.CREDIT:
        raise InvalidInput(
            "money out is matched to payment orders, not to payment requests", field="entry_id",
            code="match.not_credit",
        )  # fmt: skip
    if entry.status is not EntryStatus.BOOKED:
        raise InvalidInput(
            "the bank has not booked this entry yet", field="entry_id", code="match.not_booked"
        )
    if entry.match_status is MatchStatus.IGNORED:
        raise Conflict("the entry is set aside as not a receivable; include it again first",
                       code="match.entry_ignored")  # fmt: skip
    if entry.unmatched_minor <= 0:
        raise Conflict("the entry is fully matched already", code="match.entry_matched")


def _overpay(entry: StatementEntry, owed: int, what: str) -> InvalidInput:
    brings = Money(entry.unmatched_minor, entry.currency).format()
    return InvalidInput(
        f"the entry brings {brings} but the {what} {Money(owed, entry.currency).format()}: "
        "matching would overpay", field="payment_request_ids", code="match.overpay",
    )  # fmt: skip


def _same_currency(entry: StatementEntry, currencies: Iterable[str]) -> None:
    others = sorted({c for c in currencies if c != entry.currency})
    if others:
        raise InvalidInput(
            f"the entry is in {entry.currency}, not {', '.join(others)}", field="payment_request_ids",
            code="match.currency",
        )  # fmt: skip


def manual_allocations(
    entry: StatementEntry, requests: Sequence[OpenRequest], payments: Sequence[OpenPayment] = ()
) -> list[Allocation]:
    """A person's match: the entry's unmatched money over ``requests`` oldest first, or settling
    ``payments``. More money than they take would overpay: an error, nothing allocated."""
    check_matchable_by_hand(entry)
    if bool(requests) == bool(payments):
        raise InvalidInput("name payment requests or payments (not both)", field="payment_request_ids")
    _same_currency(entry, [r.currency for r in requests] + [p.currency for p in payments])
    if payments:
        total = sum(p.amount_minor for p in payments)
        if entry.unmatched_minor > total:
            raise _overpay(entry, total, "payments hold")
        shares = spread(entry.unmatched_minor, [p.amount_minor for p in payments])
        return [
            Allocation(
                entry.id, TargetType.PAYMENT, p.id, share, Rule.MANUAL.value, 100, p.method, p.amount_minor
            )
            for p, share in zip(payments, shares, strict=True)
        ]
    closed = [r.id for r in requests if r.outstanding_minor <= 0]
    if closed:
        raise InvalidInput(f"nothing is owed on {', '.join(closed)}", field="payment_request_ids",
                           code="match.not_payable")  # fmt: skip
    owed = sum(r.outstanding_minor for r in requests)
    if entry.unmatched_minor > owed:
        raise _overpay(entry, owed, "requests owe")
    fi = set(fi_ids_in(entry.reference, entry.remittance))
    left, out = entry.unmatched_minor, []
    for r in sorted(requests, key=_age):
        take = min(left, r.outstanding_minor)
        if take:
            method = Method.FI_CARD if fi_key(r.fi_payment_id or "") in fi else Method.ACCOUNT_TO_ACCOUNT
            out.append(_to_request(entry, r.id, take, Rule.MANUAL, 100, method))
        left -= take
    return out
