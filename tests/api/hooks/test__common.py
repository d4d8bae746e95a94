"""The shared callback handler: signatures first, then our own payment, then the provider."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import assert_problem


class TestHandleCallback:
    def test_unsigned_callbacks_change_nothing(self, client: TestClient, auth: dict[str, str]) -> None:
        before = client.get("/v1/events", headers=auth).json()
        for path in ("/hooks/mobilepay", "/hooks/card"):
            response = client.post(
                path, content=b'{"reference": "pay-x"}', headers={"content-type": "application/json"}
            )
            assert_problem(response, 401, response.json()["code"])
        assert client.get("/v1/events", headers=auth).json() == before

    def test_providers_without_callbacks_have_no_hook(self, client: TestClient) -> None:
        assert client.post("/hooks/openbanking", content=b"{}").status_code == 404
