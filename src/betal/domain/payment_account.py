"""The organisation's own bank accounts, from which suppliers are paid (the debtor of a pain.001 file).

Spec: the payables issue, item 6 ("batched per debtor account"); docs/payables.md "Execution". An account
is an IBAN (+ BIC) or a Danish reg.no. + account number, from which its Danish IBAN is made: a pain.001
names the debtor account by IBAN and the bank's statements are asked for by it. Each account has a
currency, the bank's cut-off time (files for the day go after it, Copenhagen time) and the pain.001
version its bank takes. One account is the organisation's default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from betal.domain.errors import FieldProblem, InvalidInput
from betal.domain.identifiers import dk_account_from_iban, validate_bic, validate_dk_account, validate_iban
from betal.domain.money import currency as check_currency

DEFAULT_CUTOFF = time(14, 0)
FILE_VERSIONS = ("pain.001.001.09", "pain.001.001.03")


@dataclass(frozen=True)
class PaymentAccount:
    id: str
    organisation_id: str
    name: str
    iban: str  # compact; made from reg.no. + account for a Danish account given so
    bic: str | None
    reg_no: str | None  # Danish accounts only
    account_no: str | None
    currency: str
    is_default: bool
    cutoff: time  # Copenhagen time after which the day's files are made
    file_version: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AccountDetails:
    """The checked bank details of an account."""

    iban: str
    bic: str | None
    reg_no: str | None
    account_no: str | None
    currency: str


def _problem(problems: list[FieldProblem], exc: InvalidInput, field: str) -> None:
    problems.append(FieldProblem(field, exc.detail))


def _danish(iban: str | None, reg_no: str | None, account_no: str | None) -> tuple[str | None, ...]:
    """(iban, reg.no., account) from either form; a Danish IBAN also gives its reg.no. and account."""
    if iban is None:
        account = validate_dk_account(reg_no or "", account_no or "", field="dk_account")
        return account.to_iban(), account.reg_no, account.account_no
    compact = validate_iban(iban)
    if compact.startswith("DK"):
        account = dk_account_from_iban(compact)
        return compact, account.reg_no, account.account_no
    return compact, None, None


def account_details(
    iban: str | None, bic: str | None, reg_no: str | None, account_no: str | None, currency: str
) -> AccountDetails:
    """Checked details; every problem at once as ``InvalidInput`` (code ``payment_account.invalid``)."""
    problems: list[FieldProblem] = []
    if iban is None and reg_no is None and account_no is None:
        problems.append(FieldProblem("iban", "give an IBAN or a Danish reg.no. and account number"))
    if iban is not None and (reg_no is not None or account_no is not None):
        problems.append(FieldProblem("dk_account", "give an IBAN or a Danish account, not both"))
    found: tuple[str | None, ...] = (None, None, None)
    if not problems:
        try:
            found = _danish(iban, reg_no, account_no)
        except InvalidInput as exc:
            problems.extend(exc.errors or [FieldProblem("iban", exc.detail)])
    checked_bic = None
    if bic is not None:
        try:
            checked_bic = validate_bic(bic)
        except InvalidInput as exc:
            _problem(problems, exc, "bic")
    try:
        check_currency(currency)
    except InvalidInput as exc:
        _problem(problems, exc, "currency")
    if problems:
        raise InvalidInput(
            "the payment account is not valid", errors=problems, code="payment_account.invalid"
        )
    full_iban, reg, account = found
    assert full_iban is not None
    return AccountDetails(full_iban, checked_bic, reg, account, currency)
