"""The double-entry ledger: a chart of accounts, journal entries and their postings.

DESIGN.md "Core entities": Account (a Danish standard chart by default), JournalEntry with Postings,
balanced per currency and immutable; a correction is a reversal, never an edit.

Amounts are signed minor units: a debit is positive, a credit negative, so a balanced entry's postings
sum to zero in every currency. Each posting also carries its value in the organisation's base currency
(DKK); an entry must balance in the base currency too, which is where exchange differences show.
Services do not name account codes: they post to an account's *role*, and each organisation's chart
says which of its accounts holds that role.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from betal.domain.errors import InvalidInput
from betal.domain.money import Money, convert
from betal.domain.payment_method import Method

BASE_CURRENCY = "DKK"
# DKK per EUR at the ERM II central rate (fixed since 1999, https://www.nationalbanken.dk): the value of a
# euro line when no ECB reference rate on or before the entry's date has been imported.
ERM2_CENTRAL_RATE = Decimal("7.46038")


class AccountKind(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


class AccountRole(StrEnum):
    BANK = "bank"
    RECEIVABLES = "receivables"
    PAYABLES = "payables"
    CLEARING_ACCOUNT_TO_ACCOUNT = "clearing_account_to_account"
    CLEARING_FI_CARD = "clearing_fi_card"
    CLEARING_MOBILEPAY = "clearing_mobilepay"
    CLEARING_CARD = "clearing_card"
    CLEARING_BETALINGSSERVICE = "clearing_betalingsservice"
    CUSTOMER_CREDIT = "customer_credit"
    SALES = "sales"
    FEE_INCOME = "fee_income"
    INTEREST_INCOME = "interest_income"
    EXPENSES = "expenses"
    PROVIDER_FEES = "provider_fees"
    INPUT_VAT = "input_vat"
    OUTPUT_VAT = "output_vat"
    FX_GAINS = "fx_gains"
    FX_LOSSES = "fx_losses"
    FX_CONVERSION = "fx_conversion"
    ROUNDING = "rounding"


CLEARING: Mapping[Method, AccountRole] = {
    Method.ACCOUNT_TO_ACCOUNT: AccountRole.CLEARING_ACCOUNT_TO_ACCOUNT,
    Method.FI_CARD: AccountRole.CLEARING_FI_CARD,
    Method.MOBILEPAY: AccountRole.CLEARING_MOBILEPAY,
    Method.CARD: AccountRole.CLEARING_CARD,
    Method.BETALINGSSERVICE: AccountRole.CLEARING_BETALINGSSERVICE,
}


@dataclass(frozen=True)
class ChartAccount:
    code: str
    name_da: str
    name_en: str
    kind: AccountKind
    role: AccountRole | None = None


R, K = AccountRole, AccountKind
# Numbered the way Danish small-business charts usually are (income 1xxx, costs 2xxx-3xxx, balance sheet
# 5xxx-7xxx); an organisation may rename accounts, and add its own, but every role stays held.
_CHART = (
    ("1010", "Salg af varer og ydelser", "Sales of goods and services", K.INCOME, R.SALES),
    ("1050", "Rykkergebyrer og kompensation", "Reminder fees and compensation", K.INCOME, R.FEE_INCOME),
    ("2210", "Varekøb og omkostninger", "Purchases and expenses", K.EXPENSE, R.EXPENSES),
    ("2750", "Gebyrer til betalingsformidlere", "Payment provider fees", K.EXPENSE, R.PROVIDER_FEES),
    ("3610", "Renteindtægter fra debitorer", "Interest income from customers", K.INCOME, R.INTEREST_INCOME),
    ("3710", "Kursgevinster", "Exchange gains", K.INCOME, R.FX_GAINS),
    ("3720", "Kurstab", "Exchange losses", K.EXPENSE, R.FX_LOSSES),
    ("3790", "Øreafrunding", "Rounding differences", K.EXPENSE, R.ROUNDING),
    ("5600", "Debitorer", "Accounts receivable", K.ASSET, R.RECEIVABLES),
    ("5710", "Mellemregning konto-til-konto", "Clearing: account-to-account", K.ASSET, R.CLEARING_ACCOUNT_TO_ACCOUNT),  # noqa: E501
    ("5720", "Mellemregning FI-kort", "Clearing: FI payment slips", K.ASSET, R.CLEARING_FI_CARD),
    ("5730", "Mellemregning MobilePay", "Clearing: MobilePay", K.ASSET, R.CLEARING_MOBILEPAY),
    ("5740", "Mellemregning betalingskort", "Clearing: cards", K.ASSET, R.CLEARING_CARD),
    ("5750", "Mellemregning Betalingsservice", "Clearing: Betalingsservice", K.ASSET, R.CLEARING_BETALINGSSERVICE),  # noqa: E501
    ("5790", "Valutaomregning", "Currency conversion", K.ASSET, R.FX_CONVERSION),
    ("5810", "Bank", "Bank", K.ASSET, R.BANK),
    ("6810", "Kreditorer", "Accounts payable", K.LIABILITY, R.PAYABLES),
    ("6820", "Forudbetalinger fra kunder", "Customer prepayments", K.LIABILITY, R.CUSTOMER_CREDIT),
    ("7110", "Salgsmoms", "Output VAT", K.LIABILITY, R.OUTPUT_VAT),
    ("7120", "Købsmoms", "Input VAT", K.ASSET, R.INPUT_VAT),
)  # fmt: skip
DEFAULT_CHART: tuple[ChartAccount, ...] = tuple(ChartAccount(*row) for row in _CHART)
ROLE_CODES: Mapping[AccountRole, str] = {a.role: a.code for a in DEFAULT_CHART if a.role is not None}


@dataclass(frozen=True)
class Account:
    id: str
    organisation_id: str
    code: str
    name: str
    kind: AccountKind
    role: AccountRole | None
    created_at: datetime


@dataclass(frozen=True)
class Line:
    """One side of a journal entry to be posted: a role, a signed amount (debit +) and its base value.

    ``base_minor`` is the value in DKK; ``None`` means the same as ``amount_minor`` (a DKK line).
    """

    role: AccountRole
    amount_minor: int
    currency: str
    base_minor: int | None = None

    @property
    def base(self) -> int:
        if self.base_minor is not None:
            return self.base_minor
        if self.currency != BASE_CURRENCY:
            raise InvalidInput(f"a {self.currency} line needs its DKK value", code="ledger.missing_base")
        return self.amount_minor


def debit(role: AccountRole, amount_minor: int, currency: str, base_minor: int | None = None) -> Line:
    return Line(role, amount_minor, currency, base_minor)


def credit(role: AccountRole, amount_minor: int, currency: str, base_minor: int | None = None) -> Line:
    return Line(role, -amount_minor, currency, None if base_minor is None else -base_minor)


@dataclass(frozen=True)
class JournalDraft:
    """A journal entry not yet posted: what a service asks the unit of work to book."""

    organisation_id: str
    entry_date: date
    description: str
    source_type: str  # what caused it: payment_request, payment, charge, match, supplier_invoice, ...
    source_id: str
    lines: tuple[Line, ...]
    reverses_id: str | None = None


@dataclass(frozen=True)
class Posting:
    account_id: str
    account_code: str
    currency: str
    amount_minor: int
    base_minor: int


@dataclass(frozen=True)
class JournalEntry:
    id: str
    organisation_id: str
    number: int
    entry_date: date
    description: str
    source_type: str
    source_id: str
    reverses_id: str | None
    created_at: datetime
    postings: tuple[Posting, ...]


class Unbalanced(InvalidInput):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="postings", code="ledger.unbalanced")


def check_balanced(lines: Iterable[Line]) -> None:
    """Raise ``Unbalanced`` unless the lines sum to zero in every currency and in DKK."""
    listed = [line for line in lines if line.amount_minor != 0 or line.base != 0]
    if len(listed) < 2:
        raise Unbalanced("a journal entry needs at least two non-zero postings")
    per_currency: dict[str, int] = defaultdict(int)
    for line in listed:
        if isinstance(line.amount_minor, bool) or not isinstance(line.amount_minor, int):
            raise Unbalanced("posting amounts are integers in minor units")
        per_currency[line.currency] += line.amount_minor
    off = {c: s for c, s in per_currency.items() if s != 0}
    if off:
        shown = ", ".join(f"{c} {s:+d}" for c, s in sorted(off.items()))
        raise Unbalanced(f"debits and credits differ by {shown} (minor units)")
    base = sum(line.base for line in listed)
    if base != 0:
        raise Unbalanced(f"the entry does not balance in {BASE_CURRENCY}: off by {base:+d} øre")


def compact(lines: Iterable[Line]) -> tuple[Line, ...]:
    """Drop zero lines, so a rule can list a side that happens to be nothing (no overpayment, say)."""
    return tuple(line for line in lines if line.amount_minor != 0 or (line.base_minor or 0) != 0)


def to_base(amount_minor: int, currency: str, rate: Decimal) -> int:
    """``amount_minor`` of ``currency`` in øre at ``rate`` DKK per unit, rounded once, half to even."""
    if currency == BASE_CURRENCY:
        return amount_minor
    return convert(Money(amount_minor, currency), rate, BASE_CURRENCY).minor


def rate_or_fallback(currency: str, day: date, found: Decimal | None) -> Decimal:
    """The rate to value ``currency`` at on ``day``: the one found, else the euro's central rate.

    Any other currency without an imported rate cannot be booked: ``InvalidInput`` says what to do.
    """
    if found is not None:
        return found
    if currency == "EUR":
        return ERM2_CENTRAL_RATE
    raise InvalidInput(
        f"no exchange rate for {currency} on or before {day.isoformat()}: import the ECB reference rates",
        field="currency", code="ledger.no_rate",
    )  # fmt: skip


def unvalued(draft: JournalDraft) -> frozenset[str]:
    """The foreign currencies of ``draft`` with a line that still needs its DKK value."""
    return frozenset(
        line.currency for line in draft.lines if line.base_minor is None and line.currency != BASE_CURRENCY
    )


def valued(draft: JournalDraft, rates: Mapping[str, Decimal]) -> JournalDraft:
    """``draft`` with every foreign line lacking a DKK value valued at ``rates`` (DKK per unit).

    Lines rounded one by one may miss the entry's DKK balance by an øre or so. When all of a currency's
    lines were valued here, that difference is a rounding difference and goes to the rounding account as
    a line with no foreign amount; a draft that named some DKK values itself must balance on its own.
    """
    missing = unvalued(draft)
    if not missing:
        return draft
    lines = [
        replace(line, base_minor=to_base(line.amount_minor, line.currency, rates[line.currency]))
        if line.currency in missing and line.base_minor is None
        else line
        for line in draft.lines
    ]
    for code in sorted(missing):
        if all(line.base_minor is None for line in draft.lines if line.currency == code):
            residual = sum(line.base for line in lines if line.currency == code)
            lines.append(Line(AccountRole.ROUNDING, 0, code, -residual))
    return replace(draft, lines=compact(lines))


def reversal(
    entry: JournalEntry, roles: Mapping[str, AccountRole], entry_date: date, reason: str
) -> JournalDraft:
    """The entry that undoes ``entry``: the same postings with their signs turned.

    ``roles`` maps the entry's account ids to their roles (every account a posting can hit holds one).
    """
    lines = tuple(
        Line(roles[p.account_id], -p.amount_minor, p.currency, -p.base_minor) for p in entry.postings
    )
    return JournalDraft(
        organisation_id=entry.organisation_id, entry_date=entry_date,
        description=f"Tilbageførsel af bilag {entry.number}: {reason}"[:200], source_type=entry.source_type,
        source_id=entry.source_id, lines=lines, reverses_id=entry.id,
    )  # fmt: skip
