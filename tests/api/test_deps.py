"""Request dependencies: bearer parsing and the actor stamped on the unit of work."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import assert_problem


class TestBearer:
    @pytest.mark.parametrize(
        "header",
        ["", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "bearer"],
        ids=["empty", "bare", "blank", "basic", "lower"],
    )
    def test_malformed_authorization(self, client: TestClient, header: str) -> None:
        assert_problem(
            client.get("/v1/organisation", headers={"Authorization": header}), 401, "api_key.missing"
        )

    def test_scheme_is_case_insensitive(self, client: TestClient, auth: dict[str, str]) -> None:
        token = auth["Authorization"].split(" ", 1)[1]
        assert client.get("/v1/organisation", headers={"Authorization": f"bEaReR {token}"}).status_code == 200
