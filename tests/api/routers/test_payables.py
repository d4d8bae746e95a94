"""``/v1/suppliers`` and ``/v1/supplier-invoices`` over HTTP: JSON and UBL XML bookings, problem+json for
every kind of bad input with nothing written, bank changes, PDF documents, lists and idempotency."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.services.organisation import CreatedOrganisation
from tests.helpers import assert_problem
from tests.services.payables_support import counts, load

XML = {"Content-Type": "application/xml"}
PDF = b"%PDF-1.4\n%%EOF\n"
FIK71 = {
    "kind": "fi_card",
    "fi_card_type": "71",
    "fi_creditor_number": "85799665",
    "fi_payment_id": "000000067097535",
}


@pytest.fixture
def supplier_id(client: TestClient, auth: dict[str, str]) -> str:
    body = {
        "name": "Kontorland A/S",
        "cvr": "13748136",
        "dk_account": {"reg_no": "0040", "account_no": "440116243"},
    }
    response = client.post("/v1/suppliers", headers=auth, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def invoice_body(supplier_id: str, **changes: Any) -> dict[str, Any]:
    body = {
        "supplier_id": supplier_id, "invoice_number": "F-1001", "issue_date": "2026-03-02",
        "due_date": "2026-03-16", "currency": "DKK", "vat_amount": 25_000, "total": 125_000,
        "payment_means": FIK71,
        "lines": [{"description": "Kopipapir", "amount": 100_000, "quantity": 10, "unit_price": "100.00"}],
    }  # fmt: skip
    return body | changes


class TestSuppliers:
    def test_create_read_list(self, client: TestClient, auth: dict[str, str], supplier_id: str) -> None:
        got = client.get(f"/v1/suppliers/{supplier_id}", headers=auth).json()
        assert got | {"created_at": None, "updated_at": None} == {
            "id": supplier_id, "name": "Kontorland A/S", "cvr": "13748136", "iban": None, "bic": None,
            "dk_account": {"reg_no": "0040", "account_no": "0440116243"}, "fi_creditor_number": None,
            "country": "DK", "needs_dual_approval": False, "bank_details_changed_at": None,
            "created_at": None, "updated_at": None,
        }  # fmt: skip
        listed = client.get("/v1/suppliers?limit=1", headers=auth).json()
        assert ([s["id"] for s in listed["data"]], listed["next_cursor"]) == ([supplier_id], None)

    def test_bad_details_are_422_per_field(
        self, container: bootstrap.Container, client: TestClient, auth: dict[str, str]
    ) -> None:
        before = counts(container)
        body = {"name": "X", "iban": "DK5000400440116244", "bic": "NDEADKKK", "fi_creditor_number": "123"}
        problem = assert_problem(
            client.post("/v1/suppliers", headers=auth, json=body), 422, "supplier.invalid"
        )
        assert [e["field"] for e in problem["errors"]] == ["iban", "fi_creditor_number"]
        assert counts(container) == before

    def test_patch_bank_details_records_the_change(
        self, client: TestClient, auth: dict[str, str], supplier_id: str
    ) -> None:
        changed = client.patch(f"/v1/suppliers/{supplier_id}", headers=auth, json={"dk_account": None,
                               "iban": "DK5000400440116243", "bic": "NDEADKKK"})  # fmt: skip
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert (body["dk_account"], body["iban"], body["needs_dual_approval"]) == (
            None,
            "DK5000400440116243",
            True,
        )
        assert body["bank_details_changed_at"] is not None
        history = client.get(f"/v1/suppliers/{supplier_id}/bank-changes", headers=auth).json()["data"]
        assert len(history) == 1
        assert (history[0]["before"]["dk_reg_no"], history[0]["after"]["iban"]) == (
            "0040",
            "DK5000400440116243",
        )
        assert history[0]["changed_by"].startswith("key_")
        events = client.get("/v1/events", headers=auth).json()["data"]
        assert "supplier.bank_details_changed" in [e["type"] for e in events]

    def test_patch_name_only_is_not_a_bank_change(
        self, client: TestClient, auth: dict[str, str], supplier_id: str
    ) -> None:
        body = client.patch(
            f"/v1/suppliers/{supplier_id}", headers=auth, json={"name": "Kontorland ApS"}
        ).json()
        assert (body["name"], body["needs_dual_approval"]) == ("Kontorland ApS", False)
        assert client.get(f"/v1/suppliers/{supplier_id}/bank-changes", headers=auth).json()["data"] == []
        problem = assert_problem(
            client.patch(f"/v1/suppliers/{supplier_id}", headers=auth, json={"name": None}),
            422,
            "supplier.invalid",
        )
        assert problem["errors"][0]["field"] == "name"

    def test_duplicate_cvr_is_409(self, client: TestClient, auth: dict[str, str], supplier_id: str) -> None:
        response = client.post("/v1/suppliers", headers=auth, json={"name": "Igen", "cvr": "13748136"})
        assert supplier_id in assert_problem(response, 409, "supplier.duplicate_cvr")["detail"]


class TestTypedInvoices:
    def test_booked_with_payment_details(
        self, client: TestClient, auth: dict[str, str], supplier_id: str
    ) -> None:
        response = client.post("/v1/supplier-invoices", headers=auth, json=invoice_body(supplier_id))
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["id"].startswith("sinv_")
        keys = ("net_amount", "vat_amount", "total", "base_total", "status", "source")
        assert {k: body[k] for k in keys} == {
            "net_amount": 100_000, "vat_amount": 25_000, "total": 125_000, "base_total": 125_000,
            "status": "booked", "source": "typed",
        }  # fmt: skip
        assert body["payment_means"] == FIK71 | {
            "fi_code_line": "+71<000000067097535+85799665<", "reg_no": None, "account_no": None, "iban": None,
            "bic": None,
        }  # fmt: skip
        assert (body["payment_means_source"], body["payable"], body["payable_problem"]) == (
            "invoice",
            True,
            None,
        )
        assert body["lines"] == [
            {"description": "Kopipapir", "amount": 100_000, "quantity": "10", "unit_price": "100.00"}
        ]
        assert (body["documents"], body["payment_orders"], body["supplier_name"]) == (
            [],
            [],
            "Kontorland A/S",
        )
        assert client.get(f"/v1/supplier-invoices/{body['id']}", headers=auth).json() == body
        events = [e["type"] for e in client.get("/v1/events", headers=auth).json()["data"]]
        assert "supplier_invoice.booked" in events

    def test_without_means_the_suppliers_are_used(
        self, client: TestClient, auth: dict[str, str], supplier_id: str
    ) -> None:
        body = client.post(
            "/v1/supplier-invoices", headers=auth, json=invoice_body(supplier_id, payment_means=None)
        ).json()
        assert body["payment_means"]["kind"] == "domestic"
        assert (body["payment_means_source"], body["payable"]) == ("supplier", True)

    def test_without_any_means_it_is_booked_but_not_payable(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        bare = client.post("/v1/suppliers", headers=auth, json={"name": "Uden konto"}).json()["id"]
        body = client.post(
            "/v1/supplier-invoices", headers=auth, json=invoice_body(bare, payment_means=None)
        ).json()
        assert (body["status"], body["payable"], body["payment_means"]) == ("booked", False, None)
        assert "add them to the supplier" in body["payable_problem"]

    @pytest.mark.parametrize(
        ("changes", "code", "field"),
        [
            ({"net_amount": 90_000}, "supplier_invoice.totals", "total"),
            ({"lines": [{"description": "x", "amount": 1}]}, "supplier_invoice.totals", "lines"),
            ({"payment_means": FIK71 | {"fi_payment_id": "000000067097536"}}, "payment_means.invalid",
             "payment_means.fi_payment_id"),
            ({"payment_means": {"kind": "iban", "iban": "DK50 0040"}}, "iban.invalid", "payment_means.iban"),
            ({"payment_means": {"kind": "domestic", "reg_no": "0040", "account_no": "12345678901"}},
             "dk_account.invalid", "payment_means.account_no"),
            ({"total": 125_000.0}, "invalid_input", "total"),
            ({"total": "125000"}, "invalid_input", "total"),
            ({"due_date": "2026-02-30"}, "invalid_input", "due_date"),
            ({"unknown": 1}, "invalid_input", "unknown"),
            ({"supplier_id": "sup_nope"}, "invalid_input", "supplier_id"),
            ({"currency": "SEK", "payment_means": None}, "supplier_invoice.no_rate", "currency"),
        ],
    )  # fmt: skip
    def test_bad_input_is_422_and_writes_nothing(
        self, container: bootstrap.Container, client: TestClient, auth: dict[str, str], supplier_id: str,
        changes: dict[str, Any], code: str, field: str,
    ) -> None:  # fmt: skip
        before = counts(container)
        response = client.post(
            "/v1/supplier-invoices", headers=auth, json=invoice_body(supplier_id) | changes
        )
        problem = assert_problem(response, 422, code)
        assert problem["errors"][0]["field"] == field
        assert counts(container) == before

    def test_a_body_that_is_no_json(self, client: TestClient, auth: dict[str, str]) -> None:
        response = client.post(
            "/v1/supplier-invoices", headers={**auth, "Content-Type": "application/json"}, content=b"{"
        )
        assert assert_problem(response, 422, "invalid_input")["errors"][0]["message"] == "is not valid JSON"

    def test_duplicate_is_409_naming_the_invoice(
        self, container: bootstrap.Container, client: TestClient, auth: dict[str, str], supplier_id: str
    ) -> None:
        first = client.post("/v1/supplier-invoices", headers=auth, json=invoice_body(supplier_id)).json()[
            "id"
        ]
        before = counts(container)
        again = client.post(
            "/v1/supplier-invoices", headers=auth, json=invoice_body(supplier_id, payment_means=None)
        )
        assert first in assert_problem(again, 409, "supplier_invoice.duplicate")["detail"]
        assert counts(container) == before

    def test_other_media_types_are_415(self, client: TestClient, auth: dict[str, str]) -> None:
        response = client.post(
            "/v1/supplier-invoices", headers={**auth, "Content-Type": "text/csv"}, content=b"a"
        )
        assert_problem(response, 415, "unsupported_media_type")

    def test_idempotent_replay(self, client: TestClient, auth: dict[str, str], supplier_id: str) -> None:
        headers = {**auth, "Idempotency-Key": "inv-1"}
        first = client.post("/v1/supplier-invoices", headers=headers, json=invoice_body(supplier_id))
        again = client.post("/v1/supplier-invoices", headers=headers, json=invoice_body(supplier_id))
        assert (again.status_code, again.json(), again.headers["idempotent-replayed"]) == (
            201,
            first.json(),
            "true",
        )
        other = client.post("/v1/supplier-invoices", headers=headers, json=invoice_body(supplier_id, total=2))
        assert_problem(other, 409, "idempotency.key_reused")


class TestUblInvoices:
    def test_booked_from_peppol_with_its_pdf(self, client: TestClient, auth: dict[str, str]) -> None:
        response = client.post(
            "/v1/supplier-invoices", headers={**auth, **XML}, content=load("peppol-fik71-pdf.xml")
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["source"], body["invoice_number"], body["total"]) == ("peppol", "2026-0417", 1_509_375)
        assert (body["supplier_name"], body["payment_means"]["fi_code_line"]) == (
            "Nordlys Software ApS", "+71<000020260004179+87654321<",
        )  # fmt: skip
        kept = {d["kind"]: d for d in body["documents"]}
        xml, pdf = kept["ubl"], kept["pdf"]
        got = client.get(pdf["url"], headers=auth)
        assert (got.status_code, got.content[:5], got.headers["content-type"]) == (
            200,
            b"%PDF-",
            "application/pdf",
        )
        assert got.headers["content-disposition"].startswith('attachment; filename="faktura-2026-0417.pdf"')
        raw = client.get(xml["url"], headers=auth)
        assert raw.content == load("peppol-fik71-pdf.xml")
        assert raw.headers["content-type"].startswith("application/xml")
        assert "sandbox" in raw.headers["content-security-policy"]
        assert raw.headers["x-content-type-options"] == "nosniff"

    def test_oioubl_as_text_xml(self, client: TestClient, auth: dict[str, str]) -> None:
        headers = {**auth, "Content-Type": "text/xml; charset=utf-8"}
        body = client.post("/v1/supplier-invoices", headers=headers, content=load("oioubl-bank.xml")).json()
        assert (body["source"], body["payment_means"]["kind"], body["payment_means"]["reg_no"]) == (
            "oioubl", "domestic", "0040",
        )  # fmt: skip

    @pytest.mark.parametrize(
        ("name", "code"),
        [
            ("malformed.xml", "ubl.malformed_xml"),
            ("not-ubl.xml", "ubl.not_ubl"),
            ("peppol-totals-off.xml", "ubl.totals_mismatch"),
            ("peppol-fik71-check-digit.xml", "ubl.invalid_payment_means"),
            ("peppol-creditnote.xml", "ubl.credit_note"),
        ],
    )
    def test_bad_documents_are_422_and_write_nothing(
        self, container: bootstrap.Container, client: TestClient, auth: dict[str, str], name: str, code: str
    ) -> None:
        before = counts(container)
        response = client.post("/v1/supplier-invoices", headers={**auth, **XML}, content=load(name))
        problem = assert_problem(response, 422, code)
        assert problem["errors"]
        assert counts(container) == before

    def test_duplicate_e_invoice_is_409(
        self, container: bootstrap.Container, client: TestClient, auth: dict[str, str]
    ) -> None:
        first = client.post(
            "/v1/supplier-invoices", headers={**auth, **XML}, content=load("peppol-fik71-pdf.xml")
        )
        before = counts(container)
        again = client.post(
            "/v1/supplier-invoices", headers={**auth, **XML}, content=load("peppol-fik71-pdf.xml")
        )
        assert first.json()["id"] in assert_problem(again, 409, "supplier_invoice.duplicate")["detail"]
        assert counts(container) == before


class TestDocumentsAndLists:
    def _invoice(
        self, client: TestClient, auth: dict[str, str], supplier_id: str, number: str = "F-1"
    ) -> str:
        body = invoice_body(supplier_id, invoice_number=number)
        return str(client.post("/v1/supplier-invoices", headers=auth, json=body).json()["id"])

    def test_upload_and_download_a_pdf(
        self, client: TestClient, auth: dict[str, str], supplier_id: str
    ) -> None:
        invoice_id = self._invoice(client, auth, supplier_id)
        headers = {
            **auth,
            "Content-Type": "application/pdf",
            "Content-Disposition": 'attachment; filename="F 1.pdf"',
        }
        added = client.post(f"/v1/supplier-invoices/{invoice_id}/documents", headers=headers, content=PDF)
        assert added.status_code == 201, added.text
        assert (added.json()["filename"], added.json()["size"], added.json()["kind"]) == (
            "F 1.pdf",
            len(PDF),
            "pdf",
        )
        got = client.get(added.json()["url"], headers=auth)
        assert got.content == PDF
        detail = client.get(f"/v1/supplier-invoices/{invoice_id}", headers=auth).json()
        assert [d["id"] for d in detail["documents"]] == [added.json()["id"]]

    @pytest.mark.parametrize(
        ("content_type", "content", "code"),
        [
            ("application/pdf", b"<html>", "supplier_document.not_pdf"),
            ("image/png", PDF, "supplier_document.not_pdf"),
        ],
    )
    def test_not_a_pdf(
        self, client: TestClient, auth: dict[str, str], supplier_id: str, content_type: str, content: bytes,
        code: str,
    ) -> None:  # fmt: skip
        invoice_id = self._invoice(client, auth, supplier_id)
        response = client.post(
            f"/v1/supplier-invoices/{invoice_id}/documents", headers={**auth, "Content-Type": content_type},
            content=content,
        )  # fmt: skip
        assert_problem(response, 422, code)

    def test_list_with_filters_and_pages(
        self, client: TestClient, auth: dict[str, str], supplier_id: str
    ) -> None:
        first, second = (
            self._invoice(client, auth, supplier_id, "1"),
            self._invoice(client, auth, supplier_id, "2"),
        )
        page = client.get("/v1/supplier-invoices?limit=1", headers=auth).json()
        assert [i["id"] for i in page["data"]] == [first]
        rest = client.get(f"/v1/supplier-invoices?limit=1&cursor={page['next_cursor']}", headers=auth).json()
        assert ([i["id"] for i in rest["data"]], rest["next_cursor"]) == ([second], None)
        assert client.get("/v1/supplier-invoices?status=paid", headers=auth).json()["data"] == []
        by_supplier = client.get(f"/v1/supplier-invoices?supplier_id={supplier_id}", headers=auth).json()
        assert len(by_supplier["data"]) == 2
        assert_problem(client.get("/v1/supplier-invoices?status=nope", headers=auth), 422, "invalid_input")

    def test_another_organisation_sees_nothing(
        self, client: TestClient, auth: dict[str, str], supplier_id: str, other_org: CreatedOrganisation
    ) -> None:
        invoice_id = self._invoice(client, auth, supplier_id)
        theirs = {"Authorization": f"Bearer {other_org.api_key}"}
        assert_problem(
            client.get(f"/v1/supplier-invoices/{invoice_id}", headers=theirs),
            404,
            "supplier_invoice.not_found",
        )
        assert client.get("/v1/supplier-invoices", headers=theirs).json()["data"] == []
        assert client.get("/v1/suppliers", headers=theirs).json()["data"] == []
        response = client.post("/v1/supplier-invoices", headers=theirs, json=invoice_body(supplier_id))
        assert assert_problem(response, 422, "invalid_input")["errors"][0]["field"] == "supplier_id"
