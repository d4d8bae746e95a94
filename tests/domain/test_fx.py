"""Conversion at EUR-based reference rates: one half-even rounding at the end, crosses via EUR, exponents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.domain import fx
from betal.domain.errors import InvalidInput
from betal.domain.money import currency

RATES = {
    "DKK": Decimal("7.4613"),
    "SEK": Decimal("11.1235"),
    "JPY": Decimal("162.37"),
    "USD": Decimal("1.0842"),
}


class TestConvert:
    def test_euro_to_crowns(self) -> None:
        assert fx.convert(10_000, "EUR", "DKK", RATES) == 74_613  # 100.00 EUR = 746.13 DKK

    def test_crowns_to_euro(self) -> None:
        assert fx.convert(74_613, "DKK", "EUR", RATES) == 10_000

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [(10, 74), (30, 224), (50, 372), (70, 522), (-10, -74), (-30, -224), (1, 7), (2, 15)],
    )
    def test_exact_halves_go_to_the_even_neighbour(self, amount: int, expected: int) -> None:
        # At 7.45 every 10 cents is 74.5 øre: 74.5 -> 74, 223.5 -> 224, 372.5 -> 372, 521.5 -> 522.
        assert fx.convert(amount, "EUR", "DKK", {"DKK": Decimal("7.45")}) == expected

    def test_a_cross_rate_is_rounded_once_at_the_end(self) -> None:
        # 1.00 DKK = 1/7.4613 EUR * 11.1235 = 1.4908... SEK. Rounding the euro leg to cents first
        # (0.13 EUR) would give 1.45 SEK instead.
        assert fx.convert(100, "DKK", "SEK", RATES) == 149

    def test_a_currency_without_decimals(self) -> None:
        assert fx.convert(1_234, "EUR", "JPY", RATES) == 2_004  # 12.34 EUR = 2003.6458 JPY
        assert fx.convert(1_000, "JPY", "DKK", RATES) == 4_595  # 1000 JPY = 45.9524... DKK
        assert fx.convert(50, "EUR", "JPY", {"JPY": Decimal("101")}) == 50  # 50.5 -> 50
        assert fx.convert(150, "EUR", "JPY", {"JPY": Decimal("101")}) == 152  # 151.5 -> 152

    def test_a_currency_with_three_decimals(self) -> None:
        assert fx.convert(100, "EUR", "KWD", {"KWD": Decimal("0.3333")}) == 333  # 1 EUR = 0.333 KWD

    def test_the_same_currency_needs_no_rate(self) -> None:
        assert fx.convert(12_345, "NOK", "NOK", {}) == 12_345

    def test_the_euro_needs_no_rate_of_its_own(self) -> None:
        assert fx.convert(100, "EUR", "USD", {"USD": Decimal("1.0842")}) == 108

    @pytest.mark.parametrize(
        ("from_ccy", "to_ccy", "field", "code"),
        [
            ("XYZ", "DKK", "from_currency", "currency.unknown"),
            ("DKK", "dkk", "to_currency", "currency.invalid"),
            ("NGN", "DKK", "from_currency", "fx.no_rate"),
            ("DKK", "CHF", "to_currency", "fx.no_rate"),
        ],
    )
    def test_an_unknown_currency_is_invalid_input(
        self, from_ccy: str, to_ccy: str, field: str, code: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            fx.convert(100, from_ccy, to_ccy, RATES)
        assert caught.value.code == code
        assert caught.value.errors[0].field == field

    @pytest.mark.parametrize("rate", [Decimal(0), Decimal("-7.46"), Decimal("NaN")])
    def test_a_rate_that_is_not_positive_is_refused(self, rate: Decimal) -> None:
        with pytest.raises(InvalidInput) as caught:
            fx.convert(100, "EUR", "DKK", {"DKK": rate})
        assert caught.value.code == "fx.bad_rate"

    @pytest.mark.parametrize("amount", [1.5, "100", True])
    def test_the_amount_must_be_integer_minor_units(self, amount: object) -> None:
        with pytest.raises(InvalidInput, match="integer number of minor units"):
            fx.convert(amount, "EUR", "DKK", RATES)  # type: ignore[arg-type]

    @given(
        st.integers(min_value=-(10**12), max_value=10**12),
        st.sampled_from(["EUR", "DKK", "SEK", "JPY", "USD"]),
        st.sampled_from(["EUR", "DKK", "SEK", "JPY", "USD"]),
        st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("20000"), places=4),
    )
    def test_the_result_is_the_exact_value_rounded_half_even(
        self, amount: int, from_ccy: str, to_ccy: str, usd: Decimal
    ) -> None:
        rates = {**RATES, "USD": usd}
        per_euro = {**{k: Fraction(v) for k, v in rates.items()}, "EUR": Fraction(1)}
        shift = currency(to_ccy).exponent - currency(from_ccy).exponent
        exact = Fraction(amount) / per_euro[from_ccy] * per_euro[to_ccy] * Fraction(10) ** shift
        result = fx.convert(amount, from_ccy, to_ccy, rates)
        assert abs(result - exact) <= Fraction(1, 2)
        if abs(result - exact) == Fraction(1, 2):
            assert result % 2 == 0


class TestCrossRate:
    def test_a_cross_rate_has_ten_significant_digits(self) -> None:
        assert fx.cross_rate("DKK", "SEK", RATES) == Decimal("1.490825995")
        assert fx.cross_rate("JPY", "EUR", RATES) == Decimal("0.006158773172")

    def test_a_euro_rate_is_the_rate_itself(self) -> None:
        assert fx.cross_rate("EUR", "DKK", RATES) == Decimal("7.4613")
        assert fx.cross_rate("DKK", "DKK", {}) == 1


class TestRate:
    def test_a_rate_is_based_on_the_euro(self) -> None:
        rate = fx.Rate("DKK", date(2026, 3, 2), Decimal("7.4613"))
        assert rate.base == "EUR"
