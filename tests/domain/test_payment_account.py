"""A payment account's details: an IBAN or a Danish account (which gives its IBAN), every problem at once."""

from __future__ import annotations

import pytest

from betal.domain.errors import InvalidInput
from betal.domain.payment_account import AccountDetails, account_details


class TestAccountDetails:
    def test_a_danish_account_gets_its_iban(self) -> None:
        assert account_details(None, None, "0040", "440116254", "DKK") == AccountDetails(
            "DK4400400440116254", None, "0040", "0440116254", "DKK"
        )

    def test_a_danish_iban_gets_its_account(self) -> None:
        found = account_details("DK44 0040 0440 1162 54", "NDEADKKK", None, None, "DKK")
        assert (found.iban, found.bic, found.reg_no, found.account_no) == (
            "DK4400400440116254", "NDEADKKK", "0040", "0440116254",
        )  # fmt: skip

    def test_a_foreign_iban(self) -> None:
        found = account_details("DE89370400440532013000", None, None, None, "EUR")
        assert (found.reg_no, found.currency) == (None, "EUR")

    @pytest.mark.parametrize(
        ("iban", "reg_no", "account_no", "field"),
        [(None, None, None, "iban"), ("DK4400400440116254", "0040", None, "dk_account"),
         ("DK0000400440116254", None, None, "iban"), (None, "40", "1", "dk_account")],
    )  # fmt: skip
    def test_refused(self, iban: str | None, reg_no: str | None, account_no: str | None, field: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            account_details(iban, None, reg_no, account_no, "DKK")
        assert caught.value.code == "payment_account.invalid"
        assert [p.field for p in caught.value.errors] == [field]

    def test_every_problem_at_once(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            account_details("DK4400400440116254", "X", None, None, "KRONER")
        assert [p.field for p in caught.value.errors] == ["bic", "currency"]
