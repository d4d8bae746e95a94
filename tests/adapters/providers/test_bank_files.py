"""HttpBankFiles against the sandbox bank over real HTTP: submit once, read the report and the statement."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from betal.adapters.providers.bank_files import HttpBankFiles, base_url
from betal.config import ConfigError, Mode, Settings
from betal.domain.provider import ProviderRejected, ProviderUnavailable
from betal.formats.iso20022 import camt, pain001, pain002
from betal.ports import BankFiles
from tests.conftest import LiveServer

DEBTOR = "DK5000400440116243"
DAY = date(2026, 3, 2)
LIVE_KEY = "a-live-secret-key-that-is-long-enough-for-live"


def _file(message_id: str) -> bytes:
    transfer = pain001.Transfer(
        end_to_end_id="E2E-pord-01", instruction_id="pord-01", amount=Decimal("1250.00"), currency="DKK",
        kind="domestic", creditor_name="Jensen ApS", creditor_reg_no="5301", creditor_account_no="123456789",
    )  # fmt: skip
    batch = pain001.PaymentBatch(
        payment_info_id="pinf-01", execution_date=DAY, debtor_name="Hansen ApS", debtor_iban=DEBTOR,
        transfers=(transfer,),
    )  # fmt: skip
    return pain001.write(message_id, datetime(2026, 2, 27, tzinfo=UTC), "Hansen ApS", None, [batch])


@pytest.fixture
def bank(live_server: LiveServer) -> BankFiles:
    return live_server.container.bank_files()


class TestAgainstTheSandboxBank:
    def test_submit_twice_with_one_key_books_one_file(self, bank: BankFiles, live_server: LiveServer) -> None:
        content = _file("bfile-adapter-1")
        first = bank.submit(content, "order-batch-1")
        assert bank.submit(content, "order-batch-1") == first
        assert len(live_server.container.sandbox_store().list("bank", "payment_file")) == 1
        _, entries = camt.parse_bytes(bank.statement(DEBTOR, DAY))
        assert [(e.end_to_end_id, e.amount) for e in entries] == [("E2E-pord-01", Decimal("1250.00"))]

    def test_status_report(self, bank: BankFiles) -> None:
        bank_file_id = bank.submit(_file("bfile-adapter-2"), "order-batch-2")
        report = pain002.read(bank.status_report(bank_file_id))
        assert report.original_message_id == "bfile-adapter-2"
        assert report.status_of("pinf-01", "E2E-pord-01") == "ACSC"

    def test_a_refused_file_is_rejected_with_the_banks_reason(self, bank: BankFiles) -> None:
        with pytest.raises(ProviderRejected, match=r"not a pain\.001"):
            bank.submit(b"<Document/>", "order-batch-3")

    def test_an_unknown_file_is_rejected(self, bank: BankFiles) -> None:
        with pytest.raises(ProviderRejected, match="no payment file"):
            bank.status_report("bf-unknown")

    def test_the_container_keeps_one_client(self, live_server: LiveServer) -> None:
        assert live_server.container.bank_files() is live_server.container.bank_files()


class TestConfiguration:
    def test_sandbox_mode_uses_the_sandbox_bank(self) -> None:
        settings = Settings(base_url="http://betal.test/")
        assert base_url(settings) == "http://betal.test/sandbox/bank"

    def test_a_configured_url_wins(self) -> None:
        settings = Settings(bank_files_url="https://h2h.bank.example/api/", mode=Mode.SANDBOX)
        assert base_url(settings) == "https://h2h.bank.example/api"

    def test_live_mode_needs_the_url(self) -> None:
        with pytest.raises(ConfigError, match="BETAL_BANK_FILES_URL"):
            base_url(Settings(mode=Mode.LIVE, secret_key=LIVE_KEY))

    def test_an_unreachable_bank_is_unavailable(self) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

        bank = HttpBankFiles(Settings(), transport=httpx.MockTransport(refuse))
        with pytest.raises(ProviderUnavailable, match="unreachable"):
            bank.submit(_file("bfile-adapter-4"), "order-batch-4")
