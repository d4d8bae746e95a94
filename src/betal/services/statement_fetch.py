"""Fetching the bank's statements of the organisations' payment accounts: ``bank.statements``.

Spec: the payables issue, item 6 ("the camt.053 entry confirms execution"); docs/bank-files.md
"Statements from the bank". For every payment account the camt.053 of each of the last
``CATCH_UP_DAYS`` banking days before today is asked for (``BankFiles.statement``): a camt.053 is the
statement of a day that has ended, so today's is never asked for, and a run that was missed (the worker
was down over a weekend, say) is made good by the next one. Each is imported through
``services.bank_statement.import_statement``, which is idempotent: a file imported before adds nothing
and an entry seen before is skipped. Its reconciliation confirms submitted orders (the debit rule).

The bank is called outside any transaction; each statement is imported in its own.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from datetime import date
from io import BytesIO

from betal.domain.calendar import business_date, preceding_banking_day
from betal.domain.payment_account import PaymentAccount
from betal.domain.tenancy import Principal, Role
from betal.ports import BankFiles, UnitOfWork
from betal.services.bank_statement import import_statement

NewUow = Callable[[], UnitOfWork]
CATCH_UP_DAYS = 3


def statement_days(today: date) -> list[date]:
    """The last ``CATCH_UP_DAYS`` banking days before ``today``, oldest first."""
    days = [preceding_banking_day(today)]
    while len(days) < CATCH_UP_DAYS:
        days.append(preceding_banking_day(days[-1]))
    return days[::-1]


def import_account_statement(new_uow: NewUow, bank: BankFiles, account: PaymentAccount, day: date) -> bool:
    """Fetch and import one account's statement of ``day``; True when the file was new."""
    content = bank.statement(account.iban, day)
    principal = Principal(account.organisation_id, Role.BOOKKEEPER, "system", "bank.statements")
    with new_uow() as uow:
        result = import_statement(uow, principal, BytesIO(content), hashlib.sha256(content).hexdigest())
    return result.created


def fetch_statements(new_uow: NewUow, bank: BankFiles, organisation_id: str | None = None) -> dict[str, int]:
    """Every payment account's recent statements (or one organisation's); counts of new and known files."""
    with new_uow() as uow:
        accounts = uow.payment_accounts.all_accounts()
        today = business_date(uow.clock.now())
    counts: Counter[str] = Counter()
    for account in accounts:
        if organisation_id is not None and account.organisation_id != organisation_id:
            continue
        for day in statement_days(today):
            counts["imported" if import_account_statement(new_uow, bank, account, day) else "known"] += 1
    return dict(counts)
