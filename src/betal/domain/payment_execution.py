"""When approved orders go to the bank, and which bank debit confirms that one was paid.

Spec: the payables issue, item 6 ("at the cut-off, approved orders due that day are batched per debtor
account"; "the camt.053 entry confirms execution"); docs/payables.md "Execution".

- ``cutoff_passed``: files are made on a banking day at or after the account's cut-off (Copenhagen time).
- ``bank_id``: an order's id as the file carries it: ISO 20022 ids allow ``-`` but not ``_``
  (``formats.iso20022.charset.is_latin_id``), so ``pord_01J…`` is written ``pord-01J…``.
- ``match_debits``: the debit rule of reconciliation. A booked debit whose end-to-end id is a submitted
  order's, in the order's currency and for its amount, executes that order (rule ``payment_order``,
  confidence 100). Any other debit is left for a person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time

from betal.domain.banking import Direction, EntryStatus, MatchStatus, StatementEntry, TargetType
from betal.domain.calendar import COPENHAGEN, business_date, is_banking_day
from betal.domain.payment_method import Method
from betal.domain.reconciliation import Allocation

DEBIT_RULE = "payment_order"


def cutoff_passed(now: datetime, cutoff: time) -> bool:
    """True on a Danish banking day from ``cutoff`` (Copenhagen time) until midnight."""
    local = now.astimezone(COPENHAGEN)
    return is_banking_day(business_date(now)) and local.time().replace(tzinfo=None) >= cutoff


def bank_id(order_id: str) -> str:
    """The order's end-to-end id in a bank file."""
    return order_id.replace("_", "-")


@dataclass(frozen=True)
class SubmittedOrder:
    """A submitted order as the debit rule sees it."""

    id: str
    end_to_end_id: str
    amount_minor: int
    currency: str


def is_debit_matchable(entry: StatementEntry) -> bool:
    return (
        entry.direction is Direction.DEBIT
        and entry.status is EntryStatus.BOOKED
        and entry.match_status is MatchStatus.UNMATCHED
        and entry.end_to_end_id is not None
    )


def match_debits(entries: Sequence[StatementEntry], orders: Mapping[str, SubmittedOrder]) -> list[Allocation]:
    """One allocation per debit that pays exactly one submitted order (``orders`` by end-to-end id)."""
    allocations: list[Allocation] = []
    taken: set[str] = set()
    for entry in entries:
        order = orders.get(entry.end_to_end_id or "") if is_debit_matchable(entry) else None
        if order is None or order.id in taken:
            continue
        if (order.amount_minor, order.currency) != (entry.amount_minor, entry.currency):
            continue
        taken.add(order.id)
        allocations.append(
            Allocation(
                entry.id,
                TargetType.PAYMENT_ORDER,
                order.id,
                entry.amount_minor,
                DEBIT_RULE,
                100,
                Method.ACCOUNT_TO_ACCOUNT,
            )
        )
    return allocations
