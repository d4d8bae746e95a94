"""The trial balance: rows per account and currency, totals per currency, balanced or not."""

from __future__ import annotations

from datetime import UTC, date, datetime

from betal.domain.ledger import Account, AccountKind, AccountRole
from betal.domain.trial_balance import AccountTotal, trial_balance

AS_OF = date(2026, 3, 31)
NOW = datetime(2026, 3, 1, tzinfo=UTC)
ACCOUNTS = [
    Account("acc_sales", "org_1", "1010", "Salg", AccountKind.INCOME, AccountRole.SALES, NOW),
    Account("acc_recv", "org_1", "5600", "Debitorer", AccountKind.ASSET, AccountRole.RECEIVABLES, NOW),
    Account("acc_bank", "org_1", "5810", "Bank", AccountKind.ASSET, AccountRole.BANK, NOW),
]


class TestTrialBalance:
    def test_rows_by_code_and_currency_with_totals(self) -> None:
        sums = [
            AccountTotal("acc_recv", "EUR", 10_000, 4_000, 44_760),
            AccountTotal("acc_sales", "EUR", 0, 10_000, -74_600),
            AccountTotal("acc_recv", "DKK", 5_000, 0, 5_000),
            AccountTotal("acc_sales", "DKK", 0, 5_000, -5_000),
            AccountTotal("acc_bank", "EUR", 4_000, 0, 29_840),
            AccountTotal("acc_bank", "DKK", 0, 0, 0),  # nothing posted: left out
        ]
        report = trial_balance(AS_OF, ACCOUNTS, sums)
        assert [(r.account.code, r.total.currency, r.total.balance_minor) for r in report.rows] == [
            ("1010", "DKK", -5_000),
            ("1010", "EUR", -10_000),
            ("5600", "DKK", 5_000),
            ("5600", "EUR", 6_000),
            ("5810", "EUR", 4_000),
        ]
        assert [(t.currency, t.debit_minor, t.credit_minor, t.balance_minor) for t in report.totals] == [
            ("DKK", 5_000, 5_000, 0),
            ("EUR", 14_000, 14_000, 0),
        ]
        assert (report.base_minor, report.balanced, report.as_of) == (0, True, AS_OF)

    def test_not_balanced_when_a_currency_or_dkk_is_off(self) -> None:
        sums = [AccountTotal("acc_bank", "EUR", 100, 0, 746), AccountTotal("acc_sales", "EUR", 0, 100, -745)]
        off_in_dkk = trial_balance(AS_OF, ACCOUNTS, sums)
        assert (off_in_dkk.base_minor, off_in_dkk.balanced) == (1, False)
        off = trial_balance(AS_OF, ACCOUNTS, [AccountTotal("acc_bank", "DKK", 100, 0, 0)])
        assert not off.balanced

    def test_an_empty_ledger_is_balanced(self) -> None:
        report = trial_balance(AS_OF, ACCOUNTS, [])
        assert (report.rows, report.totals, report.balanced) == ((), (), True)
