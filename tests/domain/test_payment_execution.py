"""The cut-off on banking days, ids as bank files write them, and the debit rule of reconciliation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

from betal.domain.banking import Direction, EntryStatus, MatchStatus, StatementEntry, TargetType
from betal.domain.payment_execution import DEBIT_RULE, SubmittedOrder, bank_id, cutoff_passed, match_debits

CUTOFF = time(14, 0)
ORDER = SubmittedOrder("pord_01", "pord-01", 125_000, "DKK")


def debit(**changes: object) -> StatementEntry:
    entry = StatementEntry(
        id="ent_1", organisation_id="org_1", statement_id="stmt_1", account="DK4400400440116254", sequence=1,
        direction=Direction.DEBIT, amount_minor=125_000, currency="DKK", status=EntryStatus.BOOKED,
        booking_date=date(2026, 11, 23), value_date=date(2026, 11, 23), end_to_end_id="pord-01",
        reference=None, remittance=None, counterparty_name=None, counterparty_account=None,
        bank_reference="bf-1-1", bank_transaction_code=None, dedupe_key="k",
        match_status=MatchStatus.UNMATCHED, matched_minor=0, created_at=datetime(2026, 11, 23, tzinfo=UTC),
    )  # fmt: skip
    return replace(entry, **changes)  # type: ignore[arg-type]


class TestCutoff:
    def test_from_the_cut_off_in_copenhagen_time(self) -> None:
        assert not cutoff_passed(datetime(2026, 11, 23, 12, 59, tzinfo=UTC), CUTOFF)  # 13:59 CET
        assert cutoff_passed(datetime(2026, 11, 23, 13, 0, tzinfo=UTC), CUTOFF)
        assert cutoff_passed(datetime(2026, 6, 22, 12, 0, tzinfo=UTC), CUTOFF)  # 14:00 CEST

    def test_never_on_a_closed_day(self) -> None:
        assert not cutoff_passed(datetime(2026, 12, 24, 15, 0, tzinfo=UTC), CUTOFF)
        assert not cutoff_passed(datetime(2026, 11, 22, 15, 0, tzinfo=UTC), CUTOFF)  # Sunday


def test_bank_id_has_no_underscore() -> None:
    assert bank_id("pord_01JD5") == "pord-01JD5"


class TestMatchDebits:
    def test_the_debit_of_a_submitted_order_executes_it(self) -> None:
        [allocation] = match_debits([debit()], {"pord-01": ORDER})
        assert (allocation.target_type, allocation.target_id, allocation.amount_minor, allocation.rule) == (
            TargetType.PAYMENT_ORDER, "pord_01", 125_000, DEBIT_RULE,
        )  # fmt: skip

    def test_anything_else_is_left_for_a_person(self) -> None:
        others = [
            debit(amount_minor=124_999), debit(currency="EUR"), debit(direction=Direction.CREDIT),
            debit(status=EntryStatus.PENDING), debit(end_to_end_id="pord-02"), debit(end_to_end_id=None),
            debit(match_status=MatchStatus.IGNORED),
        ]  # fmt: skip
        assert match_debits(others, {"pord-01": ORDER}) == []

    def test_one_order_is_paid_once(self) -> None:
        found = match_debits([debit(), debit(id="ent_2")], {"pord-01": ORDER})
        assert [a.entry_id for a in found] == ["ent_1"]
