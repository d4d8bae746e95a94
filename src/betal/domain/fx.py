"""Currency conversion at the ECB's euro reference rates.

Spec: DESIGN.md "Money, time and identifiers" (rounding is explicit, half-even, only at conversion) and
the ECB's reference rates (https://www.ecb.europa.eu/stats/policy_and_exchange_rates/
euro_reference_exchange_rates/): every rate is "1 EUR = x units", so a conversion between two other
currencies goes through the euro: DKK → SEK is ``amount / rate(DKK) * rate(SEK)``.

The cross rate is kept as an exact fraction and the result is rounded once, at the end, to the target's
minor unit (ISO 4217 exponents from ``domain.money``: JPY has none, KWD three) with ROUND_HALF_EVEN.
Rounding the euro leg first would make DKK → SEK differ from the rate a reader computes by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

from betal.domain.errors import InvalidInput
from betal.domain.money import currency

BASE = "EUR"
RATE_DIGITS = 10


@dataclass(frozen=True)
class Rate:
    """1 ``base`` = ``value`` units of ``quote`` on ``day`` (an ECB reference rate)."""

    quote: str
    day: date
    value: Decimal
    base: str = BASE


def _per_euro(code: str, rates: Mapping[str, Decimal], field: str) -> Fraction:
    if code == BASE:
        return Fraction(1)
    value = rates.get(code)
    if value is None:
        raise InvalidInput(f"there is no exchange rate for {code}", field=field, code="fx.no_rate")
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise InvalidInput(f"the exchange rate for {code} is not positive", field=field, code="fx.bad_rate")
    return Fraction(value)


def _cross(from_ccy: str, to_ccy: str, rates: Mapping[str, Decimal]) -> Fraction:
    return _per_euro(to_ccy, rates, "to_currency") / _per_euro(from_ccy, rates, "from_currency")


def convert(amount_minor: int, from_ccy: str, to_ccy: str, rates: Mapping[str, Decimal]) -> int:
    """``amount_minor`` of ``from_ccy`` in minor units of ``to_ccy``, at one day's EUR-based ``rates``.

    ``InvalidInput`` for a currency that ISO 4217 does not know or ``rates`` has no rate for.
    """
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool):
        raise InvalidInput("amount must be an integer number of minor units", field="amount")
    source = currency(from_ccy, field="from_currency")
    target = currency(to_ccy, field="to_currency")
    if source.code == target.code:
        return amount_minor
    scale = Fraction(10) ** (target.exponent - source.exponent)
    exact = amount_minor * _cross(source.code, target.code, rates) * scale
    return round(exact)  # round() of a Fraction is exact and rounds half to even


def cross_rate(from_ccy: str, to_ccy: str, rates: Mapping[str, Decimal]) -> Decimal:
    """Units of ``to_ccy`` per 1 ``from_ccy`` to ``RATE_DIGITS`` significant digits, to show and record.

    :func:`convert` uses the exact rate, not this rounded one.
    """
    source = currency(from_ccy, field="from_currency").code
    target = currency(to_ccy, field="to_currency").code
    if source == target:
        return Decimal(1)
    exact = _cross(source, target, rates)
    with localcontext() as context:  # one correctly rounded division, half-even
        context.prec, context.rounding = RATE_DIGITS, ROUND_HALF_EVEN
        return Decimal(exact.numerator) / Decimal(exact.denominator)
