"""Suggestions for unmatched credits: ranked candidates, each with a one-line explanation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from betal.domain.reconciliation import Index
from betal.domain.reconciliation_suggestion import PER_SOURCE, SuggestionIndex, suggest
from tests.domain.test_reconciliation import IBAN, entry, req


def ranked(index: Index, **fields: object) -> list[tuple[tuple[str, ...], int, str]]:
    amount = int(fields.pop("amount"))  # type: ignore[call-overload]
    return [
        (s.payment_request_ids, s.score, s.explanation)
        for s in suggest(entry(amount, **fields), SuggestionIndex(index))
    ]


class TestSuggest:
    def test_same_amount_and_a_resembling_name(self) -> None:
        index = Index([req(1, 125_000), req(2, 99_000, customer="c2", name="Mette Frederiksen")])
        [(ids, score, text)] = ranked(index, amount=125_000, counterparty_name="J. Hansen")
        assert ids == ("preq_01",)
        assert text.startswith("Same amount 1.250,00 DKK; payer 'J. Hansen' resembles customer 'Jens Hansen'")
        assert score >= 80

    def test_the_same_name_written_otherwise(self) -> None:
        [(_, _, text)] = ranked(Index([req(1, 10_000)]), amount=10_000, counterparty_name="HANSEN JENS")
        assert "payer 'HANSEN JENS' is customer 'Jens Hansen'" in text

    def test_a_name_that_only_resembles(self) -> None:
        index = Index([req(1, 10_000, name="Jens Peter Hansen")])
        [(_, _, text)] = ranked(index, amount=10_000, counterparty_name="Jens Hansen")
        assert "payer 'Jens Hansen' resembles customer 'Jens Peter Hansen'" in text

    def test_a_nearby_amount_says_how_far_off(self) -> None:
        index = Index([req(1, 100_000)])
        [(_, score, text)] = ranked(index, amount=95_000, counterparty_name="Jens Hansen")
        assert text.startswith("950,00 DKK is 50,00 DKK less than the 1.000,00 DKK owed")
        assert score < 80

    def test_the_known_account(self) -> None:
        index = Index([req(1, 5_000, accounts=(IBAN,)), req(2, 5_000, customer="c2", name="Anna Jensen")])
        found = ranked(index, amount=5_000, counterparty_account=IBAN)
        assert found[0][0] == ("preq_01",)
        assert "paid from Jens Hansen's known account" in found[0][2]
        assert found[1][0] == ("preq_02",)

    def test_a_similar_reference(self) -> None:
        index = Index([req(1, 7_000, reference="F-2026-0042")])
        [(_, _, text)] = ranked(index, amount=7_000, reference="F-2026-0043")
        assert "reference 'f-2026-0043' resembles 'F-2026-0042'" in text

    def test_the_due_date(self) -> None:
        index = Index([req(1, 7_000)])  # due 2026-02-02
        [(_, _, text)] = ranked(index, amount=7_000, booking_date=date(2026, 2, 3))
        assert text == "Same amount 70,00 DKK; paid 1 day after the due date"
        [(_, _, text)] = ranked(index, amount=7_000, booking_date=date(2026, 2, 2))
        assert text.endswith("paid on the due date")

    def test_several_requests_of_the_payer(self) -> None:
        index = Index([req(1, 30_000), req(2, 20_000), req(3, 45_000, customer="c2", name="Anna Jensen")])
        found = ranked(index, amount=50_000, counterparty_name="Jens Hansen")
        assert found[0][0] == ("preq_01", "preq_02")
        assert found[0][2].startswith("Pays 2 requests of 'Jens Hansen' exactly (300,00 DKK + 200,00 DKK)")

    def test_at_most_three_best_first_and_nothing_weak(self) -> None:
        index = Index([req(n, 1_000, customer=f"c{n}", name=f"Kunde {n}") for n in range(10)])
        found = ranked(index, amount=1_000)
        assert len(found) == 3
        assert [f[0][0] for f in found] == ["preq_00", "preq_01", "preq_02"]  # equal scores: oldest first
        assert ranked(index, amount=5_000) == []

    def test_nearest_amounts_only(self) -> None:
        index = Index([req(n, 10_000 + n) for n in range(PER_SOURCE * 3)])
        lookups = SuggestionIndex(index)
        near = lookups.near(10_030, "DKK")
        assert len(near) == PER_SOURCE
        assert near[0] == "preq_30"
        assert lookups.near(10_030, "EUR") == []

    def test_other_currencies_are_not_suggested(self) -> None:
        index = Index([req(1, 1_000, currency="EUR")])
        assert ranked(index, amount=1_000, counterparty_name="Jens Hansen") == []

    def test_deterministic(self) -> None:
        requests = [req(n, 1_000 + (n % 3), customer=f"c{n % 4}") for n in range(12)]
        one = ranked(Index(requests), amount=1_001, counterparty_name="Jens Hansen")
        two = ranked(Index(list(reversed(requests))), amount=1_001, counterparty_name="Jens Hansen")
        assert one == two

    def test_what_the_run_took_is_not_suggested(self) -> None:
        index = Index([req(1, 1_000)])
        index.remaining["preq_01"] = 0
        assert ranked(index, amount=1_000, counterparty_name="Jens Hansen") == []
        assert suggest(replace(entry(1_000), amount_minor=1_000), SuggestionIndex(Index([]))) == []
