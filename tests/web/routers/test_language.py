"""``/app/language/{da|en}``: Danish by default, English after switching, kept in a cookie."""

from __future__ import annotations

from fastapi.testclient import TestClient

from betal.web import cookies

from ..portal import Login, log_in


class TestChooseLanguage:
    def test_danish_by_default(self, client: TestClient) -> None:
        page = client.get("/app/login")
        assert '<html lang="da">' in page.text
        assert "<h1>Log ind</h1>" in page.text

    def test_english_after_switching_and_back(self, client: TestClient, accountant: Login) -> None:
        log_in(client, accountant)
        response = client.get("/app/language/en?next=/app/", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/app/"
        assert client.cookies.get(cookies.LANGUAGE) == "en"
        page = client.get("/app/").text
        assert '<html lang="en">' in page
        assert "Your organisations" in page
        assert '<dd data-testid="role">Bookkeeper</dd>' in page
        client.get("/app/language/da")
        page = client.get("/app/").text
        assert '<html lang="da">' in page
        assert "Dine organisationer" in page

    def test_works_before_login(self, client: TestClient) -> None:
        client.get("/app/language/en?next=/app/login")
        assert "<h1>Log in</h1>" in client.get("/app/login").text

    def test_unknown_language_is_a_404_page(self, client: TestClient) -> None:
        response = client.get("/app/language/sv", follow_redirects=False)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")

    def test_next_stays_on_this_site(self, client: TestClient) -> None:
        response = client.get("/app/language/en?next=//evil.example", follow_redirects=False)
        assert response.headers["location"] == "/app/"

    def test_an_unknown_cookie_value_means_danish(self, client: TestClient) -> None:
        client.cookies.set(cookies.LANGUAGE, "xx")
        assert '<html lang="da">' in client.get("/app/login").text
