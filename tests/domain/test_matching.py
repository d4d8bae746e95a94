"""The keys reconciliation compares: names, accounts, references, FI ids, and the exact-subset search."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.domain.matching import (
    account_key,
    digit_tokens,
    fi_ids_in,
    fi_key,
    name_similarity,
    normalise_name,
    payment_ids_in,
    reference_key,
    request_ids_in,
    smallest_exact_subset,
    spread,
    text_tokens,
)

PAY = "pay_01JD5Q8Z3N4V6W7X8Y9Z0A1B2C"
PREQ = "preq_01JD5Q8Z3N4V6W7X8Y9Z0A1B2C"


class TestNormaliseName:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("Jens Hansen", "jens hansen"),
            ("  JENS   HANSEN ", "jens hansen"),
            ("Søren Ærø Ålund", "soeren aeroe aalund"),
            ("Hansen & Co ApS", "hansen co"),
            ("Nordlys A/S", "nordlys"),
            ("Café René I/S", "cafe rene"),
            ("Hansen, Jens", "hansen jens"),
            (None, ""),
            ("", ""),
        ],
    )
    def test_cases(self, given: str | None, expected: str) -> None:
        assert normalise_name(given) == expected


class TestNameSimilarity:
    def test_the_same_name_written_differently_is_one(self) -> None:
        assert name_similarity("JENS HANSEN", "Jens Hansen") == 1.0
        assert name_similarity("Hansen, Jens", "Jens Hansen") == 1.0

    def test_an_initial_pairs_with_the_name_it_starts(self) -> None:
        assert name_similarity("J. Hansen", "Jens Hansen") == 1.0
        assert name_similarity("K. Hansen", "Jens Hansen") < 0.9

    def test_different_people_score_low(self) -> None:
        assert name_similarity("Mette Frederiksen", "Jens Hansen") < 0.5

    def test_no_name_is_zero(self) -> None:
        assert name_similarity(None, "Jens Hansen") == 0.0
        assert name_similarity("Jens", "") == 0.0

    @given(st.text(max_size=30), st.text(max_size=30))
    def test_between_zero_and_one_and_symmetric_in_range(self, a: str, b: str) -> None:
        assert 0.0 <= name_similarity(a, b) <= 1.0


class TestAccountKey:
    def test_a_danish_iban_is_known_by_reg_and_account(self) -> None:
        assert account_key("DK50 0040 0440 1162 43") == "00400440116243"
        assert account_key("00400440116243") == "00400440116243"

    def test_other_accounts_are_compacted(self) -> None:
        assert account_key("de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
        assert account_key("0040-0440116243") == "00400440116243"

    def test_nothing(self) -> None:
        assert account_key(None) is None
        assert account_key("   ") is None


class TestReferences:
    def test_case_and_spaces_do_not_count(self) -> None:
        assert reference_key(" F 1001 ") == reference_key("f1001") == "f1001"

    def test_text_tokens_drop_punctuation_around_words(self) -> None:
        assert text_tokens('Faktura (F-1001), "husleje".') == ["faktura", "f-1001", "husleje"]


class TestFiIds:
    def test_key_is_the_id_without_zeros_when_luhn_holds(self) -> None:
        assert fi_key("000000067097535") == "67097535"
        assert fi_key("000000067097536") is None  # wrong check digit
        assert fi_key("0") is None
        assert fi_key("12a") is None

    @pytest.mark.parametrize(
        "reference",
        ["71/000000067097535", "+71<000000067097535+85799665<", "+71< 000000067097535+85799665<",
         "000000067097535", "67097535", ">71<000000067097535+85799665"],
    )  # fmt: skip
    def test_every_way_a_bank_writes_the_reference(self, reference: str) -> None:
        assert fi_ids_in(reference, None) == ["67097535"]

    def test_in_free_text(self) -> None:
        assert fi_ids_in(None, "Betaling +71< 000000067097535+85799665< tak") == ["67097535"]
        assert fi_ids_in(None, "kort 75/0000000000000018") == ["18"]
        assert fi_ids_in(None, "FIK 000000067097535 husleje") == ["67097535"]

    def test_short_numbers_in_free_text_are_not_ids(self) -> None:
        assert fi_ids_in(None, "Faktura 1001 marts 2026") == []
        assert fi_ids_in("RF18539007547034", None) == []

    def test_the_card_type_before_a_slash_needs_its_own_word(self) -> None:
        assert fi_ids_in(None, "nr 1071/18") == []


class TestIds:
    def test_payment_ids_in_any_case_once(self) -> None:
        assert payment_ids_in(f"e2e {PAY.lower()}", PAY, None) == [PAY]

    def test_request_ids(self) -> None:
        assert request_ids_in(f"Betaling for {PREQ}.") == [PREQ]
        assert request_ids_in("preq_short") == []

    def test_digit_tokens(self) -> None:
        assert digit_tokens("BS 12345678 / 2026", None) == {"12345678", "2026"}


def _brute(amounts: list[int], target: int) -> tuple[int, ...] | None:
    for size in range(2, min(5, len(amounts)) + 1):
        for combo in combinations(range(len(amounts)), size):
            if sum(amounts[i] for i in combo) == target:
                return combo
    return None


class TestSmallestExactSubset:
    def test_fewest_requests_win(self) -> None:
        # 100 + 200 + 300 and 250 + 350 both make 600: two requests beat three.
        assert smallest_exact_subset([100, 200, 300, 250, 350], 600) == (3, 4)

    def test_among_equally_few_the_oldest(self) -> None:
        assert smallest_exact_subset([100, 500, 200, 400], 600) == (0, 1)

    def test_nothing_sums(self) -> None:
        assert smallest_exact_subset([100, 200], 250) is None
        assert smallest_exact_subset([], 100) is None
        assert smallest_exact_subset([100], 100) is None  # one request is not "several"

    def test_at_most_five(self) -> None:
        assert smallest_exact_subset([1] * 6, 6) is None
        assert smallest_exact_subset([1] * 6, 5) == (0, 1, 2, 3, 4)

    @given(st.lists(st.integers(1, 60), max_size=9), st.integers(1, 200))
    def test_agrees_with_brute_force(self, amounts: list[int], target: int) -> None:
        assert smallest_exact_subset(amounts, target) == _brute(amounts, target)


class TestSpread:
    def test_in_proportion_remainder_last(self) -> None:
        assert spread(970, [500, 500]) == [485, 485]
        assert spread(100, [1, 1, 1]) == [33, 33, 34]

    @given(st.integers(0, 10**9), st.lists(st.integers(1, 10**6), min_size=1, max_size=8))
    def test_sums_to_the_total(self, total: int, weights: list[int]) -> None:
        shares = spread(total, weights)
        assert sum(shares) == total
        assert all(s >= 0 for s in shares)
