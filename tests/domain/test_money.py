"""Tests for betal.domain.money: ISO 4217 table, Money arithmetic, parsing, display and conversion."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.domain.errors import InvalidInput
from betal.domain.money import (
    MAX_AMOUNT_MINOR,
    Currency,
    CurrencyMismatch,
    Money,
    convert,
    currencies,
    currency,
    validate_amount,
)

Compare = Callable[[Any, Any], object]
CODES = sorted(currencies())
codes = st.sampled_from(CODES)
minors = st.integers(min_value=-(10**15), max_value=10**15)


def money_in(code: str) -> st.SearchStrategy[Money]:
    return minors.map(lambda m: Money(m, code))


class TestCurrency:
    @pytest.mark.parametrize(
        ("code", "exponent"),
        [("DKK", 2), ("EUR", 2), ("USD", 2), ("SEK", 2), ("JPY", 0), ("ISK", 0), ("KRW", 0), ("KWD", 3),
         ("BHD", 3), ("TND", 3), ("CLF", 4), ("UYW", 4), ("XAF", 0), ("XCG", 2), ("ZWG", 2)],
    )  # fmt: skip
    def test_exponent_from_iso_4217(self, code: str, exponent: int) -> None:
        assert currency(code) == Currency(code, exponent)
        assert currency(code).exponent == exponent

    def test_carries_the_iso_name_without_comparing_it(self) -> None:
        assert currency("DKK").name == "Danish Krone"
        assert Currency("DKK", 2) == currency("DKK")

    @pytest.mark.parametrize("code", ["XAU", "XDR", "XTS", "XXX", "XUA", "HRK", "ANG", "SLL", "ZWL", "ABC"])
    def test_unknown_code_is_refused(self, code: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            currency(code)
        assert caught.value.code == "currency.unknown"
        assert caught.value.errors[0].field == "currency"

    @pytest.mark.parametrize("code", ["dkk", "Dkk", "DK", "DKKK", "", " DKK", "DKK\n", "D1K", 208, None])
    def test_malformed_code_is_refused(self, code: object) -> None:
        with pytest.raises(InvalidInput) as caught:
            currency(code)  # type: ignore[arg-type]
        assert caught.value.code == "currency.invalid"

    def test_reports_the_given_field(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            currency("QQQ", field="payout.currency")
        assert caught.value.errors[0].field == "payout.currency"


class TestCurrencies:
    def test_table_holds_every_active_code_once(self) -> None:
        table = currencies()
        assert len(table) >= 150
        for code, entry in table.items():
            assert entry.code == code
            assert len(code) == 3
            assert code.isupper()
            assert entry.exponent in (0, 2, 3, 4)
            assert entry.name

    def test_is_read_only(self) -> None:
        with pytest.raises(TypeError):
            currencies()["DKK"] = Currency("DKK", 3)  # type: ignore[index]


class TestValidateAmount:
    @pytest.mark.parametrize("minor", [1, 12500, MAX_AMOUNT_MINOR])
    def test_accepts_positive_int_up_to_the_maximum(self, minor: int) -> None:
        assert validate_amount(minor) == minor

    @pytest.mark.parametrize("minor", [0, -1, MAX_AMOUNT_MINOR + 1])
    def test_refuses_out_of_range(self, minor: int) -> None:
        with pytest.raises(InvalidInput) as caught:
            validate_amount(minor)
        assert caught.value.code == "amount.out_of_range"
        assert caught.value.errors[0].field == "amount"

    @pytest.mark.parametrize("minor", [True, False, 1.0, 12.5, Decimal("100"), "100", None])
    def test_refuses_anything_but_int(self, minor: object) -> None:
        with pytest.raises(InvalidInput) as caught:
            validate_amount(minor, field="lines[0].amount")
        assert caught.value.code == "amount.invalid"
        assert caught.value.errors[0].field == "lines[0].amount"

    def test_maximum_is_ten_to_the_twelfth(self) -> None:
        assert MAX_AMOUNT_MINOR == 10**12


class TestMoney:
    def test_keeps_minor_units_and_code(self) -> None:
        m = Money(12550, "DKK")
        assert (m.minor, m.currency, m.exponent) == (12550, "DKK", 2)

    @pytest.mark.parametrize("minor", [True, 1.5, 1.0, Decimal("1"), "100", None])
    def test_minor_must_be_int(self, minor: object) -> None:
        with pytest.raises(TypeError):
            Money(minor, "DKK")  # type: ignore[arg-type]

    @pytest.mark.parametrize("code", ["dkk", "XXX", "ABC", ""])
    def test_currency_must_be_known(self, code: str) -> None:
        with pytest.raises(InvalidInput):
            Money(100, code)

    def test_may_be_zero_or_negative(self) -> None:
        assert Money(0, "DKK").minor == 0
        assert Money(-5, "DKK").minor == -5

    def test_is_immutable_and_hashable(self) -> None:
        m = Money(1, "DKK")
        with pytest.raises(dataclasses.FrozenInstanceError):
            m.minor = 2  # type: ignore[misc]
        assert len({Money(1, "DKK"), Money(1, "DKK"), Money(1, "EUR")}) == 2

    def test_equality_includes_currency_without_raising(self) -> None:
        assert Money(100, "DKK") == Money(100, "DKK")
        assert Money(100, "DKK") != Money(100, "EUR")


class TestMoneyZero:
    def test_zero(self) -> None:
        assert Money.zero("EUR") == Money(0, "EUR")


class TestMoneyFromDecimal:
    @pytest.mark.parametrize(
        ("value", "code", "minor"),
        [
            ("1234.50", "DKK", 123450),
            ("0.01", "DKK", 1),
            ("-12.5", "EUR", -1250),
            ("+5", "DKK", 500),
            (" 7.25 ", "DKK", 725),
            ("100", "JPY", 100),
            ("100.00", "JPY", 100),
            ("1.230", "DKK", 123),
            ("1.234", "KWD", 1234),
            ("0.0001", "CLF", 1),
            ("0", "DKK", 0),
            ("-0.00", "DKK", 0),
            ("10000000000.00", "DKK", MAX_AMOUNT_MINOR),
            (Decimal("1234.5"), "DKK", 123450),
            (Decimal("1E+2"), "DKK", 10000),
            (Decimal("0E+999999"), "DKK", 0),
            (Decimal("-0.000"), "JPY", 0),
        ],
    )
    def test_parses_exact_amounts(self, value: Decimal | str, code: str, minor: int) -> None:
        assert Money.from_decimal(value, code) == Money(minor, code)

    @pytest.mark.parametrize(
        ("value", "code"),
        [("1.234", "DKK"), ("0.5", "JPY"), ("0.001", "EUR"), ("1.2345", "KWD"), (Decimal("0.00001"), "CLF")],
    )
    def test_refuses_more_decimals_than_the_currency_has(self, value: Decimal | str, code: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            Money.from_decimal(value, code)
        assert caught.value.code == "amount.precision"
        assert caught.value.errors[0].field == "amount"

    @pytest.mark.parametrize(
        "value", ["1,50", "1.234,50", "1e2", "NaN", "", ".5", "5.", "1 000", "١٢", "12 DKK", "--1"]
    )
    def test_refuses_text_that_is_not_a_plain_decimal(self, value: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            Money.from_decimal(value, "DKK")
        assert caught.value.code == "amount.invalid"

    @pytest.mark.parametrize(
        "value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")]
    )
    def test_refuses_non_finite_decimals(self, value: Decimal) -> None:
        with pytest.raises(InvalidInput) as caught:
            Money.from_decimal(value, "DKK")
        assert caught.value.code == "amount.invalid"

    def test_refuses_absurdly_large_numbers(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            Money.from_decimal(Decimal("1E+999999999"), "DKK")
        assert caught.value.code == "amount.out_of_range"

    @pytest.mark.parametrize("value", [1.5, 100, None])
    def test_refuses_floats_and_other_types(self, value: object) -> None:
        with pytest.raises(TypeError):
            Money.from_decimal(value, "DKK")  # type: ignore[arg-type]

    def test_refuses_unknown_currency(self) -> None:
        with pytest.raises(InvalidInput):
            Money.from_decimal("1.00", "XYZ")

    @given(codes.flatmap(money_in))
    def test_round_trips_through_to_decimal(self, m: Money) -> None:
        assert Money.from_decimal(m.to_decimal(), m.currency) == m
        assert Money.from_decimal(str(m.to_decimal()), m.currency) == m


class TestMoneyToDecimal:
    @pytest.mark.parametrize(
        ("minor", "code", "text"),
        [(123450, "DKK", "1234.50"), (-5, "EUR", "-0.05"), (0, "DKK", "0.00"), (100, "JPY", "100"),
         (1234, "KWD", "1.234"), (1, "CLF", "0.0001"),
         (10**30 + 1, "DKK", "10000000000000000000000000000.01")],
    )  # fmt: skip
    def test_exact_major_units(self, minor: int, code: str, text: str) -> None:
        value = Money(minor, code).to_decimal()
        assert isinstance(value, Decimal)
        assert str(value) == text


class TestMoneyFormat:
    @pytest.mark.parametrize(
        ("minor", "code", "text"),
        [
            (123450, "DKK", "1.234,50 DKK"),
            (-123450, "DKK", "-1.234,50 DKK"),
            (5, "DKK", "0,05 DKK"),
            (-5, "EUR", "-0,05 EUR"),
            (0, "DKK", "0,00 DKK"),
            (99, "DKK", "0,99 DKK"),
            (100000, "DKK", "1.000,00 DKK"),
            (123456789012, "DKK", "1.234.567.890,12 DKK"),
            (100000, "JPY", "100.000 JPY"),
            (999, "ISK", "999 ISK"),
            (1234567, "KWD", "1.234,567 KWD"),
            (1, "CLF", "0,0001 CLF"),
        ],
    )
    def test_danish_display(self, minor: int, code: str, text: str) -> None:
        assert Money(minor, code).format() == text


class TestMoneyArithmetic:
    def test_add_and_subtract(self) -> None:
        assert Money(150, "DKK") + Money(250, "DKK") == Money(400, "DKK")
        assert Money(150, "DKK") - Money(250, "DKK") == Money(-100, "DKK")
        assert -Money(150, "DKK") == Money(-150, "DKK")

    @pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a - b])
    def test_refuses_mixed_currencies(self, op: Compare) -> None:
        with pytest.raises(CurrencyMismatch) as caught:
            op(Money(1, "DKK"), Money(1, "EUR"))
        error = caught.value
        assert isinstance(error, InvalidInput)
        assert (error.code, error.left, error.right) == ("money.currency_mismatch", "DKK", "EUR")
        assert error.errors[0].field == "currency"

    @pytest.mark.parametrize("other", [1, 1.0, Decimal("1"), "1", None])
    def test_refuses_plain_numbers(self, other: object) -> None:
        with pytest.raises(TypeError):
            Money(1, "DKK") + other
        with pytest.raises(TypeError):
            Money(1, "DKK") - other
        with pytest.raises(TypeError):
            other + Money(1, "DKK")  # type: ignore[operator]

    @given(codes.flatmap(lambda c: st.tuples(money_in(c), money_in(c), money_in(c))))
    def test_group_laws(self, ms: tuple[Money, Money, Money]) -> None:
        a, b, c = ms
        zero = Money.zero(a.currency)
        assert a + b == b + a
        assert (a + b) + c == a + (b + c)
        assert a + zero == a
        assert a - b == a + (-b)
        assert a - a == zero
        assert -a + a == zero
        assert type((a + b).minor) is int


class TestMoneyComparison:
    def test_orders_within_one_currency(self) -> None:
        small, big = Money(1, "DKK"), Money(2, "DKK")
        assert small < big
        assert small <= big
        assert small <= Money(1, "DKK")
        assert big > small
        assert big >= small
        assert big >= Money(2, "DKK")
        assert not big < small
        assert sorted([big, small]) == [small, big]

    @pytest.mark.parametrize(
        "op", [lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a > b, lambda a, b: a >= b]
    )
    def test_refuses_mixed_currencies(self, op: Compare) -> None:
        with pytest.raises(CurrencyMismatch):
            op(Money(1, "DKK"), Money(2, "EUR"))

    @pytest.mark.parametrize(
        "op", [lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a > b, lambda a, b: a >= b]
    )
    def test_refuses_plain_numbers(self, op: Compare) -> None:
        with pytest.raises(TypeError):
            op(Money(1, "DKK"), 2)

    @given(codes.flatmap(lambda c: st.tuples(money_in(c), money_in(c))))
    def test_agrees_with_minor_units(self, ms: tuple[Money, Money]) -> None:
        a, b = ms
        assert (a < b) == (a.minor < b.minor)
        assert (a >= b) == (a.minor >= b.minor)


class TestConvert:
    @pytest.mark.parametrize(
        ("minor", "source", "rate", "target", "expected"),
        [
            (10000, "DKK", "0.1341", "EUR", 1341),
            (100, "EUR", "7.4604", "DKK", 746),  # 7.4604 -> 746.04 øre
            (100, "EUR", "160.5", "JPY", 160),  # 160.5 -> 160 (even)
            (300, "EUR", "160.5", "JPY", 482),  # 481.5 -> 482 (even)
            (1, "DKK", "0.5", "DKK", 0),  # half to even: 0
            (1, "DKK", "1.5", "DKK", 2),
            (1, "DKK", "2.5", "DKK", 2),
            (1, "DKK", "3.5", "DKK", 4),
            (-1, "DKK", "2.5", "DKK", -2),
            (-1, "DKK", "3.5", "DKK", -4),
            (1, "DKK", "2.5000001", "DKK", 3),
            (100, "DKK", "0.0441", "KWD", 44),  # 1 DKK -> 0.0441 KWD = 44.1 fils
            (1000, "JPY", "0.0436", "DKK", 4360),  # 1000 yen -> 43.60 DKK
            (12345, "DKK", "1", "DKK", 12345),
        ],
    )
    def test_rounds_half_even_once(
        self, minor: int, source: str, rate: str, target: str, expected: int
    ) -> None:
        assert convert(Money(minor, source), Decimal(rate), target) == Money(expected, target)

    @pytest.mark.parametrize("rate", [Decimal("0"), Decimal("-1.2"), Decimal("NaN"), Decimal("Infinity")])
    def test_refuses_rates_that_are_not_positive_numbers(self, rate: Decimal) -> None:
        with pytest.raises(InvalidInput) as caught:
            convert(Money(100, "DKK"), rate, "EUR")
        assert caught.value.errors[0].field == "rate"

    @pytest.mark.parametrize("rate", [0.1341, 1, "0.1341"])
    def test_refuses_rates_that_are_not_decimals(self, rate: object) -> None:
        with pytest.raises(TypeError):
            convert(Money(100, "DKK"), rate, "EUR")  # type: ignore[arg-type]

    def test_refuses_unknown_target(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            convert(Money(100, "DKK"), Decimal("1"), "XYZ")
        assert caught.value.errors[0].field == "to_currency"

    @given(
        codes.flatmap(money_in),
        st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("100000"), places=6),
        codes,
    )
    def test_matches_decimal_half_even_quantize(self, m: Money, rate: Decimal, target: str) -> None:
        result = convert(m, rate, target)
        with localcontext() as ctx:
            ctx.prec = 200
            exact = m.to_decimal() * rate
            expected = exact.scaleb(currency(target).exponent).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        assert result == Money(int(expected), target)
        assert type(result.minor) is int
