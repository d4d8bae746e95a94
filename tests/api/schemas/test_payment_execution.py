"""Payment account and bank file schemas: what a request may hold, and how reads look."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from pydantic import ValidationError

from betal.api.schemas.payment_execution import BankFileRead, PaymentAccountCreate, PaymentAccountRead
from betal.domain.bank_file import BankFile, BankFileStatus
from betal.domain.payment_account import PaymentAccount

AT = datetime(2026, 11, 23, tzinfo=UTC)


class TestPaymentAccountCreate:
    def test_defaults(self) -> None:
        body = PaymentAccountCreate.model_validate({"name": "Drift", "iban": "DK4400400440116254"})
        assert (body.currency, body.cutoff, body.file_version, body.is_default) == (
            "DKK", time(14, 0), "pain.001.001.09", False,
        )  # fmt: skip

    @pytest.mark.parametrize(
        "changes", [{"file_version": "pain.001.001.02"}, {"currency": "dkk"}, {"name": ""}, {"owner": "x"}]
    )
    def test_refused(self, changes: dict[str, object]) -> None:
        with pytest.raises(ValidationError):
            PaymentAccountCreate.model_validate({"name": "Drift", "iban": "DK4400400440116254"} | changes)


def test_reads() -> None:
    account = PaymentAccount("pacc_1", "org_1", "Drift", "DK4400400440116254", None, "0040", "0440116254",
                             "DKK", True, time(9, 30), "pain.001.001.03", AT, AT)  # fmt: skip
    read = PaymentAccountRead.of(account)
    assert (read.cutoff, read.dk_account and read.dk_account.account_no) == ("09:30", "0440116254")
    bank_file = BankFile("bfile_1", "org_1", "bfile-1", "pain.001.001.09", "DK4400400440116254",
                         date(2026, 11, 23), 2, "10.00", BankFileStatus.PARTIAL, "bf-1", AT, AT)  # fmt: skip
    assert BankFileRead.of(bank_file).model_dump()["status"] == "partial"
