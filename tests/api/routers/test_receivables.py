"""The receivables API end to end: customers, payment requests, payments, mandates."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.helpers import assert_problem


def due(days: int = 14) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def customer(client: TestClient, auth: dict[str, str], **fields: object) -> dict[str, object]:
    body = {"name": "Jens Hansen", "email": "jens@example.dk"} | fields
    response = client.post("/v1/customers", headers=auth, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


class TestCustomers:
    def test_create_read_list(self, client: TestClient, auth: dict[str, str]) -> None:
        created = customer(client, auth, cpr="0101901234", phone="+45 20 30 40 50", external_id="ERP-1")
        assert created["cpr"] == "010190-XXXX"
        assert created["phone"] == "+4520304050"
        assert client.get(f"/v1/customers/{created['id']}", headers=auth).json() == created
        assert [c["id"] for c in client.get("/v1/customers", headers=auth).json()["data"]] == [created["id"]]
        assert "0101901234" not in client.get("/v1/customers", headers=auth).text

    def test_bad_fields_are_named(self, client: TestClient, auth: dict[str, str]) -> None:
        bad = {"name": "X", "email": "nope", "cpr": "991399-1234"}
        body = assert_problem(client.post("/v1/customers", headers=auth, json=bad), 422, "invalid_input")
        assert {e["field"] for e in body["errors"]} == {"email", "cpr"}


class TestPaymentRequests:
    def test_create_with_fi_line_and_pay_url(self, client: TestClient, auth: dict[str, str]) -> None:
        cus = customer(client, auth)
        body = {"customer_id": cus["id"], "amount": 12500, "currency": "DKK", "due_date": due(),
                "description": "Husleje", "allowed_methods": ["fi_card", "card"]}  # fmt: skip
        created = client.post("/v1/payment-requests", headers=auth, json=body)
        assert created.status_code == 201
        request = created.json()
        assert request["status"] == "open"
        assert request["fi_payment_line"].startswith("+71<")
        assert "/pay/" in request["pay_url"]
        detail = client.get(f"/v1/payment-requests/{request['id']}", headers=auth).json()
        assert detail["payments"] == []
        assert detail["reminders"] == []
        listed = client.get(
            "/v1/payment-requests", headers=auth, params={"status": "open", "customer_id": cus["id"]}
        )
        assert [r["id"] for r in listed.json()["data"]] == [request["id"]]
        assert (
            client.get("/v1/payment-requests", headers=auth, params={"status": "paid"}).json()["data"] == []
        )

    def test_bad_input(self, client: TestClient, auth: dict[str, str]) -> None:
        cus = customer(client, auth)
        base = {"customer_id": cus["id"], "amount": 100, "currency": "DKK", "due_date": due(),
                "description": "x", "allowed_methods": ["card"]}  # fmt: skip
        cases = [
            ({"amount": 1.5}, "amount"), ({"amount": "100"}, "amount"), ({"amount": 0}, "amount"),
            ({"amount": 10**12 + 1}, "amount"), ({"currency": "dkk"}, "currency"),
            ({"allowed_methods": ["bitcoin"]}, "allowed_methods.0"), ({"due_date": "2020-01-01"}, "due_date"),
            ({"currency": "XYZ"}, "currency"), ({"customer_id": "cus_nope"}, "customer_id"),
        ]  # fmt: skip
        for change, field in cases:
            response = client.post("/v1/payment-requests", headers=auth, json=base | change)
            assert response.status_code == 422, change
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["errors"][0]["field"] == field, change
        assert client.get("/v1/payment-requests", headers=auth).json()["data"] == []

    def test_cancel_and_illegal_cancel(self, client: TestClient, auth: dict[str, str]) -> None:
        cus = customer(client, auth)
        body = {"customer_id": cus["id"], "amount": 100, "currency": "DKK", "due_date": due(),
                "description": "x", "allowed_methods": ["card"]}  # fmt: skip
        request_id = client.post("/v1/payment-requests", headers=auth, json=body).json()["id"]
        cancelled = client.post(f"/v1/payment-requests/{request_id}/cancel", headers=auth)
        assert cancelled.json()["status"] == "cancelled"
        again = client.post(f"/v1/payment-requests/{request_id}/cancel", headers=auth)
        assert_problem(again, 409, "payment_request.illegal_state_change")


class TestPaymentsAndMandates:
    def test_empty_lists_and_unknown_refund(self, client: TestClient, auth: dict[str, str]) -> None:
        assert client.get("/v1/payments", headers=auth).json() == {"data": [], "next_cursor": None}
        assert client.get("/v1/mandates", headers=auth).json() == {"data": [], "next_cursor": None}
        assert_problem(
            client.post("/v1/payments/pay_nope/refund", headers=auth, json={}), 404, "payment.not_found"
        )


class TestAttachmentOnCreate:
    def test_pdf_attached_in_the_same_transaction(self, client: TestClient, auth: dict[str, str]) -> None:
        import base64

        cus = customer(client, auth)
        base = {"customer_id": cus["id"], "amount": 100, "currency": "DKK", "due_date": due(),
                "description": "Faktura 1042", "allowed_methods": ["card"]}  # fmt: skip
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
        attachment = {"filename": "faktura 1042.pdf", "content_base64": base64.b64encode(pdf).decode()}
        created = client.post("/v1/payment-requests", headers=auth, json=base | {"attachment": attachment})
        assert created.status_code == 201, created.text
        request_id = created.json()["id"]
        with client.app.state.container.uow() as uow:  # type: ignore[attr-defined]
            [stored] = uow.attachments.list_for_request(request_id)
            assert uow.attachments.content(request_id, stored.id) == (stored, pdf)
        not_pdf = {"filename": "x.pdf", "content_base64": base64.b64encode(b"GIF89a....").decode()}
        refused = client.post("/v1/payment-requests", headers=auth, json=base | {"attachment": not_pdf})
        assert refused.status_code == 422
        junk = client.post(
            "/v1/payment-requests",
            headers=auth,
            json=base | {"attachment": {"filename": "x.pdf", "content_base64": "!!!notbase64"}},
        )
        assert junk.json()["errors"][0]["field"] == "attachment.content_base64"
        ids = [r["id"] for r in client.get("/v1/payment-requests", headers=auth).json()["data"]]
        assert ids == [request_id]  # the refused requests left nothing behind
