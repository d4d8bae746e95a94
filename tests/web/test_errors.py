"""HTML error pages outside the API; problem+json inside it is untouched."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from betal.domain.errors import Conflict, RateLimited

PROBLEM = "application/problem+json"


def _add(client: TestClient, path: str, error: Exception) -> None:
    def boom() -> None:
        raise error

    app = client.app
    assert isinstance(app, FastAPI)
    app.add_api_route(path, boom, methods=["GET"])


class TestErrorPages:
    def test_unknown_portal_page_is_an_html_404(self, client: TestClient) -> None:
        response = client.get("/app/nothing-here")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert '<html lang="da">' in response.text
        assert "Siden blev ikke fundet" in response.text

    def test_in_english(self, client: TestClient) -> None:
        client.get("/app/language/en")
        response = client.get("/nothing-here")
        assert response.status_code == 404
        assert '<html lang="en">' in response.text
        assert "Page not found" in response.text

    def test_a_bug_is_an_html_500(self, client: TestClient) -> None:
        _add(client, "/app/boom", RuntimeError("bug"))
        response = client.get("/app/boom")
        assert response.status_code == 500
        assert "Noget gik galt" in response.text
        assert "RuntimeError" not in response.text
        client.get("/app/language/en")
        assert "Something went wrong" in client.get("/app/boom").text

    def test_rate_limits_keep_retry_after(self, client: TestClient) -> None:
        _add(client, "/app/slow-down", RateLimited("wait", retry_after=30))
        response = client.get("/app/slow-down")
        assert response.status_code == 429
        assert response.headers["retry-after"] == "30"
        assert "For mange forespørgsler" in response.text

    def test_other_errors_get_a_generic_page(self, client: TestClient) -> None:
        _add(client, "/app/conflict", Conflict("no"))
        response = client.get("/app/conflict")
        assert response.status_code == 409
        assert "Forespørgslen kunne ikke behandles" in response.text

    def test_method_not_allowed_keeps_allow(self, client: TestClient) -> None:
        response = client.put("/app/login")
        assert response.status_code == 405
        assert "allow" in response.headers
        assert response.headers["content-type"].startswith("text/html")

    def test_after_a_post_the_language_link_goes_home(self, client: TestClient) -> None:
        response = client.post("/app/login", data={})
        assert response.status_code == 403
        assert "/app/language/en?next=/app/" in response.text


class TestApiStaysProblemJson:
    @pytest.mark.parametrize("path", ["/v1/nothing-here", "/v1", "/docs/nothing", "/openapi.json/x"])
    def test_api_paths(self, client: TestClient, path: str) -> None:
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith(PROBLEM)

    def test_api_errors(self, client: TestClient) -> None:
        response = client.get("/v1/organisation")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.headers["www-authenticate"] == "Bearer"

    def test_api_bugs(self, client: TestClient) -> None:
        _add(client, "/v1/boom", RuntimeError("bug"))
        response = client.get("/v1/boom")
        assert response.status_code == 500
        assert response.json()["code"] == "internal_error"
