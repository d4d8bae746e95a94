"""``betal.web.mount``: the portal beside the API."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from betal import bootstrap, web


class TestMount:
    def test_root_redirects_to_the_portal(self, client: TestClient) -> None:
        response = client.get("/", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/app/"

    def test_portal_routes_stay_out_of_the_openapi_document(self, client: TestClient) -> None:
        paths = client.get("/openapi.json").json()["paths"]
        assert not [p for p in paths if p == "/" or p.startswith("/app")]

    def test_refuses_a_foreign_container(self, container: bootstrap.Container) -> None:
        app = FastAPI()
        app.state.container = object()
        with pytest.raises(ValueError, match="own container"):
            web.mount(app, container)
