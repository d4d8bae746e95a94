"""The reconciliation engine: each rule, their order, manual allocations, and properties over random books."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from betal.domain.banking import Direction, EntryStatus, MatchStatus, StatementEntry, TargetType
from betal.domain.errors import Conflict, InvalidInput
from betal.domain.payment_method import Method
from betal.domain.reconciliation import (
    MAX_SUBSET_POOL,
    Index,
    OpenPayment,
    OpenRequest,
    Rule,
    is_matchable,
    manual_allocations,
    match_entry,
    reconcile,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PAY_1 = "pay_01JD5Q8Z3N4V6W7X8Y9Z0A1B2C"
PAY_2 = "pay_01JD5Q8Z3N4V6W7X8Y9Z0A1B2D"
IBAN = "DK5000400440116243"


def req(
    n: int, owed: int, *, customer: str = "cus_1", name: str = "Jens Hansen", accounts: tuple[str, ...] = (),
    fi: str | None = None, reference: str | None = None, currency: str = "DKK",
) -> OpenRequest:  # fmt: skip
    return OpenRequest(
        id=f"preq_{n:02d}", customer_id=customer, customer_name=name, payer_accounts=accounts,
        outstanding_minor=owed, currency=currency, due_date=date(2026, 2, 1) + timedelta(days=n),
        created_at=T0 + timedelta(hours=n), fi_payment_id=fi, reference=reference,
    )  # fmt: skip


def entry(amount: int, **fields: object) -> StatementEntry:
    base = StatementEntry(
        id="ent_1", organisation_id="org_1", statement_id="stmt_1", account="DK1", sequence=1,
        direction=Direction.CREDIT, amount_minor=amount, currency="DKK", status=EntryStatus.BOOKED,
        booking_date=date(2026, 2, 3), value_date=None, end_to_end_id=None, reference=None, remittance=None,
        counterparty_name=None, counterparty_account=None, bank_reference=None, bank_transaction_code=None,
        dedupe_key="k", match_status=MatchStatus.UNMATCHED, matched_minor=0, created_at=T0,
    )  # fmt: skip
    return replace(base, **fields)  # type: ignore[arg-type]


def rules(allocations: list) -> list[tuple[str, str, int]]:  # type: ignore[type-arg]
    return [(a.target_id, a.rule, a.amount_minor) for a in allocations]


class TestIsMatchable:
    def test_booked_credits_with_money_left(self) -> None:
        assert is_matchable(entry(100))
        assert is_matchable(entry(100, matched_minor=40, match_status=MatchStatus.PARTIALLY_MATCHED))

    @pytest.mark.parametrize(
        "fields",
        [{"direction": Direction.DEBIT}, {"status": EntryStatus.PENDING},
         {"match_status": MatchStatus.IGNORED}, {"match_status": MatchStatus.MATCHED, "matched_minor": 100},
         {"amount_minor": 0}],
    )  # fmt: skip
    def test_not_others(self, fields: dict[str, object]) -> None:
        assert not is_matchable(entry(100, **fields))


class TestReferenceRule:
    def test_fi_payment_id_exact_amount(self) -> None:
        index = Index([req(1, 125_000, fi="000000067097535"), req(2, 125_000)])
        found = match_entry(
            entry(125_000, reference="71/000000067097535", counterparty_name="JENS HANSEN"), index
        )
        assert rules(found) == [("preq_01", "reference", 125_000)]
        assert found[0].confidence == 100
        assert found[0].method is Method.FI_CARD

    def test_fi_id_in_the_remittance_and_without_zeros(self) -> None:
        index = Index([req(1, 5_000, fi="000000067097535")])
        assert rules(match_entry(entry(5_000, remittance="FIK 67097535"), index)) == []
        assert rules(match_entry(entry(5_000, reference="67097535"), index)) == [
            ("preq_01", "reference", 5_000)
        ]

    def test_request_reference_and_id(self) -> None:
        index = Index([req(1, 1_000, reference="F-1001"), req(2, 2_000)])
        by_ref = match_entry(entry(1_000, remittance="Faktura F-1001 tak"), index)
        assert rules(by_ref) == [("preq_01", "reference", 1_000)]
        assert by_ref[0].method is Method.ACCOUNT_TO_ACCOUNT
        assert rules(match_entry(entry(2_000, end_to_end_id="preq_02"), index)) == []  # not a real id
        index = Index([replace(req(2, 2_000), id="preq_01JD5Q8Z3N4V6W7X8Y9Z0A1B2C")])
        named = entry(2_000, remittance="betaling preq_01jd5q8z3n4v6w7x8y9z0a1b2c")
        assert rules(match_entry(named, index)) == [("preq_01JD5Q8Z3N4V6W7X8Y9Z0A1B2C", "reference", 2_000)]

    def test_a_reference_two_requests_share_names_neither(self) -> None:
        index = Index([req(1, 1_000, reference="Husleje"), req(2, 1_000, reference="Husleje", customer="c2")])
        assert match_entry(entry(1_000, reference="Husleje"), index) == []

    def test_another_payer_quoting_the_reference(self) -> None:
        index = Index([req(1, 1_000, fi="000000000000018", accounts=(IBAN,))])
        found = match_entry(
            entry(1_000, reference="71/000000000000018", counterparty_name="Mette Frederiksen"), index
        )
        assert [(a.rule, a.confidence) for a in found] == [("reference_other_payer", 95)]
        own = entry(1_000, reference="18", counterparty_name="Mette F", counterparty_account=IBAN)
        assert [a.rule for a in match_entry(own, Index([req(1, 1_000, fi="18", accounts=(IBAN,))]))] == [
            "reference"
        ]

    def test_partial_and_overpaid(self) -> None:
        index = Index([req(1, 1_000, reference="F-1")])
        assert rules(match_entry(entry(400, reference="F-1"), index)) == [
            ("preq_01", "reference_partial", 400)
        ]
        assert index.remaining["preq_01"] == 600
        over = match_entry(replace(entry(900, reference="F-1"), id="ent_2"), index)
        assert rules(over) == [("preq_01", "reference_overpaid", 900)]
        assert index.remaining["preq_01"] == 0

    def test_several_named_requests_are_paid_oldest_first(self) -> None:
        named = [
            req(2, 500, reference="F-1002"),
            req(1, 300, reference="F-1001"),
            req(3, 400, reference="F-1003"),
        ]
        found = match_entry(entry(1_000, remittance="F-1003 F-1001 F-1002"), Index(named))
        assert rules(found) == [
            ("preq_01", "reference", 300), ("preq_02", "reference", 500),
            ("preq_03", "reference_partial", 200),
        ]  # fmt: skip
        index = Index([req(3, 400, reference="F-1003"), req(4, 100, reference="F-1009")])
        over = match_entry(entry(700, remittance="F-1009 F-1003"), index)
        assert rules(over) == [("preq_03", "reference", 400), ("preq_04", "reference_overpaid", 300)]

    def test_short_references_count_only_as_the_whole_reference(self) -> None:
        index = Index([req(1, 300, reference="F-1")])
        assert match_entry(entry(300, remittance="F-1 husleje"), index) == []
        assert rules(match_entry(entry(300, reference="f-1"), index)) == [("preq_01", "reference", 300)]

    def test_other_currency_is_not_matched(self) -> None:
        index = Index([req(1, 1_000, reference="F-1", currency="EUR")])
        assert match_entry(entry(1_000, reference="F-1"), index) == []


class TestPaymentRules:
    def test_end_to_end_id_of_a_succeeded_payment(self) -> None:
        index = Index([], [OpenPayment(PAY_1, Method.ACCOUNT_TO_ACCOUNT, 5_000, "DKK")])
        found = match_entry(entry(5_000, end_to_end_id=PAY_1), index)
        assert [(a.target_type, a.target_id, a.rule, a.amount_minor, a.cleared_minor) for a in found] == [
            (TargetType.PAYMENT, PAY_1, "end_to_end", 5_000, 5_000)
        ]
        assert (
            match_entry(replace(entry(5_000, end_to_end_id=PAY_1), id="ent_2"), index) == []
        )  # settled once

    def test_a_payout_net_of_fees_clears_every_payment_it_names(self) -> None:
        index = Index(
            [],
            [OpenPayment(PAY_1, Method.CARD, 10_000, "DKK"), OpenPayment(PAY_2, Method.CARD, 5_000, "DKK")],
        )
        found = match_entry(entry(14_550, remittance=f"Udbetaling {PAY_1} {PAY_2}"), index)
        assert [(a.target_id, a.amount_minor, a.cleared_minor) for a in found] == [
            (PAY_1, 9_700, 10_000), (PAY_2, 4_850, 5_000)
        ]  # fmt: skip

    def test_a_payout_too_far_below_or_above_is_not_a_settlement(self) -> None:
        payments = [OpenPayment(PAY_1, Method.CARD, 10_000, "DKK")]
        assert match_entry(entry(8_000, end_to_end_id=PAY_1), Index([], payments)) == []
        assert match_entry(entry(10_001, end_to_end_id=PAY_1), Index([], payments)) == []

    def test_betalingsservice_collection_reference(self) -> None:
        index = Index([], [OpenPayment(PAY_1, Method.BETALINGSSERVICE, 2_000, "DKK")])
        found = match_entry(entry(2_000, reference=f"12345678/{PAY_1}"), index)
        assert [(a.rule, a.method) for a in found] == [("betalingsservice", Method.BETALINGSSERVICE)]

    def test_betalingsservice_lump_sum_by_pbs_number(self) -> None:
        bs = [
            OpenPayment(PAY_1, Method.BETALINGSSERVICE, 2_000, "DKK", date(2026, 2, 1)),
            OpenPayment(PAY_2, Method.BETALINGSSERVICE, 3_000, "DKK", date(2026, 2, 2)),
        ]
        index = Index([], pbs_numbers={"12345678"}, bs_payments=bs)
        found = match_entry(entry(3_000, remittance="BS 12345678 afregning"), index)
        assert [(a.target_id, a.rule, a.confidence) for a in found] == [(PAY_2, "betalingsservice", 90)]
        assert [
            a.target_id for a in match_entry(replace(entry(2_000, remittance="12345678"), id="e2"), index)
        ] == [PAY_1]
        assert (
            match_entry(
                entry(5_000, remittance="PBS 87654321"), Index([], pbs_numbers={"12345678"}, bs_payments=bs)
            )
            == []
        )

    def test_all_unsettled_collections_at_once(self) -> None:
        bs = [OpenPayment(PAY_1, Method.BETALINGSSERVICE, 2_000, "DKK", date(2026, 2, 1)),
              OpenPayment(PAY_2, Method.BETALINGSSERVICE, 3_000, "DKK", date(2026, 2, 2))]  # fmt: skip
        found = match_entry(
            entry(5_000, remittance="12345678"), Index([], pbs_numbers={"12345678"}, bs_payments=bs)
        )
        assert [a.target_id for a in found] == [PAY_1, PAY_2]


class TestAmountRules:
    def test_amount_and_known_account(self) -> None:
        index = Index([req(1, 1_000, accounts=(IBAN,)), req(2, 2_000, accounts=(IBAN,))])
        found = match_entry(entry(2_000, counterparty_account="00400440116243"), index)
        assert [(a.target_id, a.rule, a.confidence) for a in found] == [("preq_02", "amount_account", 90)]

    def test_amount_and_name(self) -> None:
        index = Index([req(1, 1_000), req(2, 1_000, customer="c2", name="Mette Frederiksen")])
        found = match_entry(entry(1_000, counterparty_name="HANSEN, JENS"), index)
        assert [(a.target_id, a.rule, a.confidence) for a in found] == [("preq_01", "amount_name", 80)]

    def test_several_with_the_amount_is_left_to_a_person(self) -> None:
        index = Index([req(1, 1_000), req(2, 1_000)])
        assert match_entry(entry(1_000, counterparty_name="Jens Hansen"), index) == []

    def test_a_name_alone_without_the_amount_is_nothing(self) -> None:
        assert match_entry(entry(999, counterparty_name="Jens Hansen"), Index([req(1, 1_000)])) == []

    def test_an_unknown_payer_is_nothing(self) -> None:
        assert match_entry(entry(1_000, counterparty_name="Ukendt"), Index([req(1, 1_000)])) == []


class TestSeveralRequests:
    def test_fewest_then_oldest(self) -> None:
        index = Index([req(1, 100), req(2, 200), req(3, 300), req(4, 250), req(5, 350)])
        found = match_entry(entry(600, counterparty_name="Jens Hansen"), index)
        assert [(a.target_id, a.rule, a.confidence, a.amount_minor) for a in found] == [
            ("preq_04", "several_requests", 85, 250), ("preq_05", "several_requests", 85, 350)
        ]  # fmt: skip

    def test_by_account(self) -> None:
        index = Index([req(1, 100, accounts=(IBAN,)), req(2, 200, accounts=(IBAN,))])
        assert [a.target_id for a in match_entry(entry(300, counterparty_account=IBAN), index)] == [
            "preq_01",
            "preq_02",
        ]

    def test_two_customers_of_one_name_are_not_mixed(self) -> None:
        index = Index([req(1, 100), req(2, 200, customer="c2")])
        assert match_entry(entry(300, counterparty_name="Jens Hansen"), index) == []

    def test_only_the_oldest_requests_are_searched(self) -> None:
        many = [req(n, 1_000 + n) for n in range(MAX_SUBSET_POOL)] + [req(90, 5), req(91, 7)]
        assert match_entry(entry(12, counterparty_name="Jens Hansen"), Index(many)) == []


class TestOrder:
    def test_reference_beats_amount(self) -> None:
        index = Index([req(1, 1_000, accounts=(IBAN,)), req(2, 1_000, reference="F-2", accounts=(IBAN,))])
        found = match_entry(entry(1_000, reference="F-2", counterparty_account=IBAN), index)
        assert [a.target_id for a in found] == ["preq_02"]

    def test_entries_in_order_each_against_what_is_left(self) -> None:
        index = Index([req(1, 1_000, reference="F-1")])
        found = reconcile(
            [entry(1_000, reference="F-1"), replace(entry(1_000, reference="F-1"), id="ent_2")], index
        )
        assert [(a.entry_id, a.rule) for a in found] == [("ent_1", "reference")]


class TestManualAllocations:
    def test_oldest_first_without_overpaying(self) -> None:
        found = manual_allocations(entry(700), [req(2, 500), req(1, 300)])
        assert rules(found) == [("preq_01", "manual", 300), ("preq_02", "manual", 400)]
        assert {a.confidence for a in found} == {100}

    def test_a_request_the_money_does_not_reach_gets_nothing(self) -> None:
        assert rules(manual_allocations(entry(200), [req(1, 300), req(2, 500)])) == [
            ("preq_01", "manual", 200)
        ]

    def test_overpay_is_refused(self) -> None:
        with pytest.raises(InvalidInput, match="would overpay") as caught:
            manual_allocations(entry(1_000), [req(1, 300), req(2, 500)])
        assert caught.value.code == "match.overpay"

    def test_fi_id_on_the_entry_marks_the_method(self) -> None:
        [a] = manual_allocations(
            entry(300, reference="71/000000000000018"), [req(1, 300, fi="000000000000018")]
        )
        assert a.method is Method.FI_CARD

    def test_payments(self) -> None:
        found = manual_allocations(entry(950), [], [OpenPayment(PAY_1, Method.MOBILEPAY, 1_000, "DKK")])
        assert [(a.target_type, a.amount_minor, a.cleared_minor, a.rule) for a in found] == [
            (TargetType.PAYMENT, 950, 1_000, "manual")
        ]
        with pytest.raises(InvalidInput, match="would overpay"):
            manual_allocations(entry(1_001), [], [OpenPayment(PAY_1, Method.MOBILEPAY, 1_000, "DKK")])

    @pytest.mark.parametrize(
        ("given", "requests", "error", "code"),
        [
            (entry(100, direction=Direction.DEBIT), [req(1, 100)], InvalidInput, "match.not_credit"),
            (entry(100, status=EntryStatus.PENDING), [req(1, 100)], InvalidInput, "match.not_booked"),
            (entry(100, match_status=MatchStatus.IGNORED), [req(1, 100)], Conflict, "match.entry_ignored"),
            (entry(100, matched_minor=100, match_status=MatchStatus.MATCHED), [req(1, 100)], Conflict,
             "match.entry_matched"),
            (entry(100), [req(1, 100, currency="EUR")], InvalidInput, "match.currency"),
            (entry(100), [req(1, 0)], InvalidInput, "match.not_payable"),
            (entry(100), [], InvalidInput, "invalid_input"),
        ],
    )  # fmt: skip
    def test_refusals(
        self, given: StatementEntry, requests: list[OpenRequest], error: type, code: str
    ) -> None:
        with pytest.raises(error) as caught:
            manual_allocations(given, requests)
        assert caught.value.code == code


# -- Properties over random books -------------------------------------------------------------------

NAMES = ["Jens Hansen", "Mette Frederiksen", "Anna Jensen"]
amounts = st.integers(1, 5_000)


def _accounts(draw: st.DrawFn, customer: int) -> tuple[str, ...]:
    return (f"DK{customer:016d}",) if draw(st.booleans()) else ()


@st.composite
def books(draw: st.DrawFn) -> tuple[list[OpenRequest], list[StatementEntry]]:
    fis, refs = (
        st.sampled_from([None, "18", "26", "34", "42"]),
        st.sampled_from([None, "F-1", "F-1002", "F-1003"]),
    )
    requests = [
        req(n, draw(amounts), customer=f"c{c}", name=NAMES[c], accounts=_accounts(draw, c), fi=draw(fis),
            reference=draw(refs))
        for n, c in enumerate(draw(st.lists(st.integers(0, 2), max_size=12)))
    ]  # fmt: skip
    entries = []
    for i in range(draw(st.integers(0, 10))):
        texts = {
            "reference": draw(st.sampled_from([None, "18", "71/000000000000026", "F-1", "F-1002"])),
            "remittance": draw(st.sampled_from([None, "F-1003 F-1002", "betaling"])),
            "counterparty_name": draw(st.sampled_from([None, *NAMES])),
            "counterparty_account": draw(st.sampled_from([None, "DK0000000000000001", "DK0000000000000002"])),
        }
        entries.append(replace(entry(draw(amounts), **texts), id=f"ent_{i:02d}", sequence=i))
    return requests, entries


class TestProperties:
    @settings(max_examples=300)
    @given(books())
    def test_allocations_never_exceed_the_entry_or_what_is_owed(
        self, book: tuple[list[OpenRequest], list[StatementEntry]]
    ) -> None:
        requests, entries = book
        found = reconcile(entries, Index(requests))
        owed = {r.id: r.outstanding_minor for r in requests}
        for e in entries:
            mine = [a for a in found if a.entry_id == e.id]
            assert sum(a.amount_minor for a in mine) <= e.amount_minor
            assert all(a.amount_minor > 0 for a in mine)
        for a in found:
            if a.rule == Rule.REFERENCE_OVERPAID:
                assert a.amount_minor > owed[a.target_id]
                owed[a.target_id] = 0
                continue
            assert a.amount_minor <= owed[a.target_id]
            owed[a.target_id] -= a.amount_minor

    @settings(max_examples=100)
    @given(books())
    def test_deterministic_whatever_the_order_requests_are_loaded_in(
        self, book: tuple[list[OpenRequest], list[StatementEntry]]
    ) -> None:
        requests, entries = book
        assert reconcile(entries, Index(requests)) == reconcile(entries, Index(list(reversed(requests))))
