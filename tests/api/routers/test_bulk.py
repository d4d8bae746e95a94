"""POST /v1/payment-requests/bulk: 415 for other media types, 422 naming the line, 202 with the job."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from betal.bootstrap import Container
from betal.domain.tenancy import Role
from betal.services.api_key import add_api_key
from betal.services.organisation import CreatedOrganisation
from tests.helpers import assert_problem

PATH = "/v1/payment-requests/bulk"
DATA = Path(__file__).parents[2] / "services" / "data" / "bulk"
CSV = {"Content-Type": "text/csv; charset=utf-8"}
JSON = {"Content-Type": "application/json"}


def _post(client: TestClient, auth: dict[str, str], body: bytes, headers: dict[str, str]) -> object:
    return client.post(PATH, headers=auth | headers, content=body)


class TestMediaTypes:
    @pytest.mark.parametrize("media_type", ["text/plain", "application/xml", "multipart/form-data", ""])
    def test_other_media_types_are_415(
        self, client: TestClient, auth: dict[str, str], media_type: str
    ) -> None:
        body = (DATA / "semicolon.csv").read_bytes()
        response = client.post(PATH, headers=auth | {"Content-Type": media_type}, content=body)
        assert_problem(response, 415, "unsupported_media_type")

    def test_needs_a_key(self, client: TestClient) -> None:
        assert_problem(client.post(PATH, headers=CSV, content=b"x"), 401, "api_key.missing")

    def test_a_viewer_may_not(
        self, client: TestClient, container: Container, org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            _key, viewer = add_api_key(uow, org.organisation.id, name="Læser", role=Role.VIEWER, live=False)
            uow.commit()
        body = (DATA / "semicolon.csv").read_bytes()
        response = client.post(PATH, headers={"Authorization": f"Bearer {viewer}"} | CSV, content=body)
        assert_problem(response, 403, "role.forbidden")


class TestMalformedFiles:
    @pytest.mark.parametrize(
        ("name", "headers", "detail"),
        [
            ("unclosed_quote.csv", CSV, "line 2: the record cannot be read"),
            ("bad_header.csv", CSV, "line 1: unknown column 'kunde'"),
            ("header_only.csv", CSV, "line 2: the file has a header but no rows"),
            ("latin1.csv", CSV, "line 2: is not UTF-8 text"),
            ("broken.json", JSON, "line 3: invalid JSON"),
            ("mixed.csv", JSON, "line 1: invalid JSON"),
        ],
    )
    def test_422_names_the_line(
        self, client: TestClient, auth: dict[str, str], name: str, headers: dict[str, str], detail: str
    ) -> None:
        response = client.post(PATH, headers=auth | headers, content=(DATA / name).read_bytes())
        body = assert_problem(response, 422, "bulk.malformed")
        assert body["detail"].startswith(detail)
        assert body["errors"] == [{"field": "body", "message": body["detail"]}]

    @pytest.mark.parametrize(
        ("body", "headers"), [(b"", CSV), (b"", JSON), (b"[]", JSON), (b'{"a": 1}', JSON)]
    )
    def test_empty_files_are_422(
        self, client: TestClient, auth: dict[str, str], body: bytes, headers: dict[str, str]
    ) -> None:
        problem = assert_problem(
            client.post(PATH, headers=auth | headers, content=body), 422, "bulk.malformed"
        )
        assert problem["detail"].startswith("line 1: ")


class TestAccepted:
    def test_202_with_the_job(self, client: TestClient, auth: dict[str, str]) -> None:
        response = client.post(PATH, headers=auth | CSV, content=(DATA / "mixed.csv").read_bytes())
        assert response.status_code == 202, response.text
        job = response.json()
        assert job["id"].startswith("job_")
        assert (job["kind"], job["status"], job["progress_done"], job["result"]) == (
            "payment_requests.bulk", "queued", 0, None,
        )  # fmt: skip
        assert "payload" not in job
        assert client.get(f"/v1/jobs/{job['id']}", headers=auth).json() == job

    def test_json_array(self, client: TestClient, auth: dict[str, str]) -> None:
        response = client.post(PATH, headers=auth | JSON, content=(DATA / "mixed.json").read_bytes())
        assert response.status_code == 202, response.text

    def test_idempotency_key(self, client: TestClient, auth: dict[str, str]) -> None:
        body = (DATA / "semicolon.csv").read_bytes()
        keyed = auth | CSV | {"Idempotency-Key": "bulk-march"}
        first = client.post(PATH, headers=keyed, content=body)
        again = client.post(PATH, headers=keyed, content=body)
        assert (first.status_code, again.status_code) == (202, 202)
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert_problem(client.post(PATH, headers=keyed, content=body + b"\n"), 409, "idempotency.key_reused")
        as_json = auth | JSON | {"Idempotency-Key": "bulk-march"}
        assert_problem(client.post(PATH, headers=as_json, content=body), 409, "idempotency.key_reused")
        other = client.post(PATH, headers=auth | CSV | {"Idempotency-Key": "bulk-april"}, content=body)
        assert other.json()["id"] != first.json()["id"]

    def test_the_job_belongs_to_the_organisation(
        self, client: TestClient, auth: dict[str, str], other_org: CreatedOrganisation
    ) -> None:
        job = client.post(PATH, headers=auth | CSV, content=(DATA / "semicolon.csv").read_bytes()).json()
        theirs = {"Authorization": f"Bearer {other_org.api_key}"}
        assert_problem(client.get(f"/v1/jobs/{job['id']}", headers=theirs), 404, "job.not_found")

    def test_documented_in_openapi(self, client: TestClient) -> None:
        operation = client.get("/openapi.json").json()["paths"][PATH]["post"]
        assert set(operation["requestBody"]["content"]) == {"text/csv", "application/json"}
        assert {"202", "415"} <= set(operation["responses"])
