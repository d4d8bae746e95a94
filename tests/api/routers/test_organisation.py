"""The key's organisation, its API keys and its audit log."""

from __future__ import annotations

from fastapi.testclient import TestClient

from betal.services.organisation import CreatedOrganisation
from tests.helpers import assert_problem


class TestOrganisation:
    def test_own_organisation(
        self, client: TestClient, auth: dict[str, str], org: CreatedOrganisation
    ) -> None:
        body = client.get("/v1/organisation", headers=auth).json()
        assert body == body | {"id": org.organisation.id, "name": "Hansen & Co ApS", "cvr": "25313763"}


class TestApiKeys:
    def test_created_key_is_shown_once_and_works(self, client: TestClient, auth: dict[str, str]) -> None:
        created = client.post("/v1/api-keys", headers=auth, json={"name": "Ledger sync", "role": "viewer"})
        assert created.status_code == 201
        key = created.json()["key"]
        listed = client.get("/v1/api-keys", headers=auth).json()["data"]
        assert all("key" not in k and "secret_hash" not in k for k in listed)
        assert key not in client.get("/v1/api-keys", headers=auth).text
        viewer = {"Authorization": f"Bearer {key}"}
        assert client.get("/v1/events", headers=viewer).status_code == 200
        assert_problem(client.get("/v1/api-keys", headers=viewer), 403, "role.forbidden")
        assert_problem(client.post("/v1/api-keys", headers=viewer, json={"name": "x"}), 403, "role.forbidden")

    def test_role_must_be_known(self, client: TestClient, auth: dict[str, str]) -> None:
        body = assert_problem(
            client.post("/v1/api-keys", headers=auth, json={"name": "x", "role": "god"}), 422, "invalid_input"
        )
        assert body["errors"][0]["field"] == "role"


class TestAuditLog:
    def test_records_who_what_when_where(self, client: TestClient, auth: dict[str, str]) -> None:
        client.post("/v1/api-keys", headers=auth, json={"name": "audited"})
        [entry] = [
            e
            for e in client.get("/v1/audit-log", headers=auth).json()["data"]
            if e["details"].get("name") == "audited"
        ]
        assert entry["action"] == "api_key.created"
        assert entry["actor_type"] == "api_key"
        assert entry["actor_id"].startswith("key_")
        assert entry["created_at"].endswith("Z")
        assert entry["ip"]
