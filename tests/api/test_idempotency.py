"""Idempotency-Key: same key + same body replays the stored response; another body answers 409."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from betal.adapters.clock import FrozenClock
from betal.bootstrap import Container


def keys(client: TestClient, auth: dict[str, str]) -> list[dict[str, object]]:
    data: list[dict[str, object]] = client.get("/v1/api-keys", headers=auth, params={"limit": 500}).json()[
        "data"
    ]
    return data


class TestReplay:
    def test_same_key_same_body_replays_status_and_body(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        headers = auth | {"Idempotency-Key": "create-ci-key"}
        first = client.post("/v1/api-keys", headers=headers, json={"name": "CI"})
        second = client.post("/v1/api-keys", headers=headers, json={"name": "CI"})
        assert first.status_code == second.status_code == 201
        assert first.content == second.content
        assert second.headers["idempotent-replayed"] == "true"
        assert len([k for k in keys(client, auth) if k["name"] == "CI"]) == 1

    def test_same_key_different_body_is_409(self, client: TestClient, auth: dict[str, str]) -> None:
        headers = auth | {"Idempotency-Key": "k-1"}
        assert client.post("/v1/api-keys", headers=headers, json={"name": "A"}).status_code == 201
        response = client.post("/v1/api-keys", headers=headers, json={"name": "B"})
        assert response.status_code == 409
        assert response.json()["code"] == "idempotency.key_reused"
        assert [k["name"] for k in keys(client, auth)].count("B") == 0

    def test_without_key_every_post_acts(self, client: TestClient, auth: dict[str, str]) -> None:
        client.post("/v1/api-keys", headers=auth, json={"name": "twice"})
        client.post("/v1/api-keys", headers=auth, json={"name": "twice"})
        assert [k["name"] for k in keys(client, auth)].count("twice") == 2

    def test_keys_are_per_organisation(
        self, client: TestClient, auth: dict[str, str], other_org: object
    ) -> None:
        other = {"Authorization": f"Bearer {other_org.api_key}", "Idempotency-Key": "shared"}  # type: ignore[attr-defined]
        mine = auth | {"Idempotency-Key": "shared"}
        a = client.post("/v1/api-keys", headers=mine, json={"name": "same"})
        b = client.post("/v1/api-keys", headers=other, json={"name": "same"})
        assert a.status_code == b.status_code == 201
        assert a.json()["id"] != b.json()["id"]

    def test_failed_request_is_not_stored(self, client: TestClient, auth: dict[str, str]) -> None:
        headers = auth | {"Idempotency-Key": "retry-me"}
        assert client.post("/v1/api-keys", headers=headers, json={"name": " "}).status_code == 422
        assert client.post("/v1/api-keys", headers=headers, json={"name": "fixed"}).status_code == 201

    def test_malformed_key_is_422(self, client: TestClient, auth: dict[str, str]) -> None:
        response = client.post(
            "/v1/api-keys", headers=auth | {"Idempotency-Key": "x" * 256}, json={"name": "a"}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "Idempotency-Key"


class TestExpiry:
    def test_key_is_forgotten_after_24_hours(self, container: Container, auth: dict[str, str]) -> None:
        from betal.api.app import create_app

        clock = FrozenClock(container.clock.now())
        container.clock = clock
        client = TestClient(create_app(container))
        headers = auth | {"Idempotency-Key": "daily"}
        first = client.post("/v1/api-keys", headers=headers, json={"name": "day"}).json()
        clock.advance(timedelta(hours=23))
        assert client.post("/v1/api-keys", headers=headers, json={"name": "day"}).json()["id"] == first["id"]
        clock.advance(timedelta(hours=2))
        assert client.post("/v1/api-keys", headers=headers, json={"name": "day"}).json()["id"] != first["id"]


class TestConcurrency:
    @pytest.mark.parametrize("copies", [2, 8])
    def test_concurrent_identical_requests_make_one_resource(
        self, client: TestClient, auth: dict[str, str], copies: int
    ) -> None:
        headers = auth | {"Idempotency-Key": f"race-{copies}"}
        barrier = threading.Barrier(copies)
        results: list[tuple[int, bytes]] = []
        lock = threading.Lock()

        def call() -> None:
            barrier.wait()
            response = client.post("/v1/api-keys", headers=headers, json={"name": "race"})
            with lock:
                results.append((response.status_code, response.content))

        threads = [threading.Thread(target=call) for _ in range(copies)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert {status for status, _ in results} == {201}
        assert len({body for _, body in results}) == 1
        assert [k["name"] for k in keys(client, auth)].count("race") == 1
