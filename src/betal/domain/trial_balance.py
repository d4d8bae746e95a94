"""The trial balance ("saldobalance"): every account's debits, credits and balance as of a date.

Rows are per account and currency, because amounts in different currencies are never added; each row
also carries its value in DKK. Since every journal entry balances in each currency and in DKK, a sound
ledger's totals are zero per currency and in DKK; ``balanced`` says whether they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from betal.domain.ledger import Account


@dataclass(frozen=True)
class AccountTotal:
    """What the postings to one account in one currency add up to (credits as a positive number)."""

    account_id: str
    currency: str
    debit_minor: int
    credit_minor: int
    base_minor: int  # the net value in DKK

    @property
    def balance_minor(self) -> int:
        return self.debit_minor - self.credit_minor


@dataclass(frozen=True)
class TrialBalanceRow:
    account: Account
    total: AccountTotal


@dataclass(frozen=True)
class TrialBalance:
    as_of: date
    rows: tuple[TrialBalanceRow, ...]  # by account code, then currency
    totals: tuple[AccountTotal, ...]  # one per currency, account_id ""

    @property
    def base_minor(self) -> int:
        return sum(t.base_minor for t in self.totals)

    @property
    def balanced(self) -> bool:
        return self.base_minor == 0 and all(t.balance_minor == 0 for t in self.totals)


def trial_balance(as_of: date, accounts: Iterable[Account], sums: Iterable[AccountTotal]) -> TrialBalance:
    """The trial balance from the chart and the per-account sums; accounts with no postings are left out."""
    by_id = {a.id: a for a in accounts}
    rows = sorted(
        (
            TrialBalanceRow(by_id[s.account_id], s)
            for s in sums
            if s.debit_minor or s.credit_minor or s.base_minor
        ),
        key=lambda r: (r.account.code, r.total.currency),
    )
    per_currency: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        values = per_currency[row.total.currency]
        values[0] += row.total.debit_minor
        values[1] += row.total.credit_minor
        values[2] += row.total.base_minor
    totals = tuple(AccountTotal("", c, d, cr, b) for c, (d, cr, b) in sorted(per_currency.items()))
    return TrialBalance(as_of, tuple(rows), totals)
