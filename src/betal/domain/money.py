"""Money as integer minor units plus an ISO 4217 currency.

Spec: STYLE.md "Money" and DESIGN.md "Money, time and identifiers".

Exponents (minor units) come from ISO 4217 List One as published by the maintenance agency SIX
(https://www.six-group.com/en/products-services/financial-information/data-standards.html, list dated
2026-01-01), kept in ``data/iso4217.csv``. Codes whose minor unit is "N.A." there (precious metals, bond
market units, XDR, XSU, XUA, XTS, XXX) are left out: an amount in them has no minor unit to count.

There is no ``float`` here. ``Decimal`` appears only when parsing or rendering text, and rounding happens in
one place, :func:`convert`, with ROUND_HALF_EVEN.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from types import MappingProxyType

from betal.domain.errors import InvalidInput

MAX_AMOUNT_MINOR = 10**12
"""Largest amount a single payment may carry, in minor units (10 000 000 000.00 DKK)."""

_CODE = re.compile(r"[A-Z]{3}")
_PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")  # ASCII digits, "." as decimal point, no exponent
_MAX_PARSE_DIGITS = 30  # refuse absurd text such as "1E+999999" before it turns into a huge int


@dataclass(frozen=True)
class Currency:
    """An ISO 4217 currency: ``exponent`` is the number of minor-unit digits (DKK 2, JPY 0, KWD 3)."""

    code: str
    exponent: int
    name: str = field(default="", compare=False)


class CurrencyMismatch(InvalidInput):
    """Two amounts in different currencies were combined or compared."""

    code = "money.currency_mismatch"

    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine amounts in {left} and {right}", field="currency")
        self.left = left
        self.right = right


@cache
def _table() -> Mapping[str, Currency]:
    text = resources.files("betal.domain.data").joinpath("iso4217.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return MappingProxyType({r["code"]: Currency(r["code"], int(r["exponent"]), r["name"]) for r in rows})


def currencies() -> Mapping[str, Currency]:
    """Every known currency by code (read-only)."""
    return _table()


def currency(code: str, *, field: str = "currency") -> Currency:
    """The ISO 4217 currency for ``code`` ("DKK"); ``InvalidInput`` unless 3 known uppercase letters."""
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise InvalidInput(
            "currency must be three uppercase letters (ISO 4217)", field=field, code="currency.invalid"
        )
    found = _table().get(code)
    if found is None:
        raise InvalidInput(f"unknown currency {code}", field=field, code="currency.unknown")
    return found


def validate_amount(minor: object, *, field: str = "amount") -> int:
    """Return ``minor`` if it is an ``int`` (not ``bool``) with 0 < minor <= ``MAX_AMOUNT_MINOR``."""
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise InvalidInput(
            "amount must be an integer number of minor units", field=field, code="amount.invalid"
        )
    if not 0 < minor <= MAX_AMOUNT_MINOR:
        raise InvalidInput(
            f"amount must be between 1 and {MAX_AMOUNT_MINOR} minor units",
            field=field,
            code="amount.out_of_range",
        )
    return minor


@dataclass(frozen=True)
class Money:
    """``minor`` units (øre, cents) of ``currency`` (an ISO 4217 code); may be zero or negative."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError(f"Money.minor must be an int, not {type(self.minor).__name__}")
        currency(self.currency)

    @property
    def exponent(self) -> int:
        return currency(self.currency).exponent

    @classmethod
    def zero(cls, currency_code: str) -> Money:
        return cls(0, currency_code)

    @classmethod
    def from_decimal(cls, value: Decimal | str, currency_code: str) -> Money:
        """Parse ``Decimal("1234.50")`` or ``"1234.50"``; more decimals than the currency has are refused.

        Trailing zeros do not count: ``"100.00"`` is 100 JPY, ``"1.230"`` is 123 DKK øre.
        """
        exponent = currency(currency_code).exponent
        number = _parse_decimal(value)
        if not number:
            return cls(0, currency_code)
        sign, digits, exp = number.as_tuple()
        shift = int(exp) + exponent  # finite, so ``exp`` is an int
        if shift < 0:
            kept = max(len(digits) + shift, 0)
            if any(digits[kept:]):
                raise InvalidInput(
                    f"{currency_code} amounts have at most {exponent} decimals",
                    field="amount",
                    code="amount.precision",
                )
            digits, shift = digits[:kept], 0
        minor = int("".join(map(str, digits)) or "0") * 10**shift
        return cls(-minor if sign else minor, currency_code)

    def to_decimal(self) -> Decimal:
        """The exact amount in major units, e.g. ``Decimal("1234.50")`` for 123450 DKK øre."""
        digits = tuple(int(d) for d in str(abs(self.minor)))
        return Decimal((int(self.minor < 0), digits, -self.exponent))

    def format(self) -> str:
        """Danish display form: ``"1.234,50 DKK"``, ``"-0,05 EUR"``, ``"1.000 JPY"``."""
        exponent = self.exponent
        whole, fraction = divmod(abs(self.minor), 10**exponent)
        text = f"{whole:,}".replace(",", ".")
        if exponent:
            text += "," + str(fraction).zfill(exponent)
        sign = "-" if self.minor < 0 else ""
        return f"{sign}{text} {self.currency}"

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.minor >= other.minor


def _parse_decimal(value: Decimal | str) -> Decimal:
    if isinstance(value, str):
        if not _PLAIN_DECIMAL.fullmatch(value.strip()):
            raise InvalidInput(
                "amount is not a decimal number like 1234.50", field="amount", code="amount.invalid"
            )
        value = Decimal(value.strip())
    elif not isinstance(value, Decimal):
        raise TypeError(f"amount must be a Decimal or str, not {type(value).__name__}")
    if not value.is_finite():
        raise InvalidInput("amount must be a finite number", field="amount", code="amount.invalid")
    if value and value.adjusted() >= _MAX_PARSE_DIGITS:
        raise InvalidInput("amount is too large", field="amount", code="amount.out_of_range")
    return value


def convert(money: Money, rate: Decimal, to_currency: str) -> Money:
    """Convert ``money`` at ``rate`` units of ``to_currency`` per 1 unit of ``money.currency``.

    The exact result is rounded once to the target's minor unit with ROUND_HALF_EVEN (banker's rounding:
    0.5 øre goes to the even neighbour), which is the only rounding in betal's money code.
    """
    if not isinstance(rate, Decimal):
        raise TypeError(f"rate must be a Decimal, not {type(rate).__name__}")
    if not rate.is_finite() or rate <= 0:
        raise InvalidInput("exchange rate must be a positive number", field="rate", code="rate.invalid")
    target = currency(to_currency, field="to_currency")
    scale = Fraction(10) ** (target.exponent - money.exponent)
    exact = Fraction(money.minor) * Fraction(rate) * scale
    return Money(round(exact), target.code)  # round() on a Fraction is exact and rounds half to even
