"""What a pain.002 status means for an order and for its file, and the reason an order keeps."""

from __future__ import annotations

import pytest

from betal.domain.bank_file import BankFileStatus, Outcome, file_status, outcome, payment_info_id, reason

A, R, P = Outcome.ACCEPTED, Outcome.REJECTED, Outcome.PENDING


@pytest.mark.parametrize(
    ("status", "expected"),
    [("ACCP", A), ("ACSC", A), ("ACSP", A), ("ACTC", A), ("ACWC", A), ("RJCT", R), ("PDNG", P), ("RCVD", P),
     (None, P)],
)  # fmt: skip
def test_outcome(status: str | None, expected: Outcome) -> None:
    assert outcome(status) is expected


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [([A, A], BankFileStatus.ACCEPTED), ([R], BankFileStatus.REJECTED), ([A, R], BankFileStatus.PARTIAL),
     ([A, P], BankFileStatus.SUBMITTED), ([], BankFileStatus.SUBMITTED)],
)  # fmt: skip
def test_file_status(outcomes: list[Outcome], expected: BankFileStatus) -> None:
    assert file_status(outcomes) is expected


def test_reason() -> None:
    assert reason("AC01", "creditor account not found") == "AC01: creditor account not found"
    assert reason("AM04", "AM04") == "AM04"
    assert reason(None, None) == "rejected by the bank"
    assert len(reason("X", "y" * 300)) == 200


def test_payment_info_id_fits_an_iso_id() -> None:
    assert payment_info_id("bfile-01JD5ZZZZZZZZZZZZZZZZZZZZZ") == "bfile-01JD5ZZZZZZZZZZZZZZZZZZZZZ-1"
    assert len(payment_info_id("bfile-" + "0" * 26)) <= 35
