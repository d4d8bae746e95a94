"""``/app/dev/mailbox``: a login code asked for through ``/inbox/login`` shows up for the portal user of
the payer's organisation; login required; 404 in live mode with SMTP; the navigation link follows."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.adapters.security import Argon2PasswordHasher
from betal.api.app import create_app
from betal.config import Mode, Settings
from betal.services.organisation import CreatedOrganisation
from tests.services.test_inbox import make_customer
from tests.web.routers.test_inbox import ask_for_code

from ..portal import Login, log_in

LIVE_SECRET = "live-secret-key-for-the-dev-mailbox-tests-0123456789"
_CODE = re.compile(r"er ([0-9]{6})\.")


def _live(settings: Settings, smtp_url: str | None) -> Iterator[TestClient]:
    live = settings.model_copy(update={"mode": Mode.LIVE, "secret_key": LIVE_SECRET, "smtp_url": smtp_url})
    container = bootstrap.build(live, hasher=Argon2PasswordHasher(fast=True))
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield client
    container.close()


@pytest.fixture
def live_with_smtp(settings: Settings) -> Iterator[TestClient]:
    yield from _live(settings, "smtp://mail.example:587")


@pytest.fixture
def live_without_smtp(settings: Settings) -> Iterator[TestClient]:
    yield from _live(settings, None)


class TestMailbox:
    def test_a_code_asked_for_in_the_inbox_shows_up(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        make_customer(container, org, "Anna Jensen", email="anna@kunde.example")
        assert ask_for_code(client, "anna@kunde.example").status_code == 303
        log_in(client, owner)
        page = client.get("/app/dev/mailbox")
        assert page.status_code == 200
        assert '<h1 id="mailbox-heading">Dev-postkasse</h1>' in page.text
        assert '<span class="mono" data-testid="mail-recipient">anna@kunde.example</span>' in page.text
        match = _CODE.search(page.text)
        assert match is not None
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert 'href="/app/dev/mailbox"' in page.text  # the navigation link, marked as the current page
        assert 'aria-current="page">Dev-postkasse</a>' in page.text

    def test_another_organisations_payer_code_is_not_shown(
        self,
        client: TestClient,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        other_org: CreatedOrganisation,
        owner: Login,
    ) -> None:
        make_customer(container, other_org, "Bo Berg", email="bo@kunde.example")
        assert ask_for_code(client, "bo@kunde.example").status_code == 303
        log_in(client, owner)
        page = client.get("/app/dev/mailbox").text
        assert "bo@kunde.example" not in page
        assert "Postkassen er tom" in page

    def test_login_required(self, client: TestClient) -> None:
        response = client.get("/app/dev/mailbox", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/app/login?next=/app/dev/mailbox"

    def test_404_in_live_mode_with_smtp_and_no_link(
        self, live_with_smtp: TestClient, container: bootstrap.Container, owner: Login
    ) -> None:
        assert live_with_smtp.get("/app/dev/mailbox", follow_redirects=False).status_code == 404
        log_in(live_with_smtp, owner)
        assert live_with_smtp.get("/app/dev/mailbox").status_code == 404
        assert "/app/dev/mailbox" not in live_with_smtp.get("/app/").text

    def test_shown_in_live_mode_without_smtp(
        self, live_without_smtp: TestClient, container: bootstrap.Container, owner: Login
    ) -> None:
        log_in(live_without_smtp, owner)
        page = live_without_smtp.get("/app/dev/mailbox")
        assert page.status_code == 200
        assert 'href="/app/dev/mailbox"' in live_without_smtp.get("/app/").text
