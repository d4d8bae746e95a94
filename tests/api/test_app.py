"""/openapi.json and /docs describe every route."""

from __future__ import annotations

from fastapi.testclient import TestClient

from betal.api.app import route_table


class TestOpenApi:
    def test_every_api_route_is_documented(self, client: TestClient) -> None:
        spec = client.get("/openapi.json").json()
        assert spec["info"]["title"] == "betal"
        documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
        table = route_table()
        assert len(table) >= 5
        for method, path in table:
            assert (method, path) in documented, f"{method} {path} missing from /openapi.json"

    def test_operations_have_summaries_and_responses(self, client: TestClient) -> None:
        spec = client.get("/openapi.json").json()
        for path, ops in spec["paths"].items():
            for method, op in ops.items():
                assert op.get("summary"), f"{method} {path} has no summary"
                assert op["responses"], f"{method} {path} has no responses"

    def test_docs_page_renders(self, client: TestClient) -> None:
        response = client.get("/docs")
        assert response.status_code == 200
        assert "openapi.json" in response.text
