"""Statement entries: what is left to match is the amount less what is matched."""

from __future__ import annotations

from datetime import UTC, date, datetime

from betal.domain.banking import Direction, EntryStatus, MatchStatus, StatementEntry


def _entry(amount: int, matched: int) -> StatementEntry:
    return StatementEntry(
        id="ent_1", organisation_id="org_1", statement_id="stmt_1", account="DK5000400440116243", sequence=1,
        direction=Direction.CREDIT, amount_minor=amount, currency="DKK", status=EntryStatus.BOOKED,
        booking_date=date(2026, 11, 20), value_date=date(2026, 11, 20), end_to_end_id=None, reference=None,
        remittance=None, counterparty_name=None, counterparty_account=None, bank_reference=None,
        bank_transaction_code=None, dedupe_key="k", match_status=MatchStatus.PARTIALLY_MATCHED,
        matched_minor=matched, created_at=datetime(2026, 11, 20, tzinfo=UTC),
    )  # fmt: skip


def test_unmatched_amount() -> None:
    assert _entry(125_000, 0).unmatched_minor == 125_000
    assert _entry(125_000, 100_000).unmatched_minor == 25_000
    assert _entry(125_000, 125_000).unmatched_minor == 0
