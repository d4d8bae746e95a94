"""Ledger schemas: debits and credits as non-negative minor units; report rows and totals as named."""

from __future__ import annotations

from datetime import UTC, date, datetime

from betal.api.schemas.ledger import AccountRead, AgingRead, JournalEntryRead, TrialBalanceRead
from betal.domain.aging import OpenItem, aging
from betal.domain.ledger import Account, AccountKind, AccountRole, JournalEntry, Posting
from betal.domain.trial_balance import AccountTotal, trial_balance

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
BANK = Account("acc_1", "org_1", "5810", "Bank", AccountKind.ASSET, AccountRole.BANK, NOW)
SALES = Account("acc_2", "org_1", "1010", "Salg", AccountKind.INCOME, AccountRole.SALES, NOW)


def test_account() -> None:
    assert AccountRead.of(BANK).model_dump() == {
        "id": "acc_1", "code": "5810", "name": "Bank", "kind": "asset", "role": "bank",
    }  # fmt: skip
    other = Account("acc_3", "org_1", "9000", "Egen", AccountKind.EQUITY, None, NOW)
    assert AccountRead.of(other).role is None


def test_journal_entry_with_postings() -> None:
    entry = JournalEntry(
        "je_1", "org_1", 4, date(2026, 3, 2), "Kontant", "manual", "x", None, NOW,
        (Posting("acc_1", "5810", "EUR", 1_000, 7_460), Posting("acc_2", "1010", "EUR", -1_000, -7_460)),
    )  # fmt: skip
    read = JournalEntryRead.of(entry, {"acc_1": "Bank"}, {"je_1": "je_2"}).model_dump(mode="json")
    assert (read["date"], read["reversed_by_id"], read["reverses_id"]) == ("2026-03-02", "je_2", None)
    assert JournalEntryRead.of(entry, {}, {}).reversed_by_id is None
    assert read["postings"] == [
        {"account_id": "acc_1", "account_code": "5810", "account_name": "Bank", "currency": "EUR",
         "debit": 1_000, "credit": 0, "amount_dkk": 7_460},
        {"account_id": "acc_2", "account_code": "1010", "account_name": "", "currency": "EUR",
         "debit": 0, "credit": 1_000, "amount_dkk": -7_460},
    ]  # fmt: skip


def test_trial_balance() -> None:
    report = trial_balance(
        date(2026, 3, 31), [BANK, SALES],
        [AccountTotal("acc_1", "DKK", 500, 0, 500), AccountTotal("acc_2", "DKK", 0, 500, -500)],
    )  # fmt: skip
    read = TrialBalanceRead.of(report).model_dump(mode="json")
    assert read["accounts"][0] == {
        "account_id": "acc_2", "account_code": "1010", "account_name": "Salg", "kind": "income",
        "currency": "DKK", "debit": 0, "credit": 500, "balance": -500, "balance_dkk": -500,
    }  # fmt: skip
    assert read["totals"] == [{"currency": "DKK", "debit": 500, "credit": 500, "balance": 0}]
    assert (read["total_dkk"], read["balanced"], read["date"]) == (0, True, "2026-03-31")


def test_aging() -> None:
    items = [OpenItem("cus_1", "Jens", "preq_1", "DKK", date(2026, 1, 1), 700)]
    read = AgingRead.of(aging(items, date(2026, 3, 1))).model_dump(mode="json")
    assert read["customers"] == [
        {"customer_id": "cus_1", "customer_name": "Jens", "currency": "DKK", "not_due": 0, "days_1_30": 0,
         "days_31_60": 700, "days_61_90": 0, "over_90": 0, "total": 700, "requests": 1},
    ]  # fmt: skip
    assert read["totals"][0]["customer_id"] is None
