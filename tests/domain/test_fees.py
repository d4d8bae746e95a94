"""The fee rules without a database: plan checks, quarters, the months charged, statement lines and VAT."""

from __future__ import annotations

from datetime import date

import pytest

from betal.domain.errors import InvalidInput
from betal.domain.fees import (
    Quarter,
    StatementLine,
    plan_problems,
    statement_lines,
    subscription_months,
    totals,
)
from betal.domain.money import Money


class TestPlanProblems:
    def test_a_valid_plan_has_none(self) -> None:
        assert plan_problems("Standard", 250, 19_900, "DKK") == []
        assert plan_problems("Gratis", 0, 0, "DKK") == []

    def test_every_problem_is_reported_at_once(self) -> None:
        problems = plan_problems("  ", -1, 2.5, "EUR")
        assert [p.field for p in problems] == ["name", "per_payment_fee", "monthly_fee", "currency"]

    @pytest.mark.parametrize("fee", [True, "250", 10**13, -250])
    def test_a_fee_is_a_non_negative_integer(self, fee: object) -> None:
        assert [p.field for p in plan_problems("Standard", fee, 0, "DKK")] == ["per_payment_fee"]

    def test_a_name_is_at_most_100_characters(self) -> None:
        assert plan_problems("x" * 100, 0, 0, "DKK") == []
        assert [p.field for p in plan_problems("x" * 101, 0, 0, "DKK")] == ["name"]


class TestQuarter:
    def test_parse_and_print(self) -> None:
        assert Quarter.parse("2026-Q4") == Quarter(2026, 4)
        assert str(Quarter(2027, 1)) == "2027-Q1"

    @pytest.mark.parametrize(
        "text", ["2026-Q5", "2026-Q0", "2026Q4", "26-Q1", "2026-q1", "1999-Q1", " 2026-Q1"]
    )
    def test_anything_else_is_refused(self, text: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            Quarter.parse(text)
        assert caught.value.code == "fee_statement.invalid_period"
        assert caught.value.errors[0].field == "period"

    @pytest.mark.parametrize(
        ("quarter", "start", "end"),
        [
            (Quarter(2026, 1), date(2026, 1, 1), date(2026, 3, 31)),
            (Quarter(2028, 1), date(2028, 1, 1), date(2028, 3, 31)),
            (Quarter(2026, 2), date(2026, 4, 1), date(2026, 6, 30)),
            (Quarter(2026, 3), date(2026, 7, 1), date(2026, 9, 30)),
            (Quarter(2026, 4), date(2026, 10, 1), date(2026, 12, 31)),
        ],
    )
    def test_bounds(self, quarter: Quarter, start: date, end: date) -> None:
        assert (quarter.start, quarter.end) == (start, end)
        assert Quarter.of(start) == quarter
        assert Quarter.of(end) == quarter

    def test_months_and_previous(self) -> None:
        assert Quarter(2026, 4).months == (date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1))
        assert Quarter(2027, 1).previous() == Quarter(2026, 4)
        assert Quarter(2026, 3).previous() == Quarter(2026, 2)


class TestSubscriptionMonths:
    Q4 = Quarter(2026, 4)

    def test_a_plan_older_than_the_quarter_charges_every_month_of_a_past_quarter(self) -> None:
        assert subscription_months(self.Q4, date(2026, 3, 1), date(2027, 1, 10)) == list(self.Q4.months)

    def test_a_plan_saved_mid_month_charges_that_month_and_those_after(self) -> None:
        assert subscription_months(self.Q4, date(2026, 11, 23), date(2027, 1, 10)) == [
            date(2026, 11, 1), date(2026, 12, 1),
        ]  # fmt: skip

    def test_the_current_quarter_charges_the_months_begun(self) -> None:
        assert subscription_months(self.Q4, date(2026, 1, 1), date(2026, 11, 1)) == [
            date(2026, 10, 1), date(2026, 11, 1),
        ]  # fmt: skip

    def test_no_plan_or_a_later_plan_charges_nothing(self) -> None:
        assert subscription_months(self.Q4, None, date(2027, 1, 10)) == []
        assert subscription_months(self.Q4, date(2027, 1, 1), date(2027, 1, 10)) == []


class TestStatementLines:
    def test_subscription_then_one_line_per_fee(self) -> None:
        lines = statement_lines(19_900, 3, [250, 400, 250, 250])
        assert lines == [
            StatementLine("subscription", 3, 19_900, 59_700),
            StatementLine("payments", 1, 400, 400),
            StatementLine("payments", 3, 250, 750),
        ]

    def test_no_subscription_line_without_a_monthly_fee_or_a_month(self) -> None:
        assert statement_lines(0, 3, [250]) == [StatementLine("payments", 1, 250, 250)]
        assert statement_lines(19_900, 0, []) == []


class TestTotals:
    def test_vat_is_25_percent_of_the_fees(self) -> None:
        lines = statement_lines(19_900, 3, [250, 250])
        found = totals(lines)
        assert found.subtotal == Money(60_200, "DKK")
        assert found.vat == Money(15_050, "DKK")
        assert found.total == Money(75_250, "DKK")

    @pytest.mark.parametrize(("subtotal", "vat"), [(2, 0), (6, 2), (10, 2), (14, 4), (0, 0)])
    def test_vat_rounds_half_to_even_once(self, subtotal: int, vat: int) -> None:
        found = totals([StatementLine("payments", 1, subtotal, subtotal)])
        assert (found.vat.minor, found.total.minor) == (vat, subtotal + vat)
