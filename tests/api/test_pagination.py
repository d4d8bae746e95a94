"""Lists: ?limit= (default 50, max 500) and ?cursor=, answered as {data, next_cursor}."""

from __future__ import annotations

from fastapi.testclient import TestClient


def make_keys(client: TestClient, auth: dict[str, str], n: int) -> None:
    for i in range(n):
        assert client.post("/v1/api-keys", headers=auth, json={"name": f"k{i}"}).status_code == 201


class TestCursorPagination:
    def test_pages_cover_everything_once_in_order(self, client: TestClient, auth: dict[str, str]) -> None:
        make_keys(client, auth, 6)  # plus the owner key
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            params: dict[str, object] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
            body = client.get("/v1/api-keys", headers=auth, params=params).json()
            assert set(body) == {"data", "next_cursor"}
            seen += [k["id"] for k in body["data"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert pages == 3
        assert len(seen) == 7
        assert seen == sorted(seen)
        assert len(set(seen)) == 7

    def test_default_limit_is_50(self, client: TestClient, auth: dict[str, str]) -> None:
        make_keys(client, auth, 50)
        body = client.get("/v1/api-keys", headers=auth).json()
        assert len(body["data"]) == 50
        assert body["next_cursor"] is not None

    def test_limit_bounds(self, client: TestClient, auth: dict[str, str]) -> None:
        for bad in (0, 501, "ten"):
            response = client.get("/v1/api-keys", headers=auth, params={"limit": bad})
            assert response.status_code == 422
            assert response.json()["errors"][0]["field"] == "limit"
        assert client.get("/v1/api-keys", headers=auth, params={"limit": 500}).status_code == 200

    def test_junk_cursor_is_422(self, client: TestClient, auth: dict[str, str]) -> None:
        for junk in ("%%%", "AAAA", "\u00e6\u00f8\u00e5"):
            response = client.get("/v1/api-keys", headers=auth, params={"cursor": junk})
            assert response.status_code == 422, junk
            assert response.json()["errors"][0]["field"] == "cursor"
