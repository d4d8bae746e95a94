"""``/v1/payment-requests/{id}/attachments``: upload a raw PDF (idempotent), download it, 404 across
organisations, problem+json for anything that is not a small PDF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.domain.calendar import business_date
from betal.services import attachment
from betal.services.organisation import CreatedOrganisation
from tests.helpers import assert_problem

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HEADERS = {"Content-Type": "application/pdf"}


@pytest.fixture
def request_id(container: bootstrap.Container, client: TestClient, auth: dict[str, str]) -> str:
    customer = client.post("/v1/customers", headers=auth, json={"name": "Søren", "email": "s@aeroe.example"})
    due = business_date(container.clock.now()) + timedelta(days=10)
    body = {
        "customer_id": customer.json()["id"], "amount": 12_500, "currency": "DKK",
        "due_date": due.isoformat(), "description": "Husleje", "allowed_methods": ["card"],
    }  # fmt: skip
    created = client.post("/v1/payment-requests", headers=auth, json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


class TestUpload:
    def test_created_and_downloadable(
        self, client: TestClient, auth: dict[str, str], request_id: str
    ) -> None:
        response = client.post(
            f"/v1/payment-requests/{request_id}/attachments?filename=Faktura%201001.pdf",
            headers={**auth, **HEADERS},
            content=PDF,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["id"].startswith("att_")
        assert body == body | {
            "payment_request_id": request_id, "filename": "Faktura 1001.pdf",
            "content_type": "application/pdf", "size": len(PDF),
        }  # fmt: skip
        assert body["created_at"].endswith("Z")
        got = client.get(f"/v1/payment-requests/{request_id}/attachments/{body['id']}", headers=auth)
        assert got.status_code == 200
        assert got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"].startswith('attachment; filename="Faktura 1001.pdf"')
        assert got.headers["x-content-type-options"] == "nosniff"

    def test_the_name_from_content_disposition(
        self, client: TestClient, auth: dict[str, str], request_id: str
    ) -> None:
        headers = {
            **auth,
            **HEADERS,
            "Content-Disposition": "attachment; filename*=UTF-8''faktura-%C3%A6%C3%B8%C3%A5.pdf",
        }
        response = client.post(f"/v1/payment-requests/{request_id}/attachments", headers=headers, content=PDF)
        assert response.json()["filename"] == "faktura-æøå.pdf"
        headers["Content-Disposition"] = 'attachment; filename="../x/plain.pdf"'
        response = client.post(f"/v1/payment-requests/{request_id}/attachments", headers=headers, content=PDF)
        assert response.json()["filename"] == "plain.pdf"
        del headers["Content-Disposition"]
        response = client.post(f"/v1/payment-requests/{request_id}/attachments", headers=headers, content=PDF)
        assert response.json()["filename"] == attachment.DEFAULT_FILENAME

    def test_download_of_a_non_ascii_name(
        self, client: TestClient, auth: dict[str, str], request_id: str
    ) -> None:
        url = f"/v1/payment-requests/{request_id}/attachments?filename=bilag-æ.pdf"
        created = client.post(url, headers={**auth, **HEADERS}, content=PDF).json()
        got = client.get(f"/v1/payment-requests/{request_id}/attachments/{created['id']}", headers=auth)
        assert got.headers["content-disposition"] == (
            "attachment; filename=\"bilag-_.pdf\"; filename*=UTF-8''bilag-%C3%A6.pdf"
        )

    def test_idempotent(self, client: TestClient, auth: dict[str, str], request_id: str) -> None:
        url = f"/v1/payment-requests/{request_id}/attachments"
        headers = {**auth, **HEADERS, "Idempotency-Key": "att-1"}
        first = client.post(url, headers=headers, content=PDF)
        again = client.post(url, headers=headers, content=PDF)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        other = client.post(url, headers=headers, content=PDF + b"\n")
        assert_problem(other, 409, "idempotency.key_reused")

    @pytest.mark.parametrize(
        ("content", "content_type", "code"),
        [
            (b"GIF89a", "application/pdf", "attachment.not_pdf"),
            (PDF, "application/json", "attachment.not_pdf"),
            (PDF + b"0" * attachment.MAX_BYTES, "application/pdf", "attachment.too_large"),
        ],
    )
    def test_only_small_pdfs(
        self,
        client: TestClient,
        auth: dict[str, str],
        request_id: str,
        content: bytes,
        content_type: str,
        code: str,
    ) -> None:
        response = client.post(
            f"/v1/payment-requests/{request_id}/attachments",
            headers={**auth, "Content-Type": content_type},
            content=content,
        )
        assert_problem(response, 422, code)

    def test_needs_a_key_that_may_bill(
        self, client: TestClient, auth: dict[str, str], request_id: str
    ) -> None:
        url = f"/v1/payment-requests/{request_id}/attachments"
        assert_problem(client.post(url, headers=HEADERS, content=PDF), 401, "api_key.missing")
        viewer = client.post("/v1/api-keys", headers=auth, json={"name": "v", "role": "viewer"}).json()["key"]
        forbidden = client.post(url, headers={"Authorization": f"Bearer {viewer}", **HEADERS}, content=PDF)
        assert_problem(forbidden, 403, "role.forbidden")


class TestTenancy:
    def test_another_organisation_sees_nothing(
        self,
        client: TestClient,
        auth: dict[str, str],
        other_org: CreatedOrganisation,
        request_id: str,
    ) -> None:
        created = client.post(
            f"/v1/payment-requests/{request_id}/attachments", headers={**auth, **HEADERS}, content=PDF
        ).json()
        theirs = {"Authorization": f"Bearer {other_org.api_key}"}
        url = f"/v1/payment-requests/{request_id}/attachments"
        assert_problem(
            client.post(url, headers={**theirs, **HEADERS}, content=PDF), 404, "payment_request.not_found"
        )
        assert_problem(client.get(f"{url}/{created['id']}", headers=theirs), 404, "attachment.not_found")
        assert_problem(client.get(f"{url}/att_nope", headers=auth), 404, "attachment.not_found")

    def test_the_openapi_document_describes_a_pdf_body(self, client: TestClient) -> None:
        spec = client.get("/openapi.json").json()
        post = spec["paths"]["/v1/payment-requests/{request_id}/attachments"]["post"]
        assert "application/pdf" in post["requestBody"]["content"]
