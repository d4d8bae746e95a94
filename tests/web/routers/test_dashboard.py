"""``/app/`` and the organisation switcher."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.services.organisation import CreatedOrganisation, create_organisation

from ..portal import Login, log_in, make_user


def _shown_organisation(client: TestClient) -> str:
    match = re.search(r'<h1 id="organisation-name">([^<]+)</h1>', client.get("/app/").text)
    assert match is not None
    return match.group(1)


class TestDashboard:
    def test_shows_the_first_organisation_by_name_with_cvr_role_and_members(
        self, client: TestClient, accountant: Login, owner: Login
    ) -> None:
        log_in(client, accountant)
        page = client.get("/app/")
        assert page.status_code == 200
        assert _shown_organisation(client) == "Hansen &amp; Co ApS"
        assert '<dd class="mono" data-testid="cvr">25313763</dd>' in page.text
        assert '<dd data-testid="role">Bogholder</dd>' in page.text
        assert "Mette Hansen" in page.text  # a fellow member
        assert "ejer@hansen.example" in page.text
        assert "Aktivitetsloggen vises for ejere og administratorer." in page.text
        assert page.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]

    def test_owners_see_the_last_audit_entries(self, client: TestClient, owner: Login) -> None:
        log_in(client, owner)
        page = client.get("/app/").text
        assert "Seneste aktivitet" in page
        assert "Oprettede organisationen" in page
        assert "Tilføjede et medlem" in page
        assert page.index("Loggede ind") < page.index("Oprettede organisationen")  # newest first

    def test_the_switcher_is_shown_only_with_several_memberships(
        self, client: TestClient, accountant: Login, owner: Login
    ) -> None:
        log_in(client, accountant)
        assert 'id="organisation-switcher"' in client.get("/app/").text
        client.cookies.clear()
        log_in(client, owner)
        assert 'id="organisation-switcher"' not in client.get("/app/").text

    def test_a_user_without_memberships_is_told_so(
        self, client: TestClient, container: bootstrap.Container
    ) -> None:
        log_in(client, make_user(container, "new@example.com", "Ny Bruger", {}))
        assert "Du er endnu ikke medlem af nogen organisation." in client.get("/app/").text


class TestSwitchOrganisation:
    def test_switches_to_an_organisation_the_user_belongs_to(
        self, client: TestClient, accountant: Login, other_org: CreatedOrganisation
    ) -> None:
        token = log_in(client, accountant)
        data = {"organisation_id": other_org.organisation.id, "csrf_token": token, "next": "/app/"}
        response = client.post("/app/switch-organisation", data=data, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/app/"
        assert _shown_organisation(client) == "Nordlys Café I/S"

    def test_refuses_an_organisation_without_membership(
        self, client: TestClient, container: bootstrap.Container, accountant: Login
    ) -> None:
        with container.uow() as uow:
            stranger = create_organisation(uow, name="Fremmed A/S", cvr="13748136").organisation
        token = log_in(client, accountant)
        data = {"organisation_id": stranger.id, "csrf_token": token}
        response = client.post("/app/switch-organisation", data=data, follow_redirects=False)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Siden blev ikke fundet" in response.text
        assert _shown_organisation(client) == "Hansen &amp; Co ApS"

    @pytest.mark.parametrize("token", [None, "", "wrong"])
    def test_needs_the_csrf_token(
        self, client: TestClient, accountant: Login, other_org: CreatedOrganisation, token: str | None
    ) -> None:
        log_in(client, accountant)
        data = {"organisation_id": other_org.organisation.id}
        if token is not None:
            data["csrf_token"] = token
        response = client.post("/app/switch-organisation", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "Formularen er udløbet" in response.text
        assert _shown_organisation(client) == "Hansen &amp; Co ApS"

    def test_needs_a_session(self, client: TestClient, other_org: CreatedOrganisation) -> None:
        data = {"organisation_id": other_org.organisation.id, "csrf_token": "x"}
        response = client.post("/app/switch-organisation", data=data, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/app/login"  # not back to a POST-only URL

    def test_next_stays_on_this_site(
        self, client: TestClient, accountant: Login, other_org: CreatedOrganisation
    ) -> None:
        token = log_in(client, accountant)
        data = {
            "organisation_id": other_org.organisation.id,
            "csrf_token": token,
            "next": "https://evil.example",
        }
        response = client.post("/app/switch-organisation", data=data, follow_redirects=False)
        assert response.headers["location"] == "/app/"
