"""Every failure is RFC 9457 problem+json naming the field; bad input writes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from betal.api.app import create_app
from betal.bootstrap import Container
from tests.helpers import assert_problem


class TestHttpErrors:
    def test_unknown_path_is_404_problem(self, client: TestClient, auth: dict[str, str]) -> None:
        assert_problem(client.get("/v1/no-such-thing", headers=auth), 404, "not_found")

    def test_wrong_method_is_405_problem(self, client: TestClient, auth: dict[str, str]) -> None:
        assert_problem(client.delete("/v1/events", headers=auth), 405, "method_not_allowed")

    def test_missing_key_is_401_with_challenge(self, client: TestClient) -> None:
        response = client.get("/v1/events")
        assert_problem(response, 401, "api_key.missing")
        assert response.headers["www-authenticate"] == "Bearer"

    def test_wrong_key_is_401(self, client: TestClient) -> None:
        response = client.get("/v1/events", headers={"Authorization": "Bearer betal_test_nope"})
        assert_problem(response, 401, "api_key.invalid")

    def test_query_validation_names_the_field(self, client: TestClient, auth: dict[str, str]) -> None:
        body = assert_problem(client.get("/v1/events?after=-1", headers=auth), 422, "invalid_input")
        assert body["errors"] == [{"field": "after", "message": "Input should be greater than or equal to 0"}]


class TestBodyValidation:
    def test_malformed_json(self, client: TestClient, auth: dict[str, str]) -> None:
        response = client.post(
            "/v1/api-keys", headers=auth | {"content-type": "application/json"}, content=b'{"name": '
        )
        body = assert_problem(response, 422, "invalid_input")
        assert body["errors"][0]["message"] == "is not valid JSON"  # type: ignore[index]

    def test_unknown_field_is_named(self, client: TestClient, auth: dict[str, str]) -> None:
        body = assert_problem(
            client.post("/v1/api-keys", headers=auth, json={"name": "ci", "colour": "red"}),
            422,
            "invalid_input",
        )
        assert {"field": "colour", "message": "is not a known field"} in body["errors"]  # type: ignore[operator]

    def test_wrong_type_and_enum(self, client: TestClient, auth: dict[str, str]) -> None:
        body = assert_problem(
            client.post("/v1/api-keys", headers=auth, json={"name": 5, "role": "king"}), 422, "invalid_input"
        )
        assert {e["field"] for e in body["errors"]} == {"name", "role"}  # type: ignore[attr-defined, index]

    def test_nothing_written_on_bad_input(self, client: TestClient, auth: dict[str, str]) -> None:
        before = client.get("/v1/api-keys", headers=auth).json()["data"]
        client.post("/v1/api-keys", headers=auth, json={"name": "", "role": "admin"})
        client.post("/v1/api-keys", headers=auth, json={"name": "   "})
        assert client.get("/v1/api-keys", headers=auth).json()["data"] == before


class TestBodyLimit:
    def test_oversized_body_is_413_problem(self, client: TestClient, auth: dict[str, str]) -> None:
        big = b"x" * (10 * 1024 * 1024 + 1)
        response = client.post(
            "/v1/api-keys", headers=auth | {"content-type": "application/json"}, content=big
        )
        assert_problem(response, 413, "too_large")

    def test_streamed_oversized_body_without_length_is_413(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        def chunks() -> object:
            for _ in range(11):
                yield b"x" * (1024 * 1024)

        response = client.post(
            "/v1/api-keys", headers=auth | {"content-type": "application/json"}, content=chunks()
        )
        assert_problem(response, 413, "too_large")


class TestServerError:
    def test_unhandled_error_is_500_problem_without_details(self, container: Container) -> None:
        app = create_app(container)

        @app.get("/v1/_test/boom")
        def boom() -> None:
            raise RuntimeError("secret internals")

        response = TestClient(app, raise_server_exceptions=False).get("/v1/_test/boom")
        body = assert_problem(response, 500, "internal_error")
        assert "secret internals" not in response.text
        assert body["title"] == "Internal error"
