"""Aging of open items: buckets by days past due, per party and currency, never adding currencies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.domain.aging import BUCKETS, Bucket, OpenItem, aging, bucket

AS_OF = date(2026, 5, 31)


def item(party: str, days_late: int, amount: int, currency: str = "DKK", name: str | None = None) -> OpenItem:
    return OpenItem(party, name or party.title(), f"{party}-{days_late}-{amount}", currency,
                    AS_OF - timedelta(days=days_late), amount)  # fmt: skip


class TestBucket:
    @pytest.mark.parametrize(
        ("days_late", "expected"),
        [(-10, Bucket.NOT_DUE), (0, Bucket.NOT_DUE), (1, Bucket.DAYS_1_30), (30, Bucket.DAYS_1_30),
         (31, Bucket.DAYS_31_60), (60, Bucket.DAYS_31_60), (61, Bucket.DAYS_61_90), (90, Bucket.DAYS_61_90),
         (91, Bucket.OVER_90), (4000, Bucket.OVER_90)],
    )  # fmt: skip
    def test_edges(self, days_late: int, expected: Bucket) -> None:
        assert bucket(AS_OF - timedelta(days=days_late), AS_OF) is expected

    def test_the_order_of_the_buckets(self) -> None:
        assert [b.value for b in BUCKETS] == ["not_due", "days_1_30", "days_31_60", "days_61_90", "over_90"]


class TestAging:
    def test_rows_per_party_and_currency_and_totals_per_currency(self) -> None:
        report = aging(
            [item("zeta", -3, 100), item("zeta", 45, 200), item("alfa", 95, 50), item("alfa", 10, 7, "EUR"),
             item("alfa", 5, 0)],
            AS_OF,
        )  # fmt: skip
        assert [(r.party_name, r.currency, r.total_minor, r.items) for r in report.rows] == [
            ("Alfa", "DKK", 50, 1),
            ("Zeta", "DKK", 300, 2),
            ("Alfa", "EUR", 7, 1),
        ]
        assert report.rows[1].amounts == {
            Bucket.NOT_DUE: 100, Bucket.DAYS_1_30: 0, Bucket.DAYS_31_60: 200, Bucket.DAYS_61_90: 0,
            Bucket.OVER_90: 0,
        }  # fmt: skip
        assert [(t.party_id, t.currency, t.total_minor, t.items) for t in report.totals] == [
            (None, "DKK", 350, 3),
            (None, "EUR", 7, 1),
        ]
        assert report.totals[0].amounts[Bucket.OVER_90] == 50

    def test_nothing_open(self) -> None:
        report = aging([], AS_OF)
        assert (report.as_of, report.rows, report.totals) == (AS_OF, (), ())

    def test_two_parties_with_one_name_stay_apart(self) -> None:
        report = aging([item("a", 1, 10, name="Hansen"), item("b", 1, 20, name="Hansen")], AS_OF)
        assert [(r.party_id, r.total_minor) for r in report.rows] == [("a", 10), ("b", 20)]

    @given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(-100, 400), st.integers(0, 10**9),
                              st.sampled_from(["DKK", "EUR"])), max_size=40))  # fmt: skip
    def test_the_totals_are_the_sum_of_what_is_open(self, raw: list[tuple[str, int, int, str]]) -> None:
        items = [item(p, d, a, c) for p, d, a, c in raw]
        report = aging(items, AS_OF)
        for total in report.totals:
            assert total.total_minor == sum(i.amount_minor for i in items if i.currency == total.currency)
            assert total.total_minor == sum(
                r.total_minor for r in report.rows if r.currency == total.currency
            )
