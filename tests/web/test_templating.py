"""Rendering: languages, security headers, static URLs with content hashes, local times."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from betal.web import templating


class TestRender:
    def test_sets_security_headers(self, client: TestClient) -> None:
        response = client.get("/app/login")
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "script-src 'self'" in response.headers["content-security-policy"]

    def test_links_static_files_with_a_content_hash(self, client: TestClient) -> None:
        url = templating.static_url("betal.css")
        assert url.startswith("/app/static/betal.css?v=")
        assert url in client.get("/app/login").text
        css = client.get(url)
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")

    def test_no_third_party_assets(self) -> None:
        for path in templating.TEMPLATE_DIR.rglob("*.html"):
            text = path.read_text()
            assert "http://" not in text
            assert "https://" not in text, path


class TestLocalTime:
    def test_copenhagen_time_in_danish_and_english(self) -> None:
        moment = datetime(2026, 7, 1, 10, 5, tzinfo=UTC)  # 12:05 summer time in Copenhagen
        assert templating.environment("da").filters["local_time"](moment) == "1. jul. 2026 12.05"
        assert templating.environment("en").filters["local_time"](moment) == "Jul 1, 2026 12:05"

    def test_dates(self) -> None:
        moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Copenhagen
        assert templating.environment("da").filters["local_date"](moment) == "1. januar 2027"
        assert templating.environment("en").filters["local_date"](moment) == "January 1, 2027"
