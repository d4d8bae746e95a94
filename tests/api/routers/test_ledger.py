"""The ledger API end to end: requests with VAT booked, journal entries (JSON pages and CSV), reversal, the
chart, the trial balance and the receivables and payables agings."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal.bootstrap import Container
from betal.domain.tenancy import Role
from betal.services.api_key import add_api_key
from betal.services.organisation import CreatedOrganisation
from tests.helpers import assert_problem

ENTRIES = "/v1/ledger/journal-entries"


def due(days: int = 14) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def make_request(client: TestClient, auth: dict[str, str], **fields: Any) -> dict[str, Any]:
    customer = client.post(
        "/v1/customers", headers=auth, json={"name": "Jens Hansen", "email": "j@x.dk"}
    ).json()
    body = {
        "customer_id": customer["id"], "amount": 12_500, "vat_amount": 2_500, "currency": "DKK",
        "due_date": due(), "description": "Konsulentbistand", "allowed_methods": ["card"],
    } | fields  # fmt: skip
    response = client.post("/v1/payment-requests", headers=auth, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def key_with(container: Container, org: CreatedOrganisation, role: Role) -> dict[str, str]:
    with container.uow() as uow:
        _key, plaintext = add_api_key(uow, org.organisation.id, name=role.value, role=role, live=False)
        uow.commit()
    return {"Authorization": f"Bearer {plaintext}"}


class TestVatOnRequests:
    def test_the_request_carries_its_vat_and_the_journal_books_it(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        created = make_request(client, auth)
        assert created["vat_amount"] == 2_500
        assert client.get(f"/v1/payment-requests/{created['id']}", headers=auth).json()["vat_amount"] == 2_500
        [entry] = client.get(ENTRIES, headers=auth).json()["data"]
        assert (entry["number"], entry["source_type"], entry["source_id"]) == (
            1,
            "payment_request",
            created["id"],
        )
        shown = [(p["account_code"], p["account_name"], p["debit"], p["credit"]) for p in entry["postings"]]
        assert shown == [
            ("5600", "Debitorer", 12_500, 0), ("1010", "Salg af varer og ydelser", 0, 10_000),
            ("7110", "Salgsmoms", 0, 2_500),
        ]  # fmt: skip

    def test_vat_is_zero_when_left_out(self, client: TestClient, auth: dict[str, str]) -> None:
        customer = client.post("/v1/customers", headers=auth, json={"name": "Jens", "email": "j@x.dk"}).json()
        body = {
            "customer_id": customer["id"], "amount": 1_000, "currency": "DKK", "due_date": due(),
            "description": "X", "allowed_methods": ["card"],
        }  # fmt: skip
        created = client.post("/v1/payment-requests", headers=auth, json=body).json()
        assert created["vat_amount"] == 0
        [entry] = client.get(ENTRIES, headers=auth).json()["data"]
        assert [p["account_code"] for p in entry["postings"]] == ["5600", "1010"]

    @pytest.mark.parametrize("vat", [12_500, 13_000, -1, 25.5, "2500", True])
    def test_bad_vat_is_422_and_nothing_is_written(
        self, client: TestClient, auth: dict[str, str], vat: object
    ) -> None:
        customer = client.post("/v1/customers", headers=auth, json={"name": "Jens", "email": "j@x.dk"}).json()
        body = {
            "customer_id": customer["id"], "amount": 12_500, "vat_amount": vat, "currency": "DKK",
            "due_date": due(), "description": "X", "allowed_methods": ["card"],
        }  # fmt: skip
        problem = assert_problem(
            client.post("/v1/payment-requests", headers=auth, json=body), 422, "invalid_input"
        )
        assert [e["field"] for e in problem["errors"]] == ["vat_amount"]
        assert client.get("/v1/payment-requests", headers=auth).json()["data"] == []
        assert client.get(ENTRIES, headers=auth).json()["data"] == []


class TestJournalEntries:
    def test_pages_newest_first_and_filters(self, client: TestClient, auth: dict[str, str]) -> None:
        made = [make_request(client, auth, amount=1_000 + n, vat_amount=0) for n in range(3)]
        first = client.get(ENTRIES, headers=auth, params={"limit": 2}).json()
        assert [e["number"] for e in first["data"]] == [3, 2]
        rest = client.get(ENTRIES, headers=auth, params={"limit": 2, "cursor": first["next_cursor"]}).json()
        assert ([e["number"] for e in rest["data"]], rest["next_cursor"]) == ([1], None)
        one = client.get(
            ENTRIES, headers=auth, params={"source_type": "payment_request", "source_id": made[1]["id"]}
        )
        assert [e["number"] for e in one.json()["data"]] == [2]
        today = date.today().isoformat()
        assert (
            len(
                client.get(ENTRIES, headers=auth, params={"date_from": today, "date_to": today}).json()[
                    "data"
                ]
            )
            == 3
        )

    def test_bad_queries(self, client: TestClient, auth: dict[str, str]) -> None:
        assert_problem(client.get(ENTRIES, headers=auth, params={"cursor": "!!"}), 422, "invalid_input")
        bad_range = {"date_from": "2026-03-02", "date_to": "2026-03-01"}
        assert_problem(client.get(ENTRIES, headers=auth, params=bad_range), 422, "invalid_input")
        assert client.get(ENTRIES, headers=auth, params={"date_from": "2. marts"}).status_code == 422
        assert client.get(ENTRIES, headers=auth, params={"format": "xml"}).status_code == 422

    def test_one_entry_and_404(
        self, client: TestClient, auth: dict[str, str], other_org: CreatedOrganisation
    ) -> None:
        make_request(client, auth)
        [entry] = client.get(ENTRIES, headers=auth).json()["data"]
        assert client.get(f"{ENTRIES}/{entry['id']}", headers=auth).json() == entry
        other = {"Authorization": f"Bearer {other_org.api_key}"}
        assert_problem(client.get(f"{ENTRIES}/{entry['id']}", headers=other), 404, "journal_entry.not_found")

    @pytest.mark.parametrize("ask", [{"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}])
    def test_csv_export(self, client: TestClient, auth: dict[str, str], ask: dict[str, Any]) -> None:
        make_request(client, auth, amount=12_550, vat_amount=2_510)
        response = client.get(ENTRIES, headers=auth | ask.get("headers", {}), params=ask.get("params"))
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"].startswith('attachment; filename="journal-')
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["entry_number"], r["account_code"], r["debit"], r["credit"]) for r in rows] == [
            ("1", "5600", "125.50", ""),
            ("1", "1010", "", "100.40"),
            ("1", "7110", "", "25.10"),
        ]


class TestReverse:
    def test_reverse_once_and_never_a_reversal(self, client: TestClient, auth: dict[str, str]) -> None:
        make_request(client, auth)
        [entry] = client.get(ENTRIES, headers=auth).json()["data"]
        path = f"{ENTRIES}/{entry['id']}/reverse"
        response = client.post(path, headers=auth | {"Idempotency-Key": "rev-1"}, json={"reason": "dobbelt"})
        assert response.status_code == 201, response.text
        reversal = response.json()
        assert (reversal["number"], reversal["reverses_id"], reversal["reversed_by_id"]) == (
            2,
            entry["id"],
            None,
        )
        original = client.get(f"{ENTRIES}/{entry['id']}", headers=auth).json()
        assert original["reversed_by_id"] == reversal["id"]
        assert reversal["description"] == "Tilbageførsel af bilag 1: dobbelt"
        assert [(p["account_code"], p["debit"], p["credit"]) for p in reversal["postings"]] == [
            ("1010", 10_000, 0),
            ("7110", 2_500, 0),
            ("5600", 0, 12_500),
        ]
        replay = client.post(path, headers=auth | {"Idempotency-Key": "rev-1"}, json={"reason": "dobbelt"})
        assert (replay.status_code, replay.json()) == (201, reversal)
        assert_problem(client.post(path, headers=auth), 409, "journal_entry.reversed")
        assert_problem(
            client.post(f"{ENTRIES}/{reversal['id']}/reverse", headers=auth), 409, "journal_entry.is_reversal"
        )
        trial = client.get("/v1/reports/trial-balance", headers=auth).json()
        assert all(line["balance"] == 0 for line in trial["accounts"])

    def test_reading_is_not_reversing(
        self, client: TestClient, container: Container, org: CreatedOrganisation, auth: dict[str, str]
    ) -> None:
        make_request(client, auth)
        [entry] = client.get(ENTRIES, headers=auth).json()["data"]
        viewer = key_with(container, org, Role.VIEWER)
        assert client.get(ENTRIES, headers=viewer).status_code == 200
        assert_problem(client.post(f"{ENTRIES}/{entry['id']}/reverse", headers=viewer), 403, "role.forbidden")
        bookkeeper = key_with(container, org, Role.BOOKKEEPER)
        assert client.post(f"{ENTRIES}/{entry['id']}/reverse", headers=bookkeeper).status_code == 201

    def test_a_long_reason_is_422(self, client: TestClient, auth: dict[str, str]) -> None:
        make_request(client, auth)
        [entry] = client.get(ENTRIES, headers=auth).json()["data"]
        response = client.post(f"{ENTRIES}/{entry['id']}/reverse", headers=auth, json={"reason": "x" * 151})
        assert response.status_code == 422


class TestAccounts:
    def test_list_and_rename(
        self, client: TestClient, container: Container, org: CreatedOrganisation, auth: dict[str, str]
    ) -> None:
        accounts = client.get("/v1/ledger/accounts", headers=auth).json()
        assert accounts["next_cursor"] is None
        bank = next(a for a in accounts["data"] if a["role"] == "bank")
        assert bank == {"id": bank["id"], "code": "5810", "name": "Bank", "kind": "asset", "role": "bank"}
        path = f"/v1/ledger/accounts/{bank['id']}"
        renamed = client.patch(path, headers=auth, json={"name": "Danske Bank"})
        assert renamed.json() == bank | {"name": "Danske Bank"}
        assert client.patch(path, headers=auth, json={"name": "X", "code": "1"}).status_code == 422
        assert client.patch(path, headers=auth, json={"name": ""}).status_code == 422
        viewer = key_with(container, org, Role.VIEWER)
        assert_problem(client.patch(path, headers=viewer, json={"name": "Y"}), 403, "role.forbidden")


class TestReports:
    def test_trial_balance_debits_equal_credits(self, client: TestClient, auth: dict[str, str]) -> None:
        make_request(client, auth)
        make_request(client, auth, currency="EUR", amount=10_000, vat_amount=2_000)
        report = client.get("/v1/reports/trial-balance", headers=auth).json()
        assert report["date"] == date.today().isoformat()
        assert report["balanced"] is True
        assert report["total_dkk"] == 0
        assert [(t["currency"], t["debit"], t["credit"], t["balance"]) for t in report["totals"]] == [
            ("DKK", 12_500, 12_500, 0),
            ("EUR", 10_000, 10_000, 0),
        ]
        receivables = [a for a in report["accounts"] if a["account_code"] == "5600"]
        assert [(a["currency"], a["balance"], a["balance_dkk"]) for a in receivables] == [
            ("DKK", 12_500, 12_500),
            ("EUR", 10_000, 74_604),
        ]
        before = client.get("/v1/reports/trial-balance", headers=auth, params={"date": "2020-01-01"}).json()
        assert (before["accounts"], before["totals"]) == ([], [])

    def test_receivables_aging(self, client: TestClient, auth: dict[str, str]) -> None:
        make_request(client, auth)
        report = client.get("/v1/reports/receivables-aging", headers=auth).json()
        [row] = report["customers"]
        assert (row["customer_name"], row["not_due"], row["total"], row["requests"]) == (
            "Jens Hansen",
            12_500,
            12_500,
            1,
        )
        later = (date.today() + timedelta(days=60)).isoformat()
        [total] = client.get("/v1/reports/receivables-aging", headers=auth, params={"date": later}).json()[
            "totals"
        ]
        assert (total["customer_id"], total["days_31_60"], total["not_due"]) == (None, 12_500, 0)

    def test_payables_aging(self, client: TestClient, auth: dict[str, str]) -> None:
        kontor = client.post(
            "/v1/suppliers", headers=auth | {"Idempotency-Key": "s1"}, json={"name": "Kontorland A/S"}
        ).json()
        for number, days in (("F-1", 14), ("F-2", -45)):
            body = {
                "supplier_id": kontor["id"], "invoice_number": number, "issue_date": due(-60),
                "due_date": due(days), "currency": "DKK", "vat_amount": 2_000, "total": 10_000,
            }  # fmt: skip
            headers = auth | {"Idempotency-Key": number}
            booked = client.post("/v1/supplier-invoices", headers=headers, json=body)
            assert booked.status_code == 201, booked.text
        report = client.get("/v1/reports/payables-aging", headers=auth).json()
        [row] = report["suppliers"]
        assert (row["supplier_id"], row["supplier_name"]) == (kontor["id"], "Kontorland A/S")
        assert row["invoices"] == 2
        assert (row["not_due"], row["days_31_60"], row["total"]) == (10_000, 10_000, 20_000)
        [total] = report["totals"]
        assert (total["supplier_id"], total["currency"], total["total"]) == (None, "DKK", 20_000)
        earlier = client.get("/v1/reports/payables-aging", headers=auth, params={"date": due(-70)}).json()
        assert earlier["suppliers"] == []
        assert_problem(client.get("/v1/reports/payables-aging"), 401, "api_key.missing")

    def test_reports_need_a_key(self, client: TestClient) -> None:
        assert_problem(client.get("/v1/reports/trial-balance"), 401, "api_key.missing")
