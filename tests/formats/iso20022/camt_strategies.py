"""Hypothesis strategies for camt statements and entries that the writer can write and the reader read back.

Text is what a Danish bank file holds (ASCII, æøå, XML's special characters), with no surrounding space
(the reader strips it) and, for remittance, single spaces between words (lines are joined with one).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from betal.formats.iso20022.camt import CamtEntry, CamtStatement

VERSIONS = ["camt.053.001.02", "camt.053.001.08", "camt.054.001.02", "camt.054.001.08"]
_CHARACTERS = [chr(c) for c in range(0x21, 0x7F)] + list("æøåÆØÅéüÉÜ§½€")
WORD = st.text(st.sampled_from(_CHARACTERS), min_size=1, max_size=30)


def text(max_size: int) -> st.SearchStrategy[str]:
    """1 to ``max_size`` characters, with inner spaces but none at either end."""
    return st.text(st.sampled_from([*_CHARACTERS, " "]), min_size=1, max_size=max_size).filter(
        lambda value: value == value.strip() and bool(value)
    )


IDS = text(35)
ACCOUNTS = st.one_of(
    st.from_regex(r"DK[0-9]{16}", fullmatch=True),
    st.from_regex(r"[0-9]{8,14}", fullmatch=True),  # a reg. and account number, or a FIK creditor number
)
CURRENCIES = st.sampled_from(["DKK", "EUR", "SEK", "NOK", "USD", "JPY"])
DATES = st.dates(date(2000, 1, 1), date(2099, 12, 31))
AMOUNTS = st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2) | st.decimals(
    min_value=0, max_value=99999, places=0
)
BANK_CODES = st.sampled_from(
    ["PMNT-RCDT-DMCT", "PMNT-ICDT-ESCT", "PMNT-MCRD-POSP", "NTRF", "FIK71", "BS-OPKR"]
)
REMITTANCES = st.lists(WORD, min_size=1, max_size=20).map(" ".join)
MOMENTS = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)),
    st.sampled_from([None, UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))]),
)


@st.composite
def statements(draw: st.DrawFn, kind: str) -> CamtStatement:
    period = draw(st.none() | st.tuples(DATES, DATES).map(sorted))
    balances = (
        (None, None)
        if kind == "camt.054"
        else draw(
            st.tuples(AMOUNTS, AMOUNTS).map(lambda pair: (pair[0], -pair[1])) | st.tuples(AMOUNTS, st.none())
        )
    )
    return CamtStatement(
        kind=kind,
        version=f"{kind}.001.08",
        message_id=draw(IDS),
        statement_ref=draw(IDS),
        account=draw(ACCOUNTS),
        currency=draw(CURRENCIES if kind == "camt.053" else st.none() | CURRENCIES),
        from_date=period[0] if period else None,
        to_date=period[1] if period else None,
        opening_balance=balances[0],
        closing_balance=balances[1],
        created_at=draw(MOMENTS),
    )


@st.composite
def entries(draw: st.DrawFn, statement_ref: str, sequence: int) -> CamtEntry:
    return CamtEntry(
        statement_ref=statement_ref,
        sequence=sequence,
        line=0,
        direction=draw(st.sampled_from(["credit", "debit"])),
        amount=draw(AMOUNTS),
        currency=draw(CURRENCIES),
        status=draw(st.sampled_from(["booked", "pending", "info"])),
        booking_date=draw(st.none() | DATES),
        value_date=draw(st.none() | DATES),
        end_to_end_id=draw(st.none() | IDS.filter(lambda i: i != "NOTPROVIDED")),
        reference=draw(st.none() | IDS),
        remittance=draw(st.none() | REMITTANCES),
        counterparty_name=draw(st.none() | text(140)),
        counterparty_account=draw(st.none() | ACCOUNTS),
        bank_reference=draw(st.none() | IDS),
        bank_transaction_code=draw(st.none() | BANK_CODES),
    )


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, CamtStatement, list[CamtEntry]]:
    """A version, a statement of its kind and up to six entries of that statement."""
    version = draw(st.sampled_from(VERSIONS))
    statement = draw(statements(version[:8]))
    count = draw(st.integers(min_value=0, max_value=6))
    return version, statement, [draw(entries(statement.statement_ref, n)) for n in range(1, count + 1)]
