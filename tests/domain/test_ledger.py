"""The ledger's pure rules: the default chart, balance checks, valuation in DKK and reversal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.domain.errors import InvalidInput
from betal.domain.ledger import (
    BASE_CURRENCY,
    CLEARING,
    DEFAULT_CHART,
    ERM2_CENTRAL_RATE,
    ROLE_CODES,
    AccountKind,
    AccountRole,
    JournalDraft,
    JournalEntry,
    Line,
    Posting,
    Unbalanced,
    check_balanced,
    compact,
    credit,
    debit,
    rate_or_fallback,
    reversal,
    to_base,
    unvalued,
    valued,
)
from betal.domain.payment_method import Method

R = AccountRole
DAY = date(2026, 3, 2)


def draft(*lines: Line) -> JournalDraft:
    return JournalDraft("org_1", DAY, "Test", "manual", "x", lines)


class TestChart:
    def test_every_role_is_held_by_exactly_one_account(self) -> None:
        roles = [a.role for a in DEFAULT_CHART if a.role is not None]
        assert sorted(roles) == sorted(AccountRole)
        assert len({a.code for a in DEFAULT_CHART}) == len(DEFAULT_CHART)
        assert ROLE_CODES[R.RECEIVABLES] == "5600"
        assert ROLE_CODES[R.BANK] == "5810"

    def test_every_method_has_a_clearing_asset_account(self) -> None:
        assert set(CLEARING) == set(Method)
        kinds = {a.role: a.kind for a in DEFAULT_CHART}
        assert {kinds[role] for role in CLEARING.values()} == {AccountKind.ASSET}

    def test_account_kinds_follow_the_danish_numbering(self) -> None:
        for account in DEFAULT_CHART:
            if account.kind in (AccountKind.INCOME, AccountKind.EXPENSE):
                assert account.code < "5000", account
            else:
                assert account.code >= "5000", account


class TestLines:
    def test_debit_is_positive_and_credit_negative(self) -> None:
        assert debit(R.BANK, 100, "DKK") == Line(R.BANK, 100, "DKK")
        assert credit(R.SALES, 100, "EUR", 746) == Line(R.SALES, -100, "EUR", -746)
        assert credit(R.SALES, 100, "DKK").base == -100

    def test_a_foreign_line_needs_its_dkk_value(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            _ = Line(R.BANK, 100, "EUR").base
        assert caught.value.code == "ledger.missing_base"

    def test_compact_keeps_a_line_with_only_a_dkk_value(self) -> None:
        kept = compact([Line(R.BANK, 0, "DKK"), Line(R.FX_GAINS, 0, "EUR", -3), Line(R.SALES, 0, "EUR", 0)])
        assert kept == (Line(R.FX_GAINS, 0, "EUR", -3),)


class TestCheckBalanced:
    def test_a_balanced_entry_passes(self) -> None:
        check_balanced([debit(R.BANK, 100, "DKK"), credit(R.SALES, 100, "DKK")])

    def test_one_posting_is_not_an_entry(self) -> None:
        with pytest.raises(Unbalanced, match="at least two"):
            check_balanced([debit(R.BANK, 100, "DKK"), credit(R.SALES, 0, "DKK")])

    def test_debits_and_credits_must_match_per_currency(self) -> None:
        lines = [
            debit(R.BANK, 100, "DKK"), credit(R.SALES, 90, "DKK"),
            debit(R.BANK, 5, "EUR", 37), credit(R.SALES, 4, "EUR", -47),
        ]  # fmt: skip
        with pytest.raises(Unbalanced) as caught:
            check_balanced(lines)
        assert caught.value.detail == "debits and credits differ by DKK +10, EUR +1 (minor units)"
        assert (caught.value.code, caught.value.errors[0].field) == ("ledger.unbalanced", "postings")

    def test_and_in_dkk(self) -> None:
        with pytest.raises(Unbalanced, match="off by -1 øre"):
            check_balanced([debit(R.BANK, 100, "EUR", 746), credit(R.SALES, 100, "EUR", 747)])

    @pytest.mark.parametrize("amount", [1.5, True, "100"])
    def test_amounts_are_integers(self, amount: object) -> None:
        with pytest.raises(Unbalanced, match="integers"):
            check_balanced([Line(R.BANK, amount, "DKK", 1), credit(R.SALES, 1, "DKK")])  # type: ignore[arg-type]


class TestValuation:
    @pytest.mark.parametrize(
        ("amount", "currency", "rate", "expected"),
        [
            (10_000, "EUR", Decimal("7.46038"), 74_604),
            (1, "EUR", Decimal("7.5"), 8),  # 7,5 øre: half to even
            (3, "EUR", Decimal("7.5"), 22),  # 22,5 øre: half to even
            (-3, "EUR", Decimal("7.5"), -22),
            (1_000, "JPY", Decimal("0.0458"), 4_580),  # yen have no decimals
            (1_234, "DKK", Decimal("99"), 1_234),
        ],
    )
    def test_to_base_rounds_once_half_to_even(
        self, amount: int, currency: str, rate: Decimal, expected: int
    ) -> None:
        assert to_base(amount, currency, rate) == expected

    def test_rate_or_fallback(self) -> None:
        assert rate_or_fallback("SEK", DAY, Decimal("0.68")) == Decimal("0.68")
        assert rate_or_fallback("EUR", DAY, None) == ERM2_CENTRAL_RATE
        with pytest.raises(InvalidInput) as caught:
            rate_or_fallback("SEK", DAY, None)
        assert caught.value.code == "ledger.no_rate"
        assert caught.value.errors[0].field == "currency"
        assert "2026-03-02" in caught.value.detail

    def test_a_dkk_draft_is_left_alone(self) -> None:
        plain = draft(debit(R.BANK, 100, "DKK"), credit(R.SALES, 100, "DKK"))
        assert unvalued(plain) == frozenset()
        assert valued(plain, {}) is plain

    def test_rounding_goes_to_the_rounding_account(self) -> None:
        lines = (debit(R.RECEIVABLES, 3, "EUR"), credit(R.SALES, 1, "EUR"), credit(R.OUTPUT_VAT, 2, "EUR"))
        result = valued(draft(*lines), {"EUR": Decimal("7.5")})
        assert result.lines == (
            Line(R.RECEIVABLES, 3, "EUR", 22), Line(R.SALES, -1, "EUR", -8),
            Line(R.OUTPUT_VAT, -2, "EUR", -15), Line(R.ROUNDING, 0, "EUR", 1),
        )  # fmt: skip
        check_balanced(result.lines)

    def test_a_draft_that_names_some_values_must_balance_on_its_own(self) -> None:
        lines = (debit(R.CLEARING_CARD, 100, "EUR"), credit(R.RECEIVABLES, 100, "EUR", 740))
        result = valued(draft(*lines), {"EUR": Decimal("7.46")})
        assert [line.role for line in result.lines] == [R.CLEARING_CARD, R.RECEIVABLES]
        with pytest.raises(Unbalanced):
            check_balanced(result.lines)

    @given(
        amounts=st.lists(st.integers(1, 10**9), min_size=1, max_size=6),
        rate=st.decimals(Decimal("0.0001"), Decimal("100"), places=6),
        currency=st.sampled_from(["EUR", "SEK", "JPY", "KWD"]),
    )
    def test_any_balanced_foreign_draft_balances_in_dkk_once_valued(
        self, amounts: list[int], rate: Decimal, currency: str
    ) -> None:
        lines = [credit(R.SALES, a, currency) for a in amounts] + [
            debit(R.RECEIVABLES, sum(amounts), currency)
        ]
        lines.append(debit(R.BANK, 500, BASE_CURRENCY))
        lines.append(credit(R.FEE_INCOME, 500, BASE_CURRENCY))
        result = valued(draft(*lines), {currency: rate})
        check_balanced(result.lines)
        assert sum(1 for line in result.lines if line.role is R.ROUNDING) <= 1


class TestReversal:
    def test_the_same_postings_with_their_signs_turned(self) -> None:
        entry = JournalEntry(
            id="je_1", organisation_id="org_1", number=7, entry_date=DAY, description="Betaling",
            source_type="payment", source_id="pay_1", reverses_id=None,
            created_at=datetime(2026, 3, 2, tzinfo=UTC),
            postings=(Posting("acc_1", "5740", "EUR", 100, 746), Posting("acc_2", "5600", "EUR", -100, -746)),
        )  # fmt: skip
        roles = {"acc_1": R.CLEARING_CARD, "acc_2": R.RECEIVABLES}
        undone = reversal(entry, roles, date(2026, 3, 9), "forkert kunde")
        assert undone.lines == (
            Line(R.CLEARING_CARD, -100, "EUR", -746),
            Line(R.RECEIVABLES, 100, "EUR", 746),
        )
        assert (undone.reverses_id, undone.source_type, undone.source_id) == ("je_1", "payment", "pay_1")
        assert (undone.entry_date, undone.description) == (
            date(2026, 3, 9),
            "Tilbageførsel af bilag 7: forkert kunde",
        )
        check_balanced(undone.lines)
