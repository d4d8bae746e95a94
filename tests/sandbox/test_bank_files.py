"""The sandbox bank's host-to-host file API: idempotent submission, refusals, pain.002 and camt.053."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal.bootstrap import Container
from betal.formats.iso20022 import camt, pain001, pain002
from betal.formats.iso20022.camt import CamtEntry, CamtStatement
from betal.sandbox.bank_files import OPENING_BALANCE, file_id

BANK = "/sandbox/bank/v1"
DEBTOR = "DK5000400440116243"
MONDAY, TUESDAY = date(2026, 3, 2), date(2026, 3, 3)
CREATED = datetime(2026, 2, 27, 10, 0, tzinfo=UTC)


def _domestic(n: int, amount: str, account_no: str = "123456789") -> pain001.Transfer:
    return pain001.Transfer(
        end_to_end_id=f"E2E-pord-{n:02d}", instruction_id=f"pord-{n:02d}", amount=Decimal(amount),
        currency="DKK", kind="domestic", creditor_name="Jensen & Søn ApS", creditor_reg_no="5301",
        creditor_account_no=account_no, remittance=f"Faktura {1000 + n}",
    )  # fmt: skip


def _fi_card(n: int, amount: str) -> pain001.Transfer:
    return pain001.Transfer(
        end_to_end_id=f"E2E-pord-{n:02d}", instruction_id=f"pord-{n:02d}", amount=Decimal(amount),
        currency="DKK", kind="fi_card", creditor_name="Elselskabet A/S", fi_card_type="71",
        fi_creditor_number="12345678", fi_payment_id="000000067097535",
    )  # fmt: skip


def _batch(name: str, day: date, *transfers: pain001.Transfer) -> pain001.PaymentBatch:
    return pain001.PaymentBatch(
        payment_info_id=name, execution_date=day, debtor_name="Hansen & Co ApS", debtor_iban=DEBTOR,
        transfers=transfers, debtor_bic="NDEADKKK",
    )  # fmt: skip


def _file(message_id: str, *batches: pain001.PaymentBatch, version: pain001.Version = pain001.V09) -> bytes:
    return pain001.write(message_id, CREATED, "Hansen & Co ApS", "25313763", batches, version=version)


ACCEPTED_AND_REJECTED = _file(
    "bfile-01",
    _batch("pinf-01", MONDAY, _domestic(1, "1250.00"), _domestic(2, "99.95", account_no="1230000")),
    _batch("pinf-02", TUESDAY, _fi_card(3, "400.50")),
)


def _submit(client: TestClient, content: bytes, key: str = "key-1") -> Any:
    return client.post(
        f"{BANK}/payment-files", content=content,
        headers={"Idempotency-Key": key, "Content-Type": "application/xml"},
    )  # fmt: skip


def _submitted(client: TestClient, content: bytes = ACCEPTED_AND_REJECTED, key: str = "key-1") -> str:
    response = _submit(client, content, key)
    assert response.status_code == 202, response.text
    bank_file_id: str = response.json()["id"]
    return bank_file_id


def _statement(client: TestClient, day: date) -> tuple[CamtStatement, list[CamtEntry]]:
    response = client.get(f"{BANK}/accounts/{DEBTOR}/statements", params={"date": day.isoformat()})
    assert response.status_code == 200, response.text
    statements, entries = camt.parse_bytes(response.content)
    assert len(statements) == 1
    return statements[0], entries


def _stored_files(container: Container) -> list[dict[str, Any]]:
    return container.sandbox_store().list("bank", "payment_file")


class TestSubmit:
    def test_received(self, client: TestClient) -> None:
        response = _submit(client, ACCEPTED_AND_REJECTED)
        assert response.status_code == 202
        assert response.json() == {"id": file_id("bfile-01"), "status": "received"}

    def test_same_key_answers_the_first_answer_and_books_once(
        self, client: TestClient, container: Container
    ) -> None:
        first = _submit(client, ACCEPTED_AND_REJECTED)
        again = _submit(client, ACCEPTED_AND_REJECTED)
        assert (again.status_code, again.json()) == (first.status_code, first.json())
        assert len(_stored_files(container)) == 1

    def test_same_message_id_under_another_key_is_the_same_file(
        self, client: TestClient, container: Container
    ) -> None:
        first = _submitted(client, key="key-1")
        assert _submitted(client, key="key-2") == first
        assert len(_stored_files(container)) == 1
        _, entries = _statement(client, MONDAY)
        assert [e.end_to_end_id for e in entries] == ["E2E-pord-01"]  # debited once

    def test_version_03_is_accepted(self, client: TestClient) -> None:
        content = _file("bfile-03", _batch("pinf-01", MONDAY, _domestic(1, "10.00")), version=pain001.V03)
        bank_file_id = _submitted(client, content)
        assert client.get(f"{BANK}/payment-files/{bank_file_id}").json()["version"] == "pain.001.001.03"

    def test_without_idempotency_key_is_refused(self, client: TestClient, container: Container) -> None:
        response = client.post(f"{BANK}/payment-files", content=ACCEPTED_AND_REJECTED)
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/problem+json")
        assert _stored_files(container) == []


GOOD = ACCEPTED_AND_REJECTED.decode()


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"<Document><unclosed></Document>", "line 1"),
        (b"not xml at all", "line 1"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><d/>',
            "DTD or entity declaration is not allowed",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"/>',
            "not a pain.001.001.03 or .09 document",
        ),
        (GOOD.replace("<NbOfTxs>3</NbOfTxs>", "<NbOfTxs>4</NbOfTxs>").encode(), "NbOfTxs 4 but 3"),
        (
            GOOD.replace("<CtrlSum>1750.45</CtrlSum>", "<CtrlSum>1750.46</CtrlSum>").encode(),
            "CtrlSum 1750.46",
        ),
        (GOOD.replace("<CtrlSum>1349.95</CtrlSum>", "<CtrlSum>1349.00</CtrlSum>").encode(), "PmtInf CtrlSum"),
        (GOOD.replace('Ccy="DKK">1250.00<', 'Ccy="DKK">-1250.00<').encode(), "must be positive"),
        (GOOD.replace("<Dt>2026-03-02</Dt>", "<Dt>2026-02-30</Dt>").encode(), "is not a date"),
        (GOOD.replace("<EndToEndId>E2E-pord-01</EndToEndId>", "").encode(), "has no PmtId/EndToEndId"),
    ],
)
def test_bad_file_is_refused_and_nothing_is_stored(
    client: TestClient, container: Container, content: bytes, detail: str
) -> None:
    response = _submit(client, content, key="key-bad")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert detail in response.json()["detail"]
    assert _stored_files(container) == []
    assert _submit(client, ACCEPTED_AND_REJECTED, key="key-bad").status_code == 202  # the key is free


class TestStatus:
    def test_status_json(self, client: TestClient) -> None:
        bank_file_id = _submitted(client)
        body = client.get(f"{BANK}/payment-files/{bank_file_id}").json()
        assert body["id"] == bank_file_id
        assert body["message_id"] == "bfile-01"
        assert (body["status"], body["transactions"], body["accepted"], body["rejected"]) == (
            "partially_accepted", 3, 2, 1,
        )  # fmt: skip

    def test_unknown_file_is_404(self, client: TestClient) -> None:
        for path in ("bf-unknown", "bf-unknown/status-report"):
            response = client.get(f"{BANK}/payment-files/{path}")
            assert response.status_code == 404
            assert response.headers["content-type"].startswith("application/problem+json")

    def test_status_report_is_a_readable_pain002(self, client: TestClient) -> None:
        bank_file_id = _submitted(client)
        response = client.get(f"{BANK}/payment-files/{bank_file_id}/status-report")
        assert response.status_code == 200
        report = pain002.read(response.content)
        assert report.version == "pain.002.001.10"
        assert (report.original_message_id, report.original_message_type) == ("bfile-01", "pain.001.001.09")
        assert report.group_status == "PART"
        assert report.status_of("pinf-01", "E2E-pord-01") == "ACSC"
        assert report.status_of("pinf-02", "E2E-pord-03") == "ACSC"
        assert report.status_of("pinf-01", "E2E-pord-02") == "RJCT"
        rejected = report.payments[0].transactions[1]
        assert (rejected.instruction_id, rejected.reason_code) == ("pord-02", "AC01")
        assert [p.status for p in report.payments] == ["PART", "ACSC"]

    def test_all_accepted_is_acsc_for_the_group(self, client: TestClient) -> None:
        content = _file("bfile-02", _batch("pinf-01", MONDAY, _domestic(1, "10.00")))
        bank_file_id = _submitted(client, content)
        report = pain002.read(client.get(f"{BANK}/payment-files/{bank_file_id}/status-report").content)
        assert report.group_status == "ACSC"
        assert client.get(f"{BANK}/payment-files/{bank_file_id}").json()["status"] == "accepted"


class TestStatement:
    def test_debits_on_their_execution_date(self, client: TestClient) -> None:
        _submitted(client)
        monday, monday_entries = _statement(client, MONDAY)
        assert monday.account == DEBTOR
        assert (monday.from_date, monday.to_date) == (MONDAY, MONDAY)
        assert [
            (e.direction, e.status, e.amount, e.currency, e.end_to_end_id, e.booking_date)
            for e in monday_entries
        ] == [("debit", "booked", Decimal("1250.00"), "DKK", "E2E-pord-01", MONDAY)]  # the AC01 one: no
        entry = monday_entries[0]
        assert (entry.counterparty_name, entry.counterparty_account) == ("Jensen + Søn ApS", "53010123456789")
        assert entry.remittance == "Faktura 1001"
        _, tuesday_entries = _statement(client, TUESDAY)
        assert [(e.end_to_end_id, e.amount, e.reference) for e in tuesday_entries] == [
            ("E2E-pord-03", Decimal("400.50"), "71/000000067097535")
        ]

    def test_balances_follow_the_debits(self, client: TestClient) -> None:
        _submitted(client)
        monday, _ = _statement(client, MONDAY)
        tuesday, _ = _statement(client, TUESDAY)
        assert monday.opening_balance == OPENING_BALANCE
        assert monday.closing_balance == OPENING_BALANCE - Decimal("1250.00")
        assert tuesday.opening_balance == monday.closing_balance
        assert tuesday.closing_balance == OPENING_BALANCE - Decimal("1650.50")

    def test_a_day_without_payments_has_no_entries(self, client: TestClient) -> None:
        _submitted(client)
        statement, entries = _statement(client, date(2026, 3, 1))
        assert entries == []
        assert statement.opening_balance == statement.closing_balance == OPENING_BALANCE

    @pytest.mark.parametrize("day", ["", "2026-3-2", "2026-02-30", "yesterday"])
    def test_bad_date_is_refused(self, client: TestClient, day: str) -> None:
        response = client.get(f"{BANK}/accounts/{DEBTOR}/statements", params={"date": day})
        assert response.status_code == 400
        assert response.json()["title"] == "Invalid date"
