"""Danish and international identifiers: CVR, CPR, IBAN, BIC, Danish reg.nr. + account, FI creditor number.

Each kind has ``validate_<kind>`` (returns the compact form or raises ``InvalidInput``), ``is_valid_<kind>``
and, where there is a usual printed form, ``format_<kind>``. Checksums come from python-stdnum
(``stdnum.dk.cvr``, ``stdnum.dk.cpr``, ``stdnum.iban``, ``stdnum.bic``) and the Danish bank registry and IBAN
construction from schwifty; nothing here re-implements them.

Sources: shared/standards/danish-payments.md §1.3 (creditor number) and §2 (accounts and IBAN);
CVR mod-11: https://erhvervsstyrelsen.dk/modulus_11; CPR: https://cpr.dk/ and the ``stdnum.dk.cpr`` docs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from schwifty import IBAN
from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum.dk import cpr as _cpr
from stdnum.dk import cvr as _cvr
from stdnum.exceptions import ValidationError

from betal.domain.errors import InvalidInput

_SEPARATORS = re.compile(r"[ \-]")
_REG_NO = re.compile(r"[0-9]{4}")
_ACCOUNT_NO = re.compile(r"[0-9]{1,10}")
_CREDITOR_NO = re.compile(r"[0-9]{8}")


def _checked(check: Callable[[str], str], value: str, *, kind: str, label: str, field: str) -> str:
    """Run a stdnum ``validate`` and turn its error into ``InvalidInput`` with a stable code."""
    try:
        return check(value)
    except ValidationError as exc:
        raise InvalidInput(f"invalid {label}: {exc}", field=field, code=f"{kind}.invalid") from None


def _is_valid(validate: Callable[[str], object], value: str) -> bool:
    try:
        validate(value)
    except InvalidInput:
        return False
    return True


# CVR (Det Centrale Virksomhedsregister): 8 digits, mod-11 with weights 2,7,6,5,4,3,2,1.


def validate_cvr(value: str, *, field: str = "cvr") -> str:
    """The 8-digit CVR number; spaces and a leading "DK" are dropped ("DK 13 74 81 36" -> "13748136")."""
    return _checked(_cvr.validate, value, kind="cvr", label="CVR number", field=field)


def is_valid_cvr(value: str) -> bool:
    return _is_valid(validate_cvr, value)


# CPR (personnummer): DDMMYY-SSSS. The mod-11 check was given up in 2007 when the sequence numbers ran out,
# so a valid CPR number need not pass it. ``stdnum.dk.cpr.validate`` (python-stdnum 2.2) checks only the
# digits, the length and the embedded birth date -- including that the date is not in the future, which it
# judges by ``date.today()`` -- and does *not* apply mod-11, despite its docstring mentioning a check digit.


def validate_cpr(value: str, *, field: str = "cpr") -> str:
    """The 10-digit CPR number; accepts "DDMMYYSSSS" and "DDMMYY-SSSS". No mod-11 check (see above)."""
    return _checked(_cpr.validate, value, kind="cpr", label="CPR number", field=field)


def is_valid_cpr(value: str) -> bool:
    return _is_valid(validate_cpr, value)


def format_cpr(value: str) -> str:
    """``"DDMMYY-SSSS"``."""
    return str(_cpr.format(validate_cpr(value)))


def mask_cpr(value: str) -> str:
    """The form to show and log: the birth date with the sequence number hidden, ``"211062-XXXX"``."""
    return validate_cpr(value)[:6] + "-XXXX"


# IBAN (ISO 13616): country-specific length and structure, ISO 7064 mod 97-10 check digits.


def validate_iban(value: str, *, field: str = "iban") -> str:
    """The compact IBAN ("DK50 0040 0440 1162 43" -> "DK5000400440116243")."""
    return _checked(_iban.validate, value, kind="iban", label="IBAN", field=field)


def is_valid_iban(value: str) -> bool:
    return _is_valid(validate_iban, value)


def format_iban(value: str) -> str:
    """Groups of four: ``"DK50 0040 0440 1162 43"``."""
    return str(_iban.format(validate_iban(value)))


# BIC (ISO 9362): 4 letters bank, 2 letters country, 2 location, optional 3 branch.


def validate_bic(value: str, *, field: str = "bic") -> str:
    """The 8- or 11-character BIC in upper case."""
    return _checked(_bic.validate, value, kind="bic", label="BIC", field=field)


def is_valid_bic(value: str) -> bool:
    return _is_valid(validate_bic, value)


# Danish domestic account (danish-payments.md §2): reg.nr. 4 digits + account up to 10 digits; the BBAN is
# reg.nr. + account left-padded to 10 digits. No per-bank mod-11: no authoritative table exists and a
# CPR-style check fails on real accounts. Unknown reg.nr. are accepted; schwifty's registry names the known
# ones (it even lists reg.nr. 0000, so no reg.nr. is refused as impossible).


def _dk_account_parts(reg_no: str, account_no: str, field: str) -> tuple[str, str]:
    if not isinstance(reg_no, str) or not isinstance(account_no, str):
        raise InvalidInput("reg.nr. and account number must be text", field=field, code="dk_account.invalid")
    reg = _SEPARATORS.sub("", reg_no)
    account = _SEPARATORS.sub("", account_no)
    if not _REG_NO.fullmatch(reg):
        raise InvalidInput("reg.nr. must be 4 digits", field=field, code="dk_account.invalid")
    if not _ACCOUNT_NO.fullmatch(account):
        raise InvalidInput("account number must be 1 to 10 digits", field=field, code="dk_account.invalid")
    return reg, account.zfill(10)


@dataclass(frozen=True)
class DanishAccount:
    """A Danish bank account; ``account_no`` is kept left-padded to 10 digits."""

    reg_no: str
    account_no: str

    def __post_init__(self) -> None:
        reg, account = _dk_account_parts(self.reg_no, self.account_no, "dk_account")
        object.__setattr__(self, "reg_no", reg)
        object.__setattr__(self, "account_no", account)

    @property
    def bban(self) -> str:
        """The 14-digit BBAN: reg.nr. followed by the 10-digit account number."""
        return self.reg_no + self.account_no

    def to_iban(self) -> str:
        """The compact Danish IBAN, ``DK`` + check digits + BBAN."""
        return str(IBAN.generate("DK", bank_code=self.reg_no, account_code=self.account_no))

    @property
    def bank_name(self) -> str | None:
        """The bank's name from schwifty's Danish registry, or None for a reg.nr. it does not know."""
        name = IBAN.generate("DK", bank_code=self.reg_no, account_code=self.account_no).bank_name
        return None if name is None else str(name)


def validate_dk_account(reg_no: str, account_no: str, *, field: str = "dk_account") -> DanishAccount:
    """Check a reg.nr. and account number (spaces and hyphens allowed) and return the account."""
    return DanishAccount(*_dk_account_parts(reg_no, account_no, field))


def is_valid_dk_account(reg_no: str, account_no: str) -> bool:
    try:
        validate_dk_account(reg_no, account_no)
    except InvalidInput:
        return False
    return True


def format_dk_account(reg_no: str, account_no: str) -> str:
    """``"0040 0440116243"``: reg.nr., a space, the 10-digit account number."""
    account = validate_dk_account(reg_no, account_no)
    return f"{account.reg_no} {account.account_no}"


def dk_account_from_iban(value: str, *, field: str = "iban") -> DanishAccount:
    """The reg.nr. and account number inside a Danish IBAN."""
    iban = validate_iban(value, field=field)
    if not iban.startswith("DK"):
        raise InvalidInput("not a Danish IBAN", field=field, code="iban.not_danish")
    return DanishAccount(iban[4:8], iban[8:])


# FI creditor number (kreditornummer), danish-payments.md §1.3: exactly 8 digits. It normally starts with 8
# [secondary source only], and no check digit is published, so that is not enforced.


def validate_fi_creditor_number(value: str, *, field: str = "fi_creditor_number") -> str:
    """The 8-digit FI creditor number (spaces dropped)."""
    compact = _SEPARATORS.sub("", value) if isinstance(value, str) else ""
    if not _CREDITOR_NO.fullmatch(compact):
        raise InvalidInput(
            "FI creditor number must be 8 digits", field=field, code="fi_creditor_number.invalid"
        )
    return compact


def is_valid_fi_creditor_number(value: str) -> bool:
    return _is_valid(validate_fi_creditor_number, value)
