"""``/inbox/sw.js``, ``/inbox/push/key`` and ``/inbox/push/subscriptions``: the service worker as
JavaScript, the VAPID key, a subscription stored only for a logged-in payer with the page's CSRF token,
bad keys answered 422 problem+json naming the field with nothing saved."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.domain.customer import Customer
from betal.domain.push import b64url_decode
from betal.services.organisation import CreatedOrganisation
from tests.domain.test_push import AUTH, P256DH, VECTORS
from tests.helpers import assert_problem
from tests.services.test_inbox import make_customer
from tests.web.routers.test_inbox import log_in

EMAIL = "soeren@aeroe.example"
ENDPOINT = "https://push.example.com/send/device-1"
SUBSCRIPTIONS = "/inbox/push/subscriptions"
_CSRF = re.compile(r'data-csrf="([^"]+)"')


@pytest.fixture
def soeren(c: bootstrap.Container, hansen: CreatedOrganisation) -> Customer:
    return make_customer(c, hansen, "Søren Ærø", email=EMAIL)


@pytest.fixture
def csrf(c: bootstrap.Container, web: TestClient, soeren: Customer) -> str:
    """Søren logged in; the token the inbox page carries for its scripts."""
    log_in(web, c, EMAIL, EMAIL)
    return html.unescape(_CSRF.findall(web.get("/inbox").text)[0])


def subscription(endpoint: str = ENDPOINT, p256dh: str = P256DH, auth: str = AUTH) -> dict[str, Any]:
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}


def rows(c: bootstrap.Container, endpoint: str = ENDPOINT) -> list[str]:
    with c.uow() as uow:
        return [s.customer_id for s in uow.push_subscriptions.list_for_endpoint(endpoint)]


class TestServiceWorker:
    def test_served_as_javascript_for_the_inbox_scope(self, web: TestClient) -> None:
        response = web.get("/inbox/sw.js")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/javascript")
        assert response.headers["service-worker-allowed"] == "/inbox"
        assert "showNotification" in response.text
        assert "notificationclick" in response.text


class TestPublicKey:
    def test_the_vapid_public_key(self, web: TestClient, c: bootstrap.Container) -> None:
        first = web.get("/inbox/push/key")
        assert first.status_code == 200
        key = first.json()["public_key"]
        raw = b64url_decode(key)
        assert raw is not None
        assert len(raw) == 65
        assert raw[0] == 4
        assert web.get("/inbox/push/key").json() == {"public_key": key}
        assert key == c.push_keys().public_key()


class TestInboxPage:
    def test_the_button_and_its_script(self, web: TestClient, csrf: str) -> None:
        page = web.get("/inbox").text
        assert "Få besked på denne enhed" in page
        assert 'data-worker="/inbox/sw.js" data-scope="/inbox"' in page
        script = re.findall(r'<script src="([^"]+inbox-push\.js[^"]*)"', page)
        assert len(script) == 1
        response = web.get(html.unescape(script[0]))
        assert response.status_code == 200
        assert "pushManager.subscribe" in response.text
        web.get("/app/language/en")
        assert "Notify me on this device" in web.get("/inbox").text


class TestSubscribe:
    def test_stored_for_the_logged_in_payer(
        self, c: bootstrap.Container, web: TestClient, csrf: str, soeren: Customer
    ) -> None:
        response = web.post(SUBSCRIPTIONS, json=subscription(), headers={"X-CSRF-Token": csrf})
        assert response.status_code == 201, response.text
        [stored] = response.json()["data"]
        assert stored["status"] == "active"
        again = web.post(SUBSCRIPTIONS, json=subscription(), headers={"X-CSRF-Token": csrf})
        assert again.json()["data"] == [stored]
        assert rows(c) == [soeren.id]

    def test_needs_a_payer_session(self, c: bootstrap.Container, web: TestClient, soeren: Customer) -> None:
        response = web.post(SUBSCRIPTIONS, json=subscription(), headers={"X-CSRF-Token": "x"})
        assert_problem(response, 401, "inbox.login_required")
        assert rows(c) == []

    @pytest.mark.parametrize("token", [None, "", "wrong"])
    def test_needs_the_pages_csrf_token(
        self, c: bootstrap.Container, web: TestClient, csrf: str, token: str | None
    ) -> None:
        headers = {} if token is None else {"X-CSRF-Token": token}
        response = web.post(SUBSCRIPTIONS, json=subscription(), headers=headers)
        assert_problem(response, 403, "csrf.invalid")
        assert rows(c) == []

    @pytest.mark.parametrize(
        ("fields", "field", "words"),
        [({"p256dh": VECTORS["invalid_p256dh"][0]["value"]}, "keys.p256dh", "not a point on the P-256 curve"),
         ({"p256dh": VECTORS["invalid_p256dh"][1]["value"]}, "keys.p256dh", "65-byte"),
         ({"p256dh": "***"}, "keys.p256dh", "not base64url"),
         ({"auth": "AAAA"}, "keys.auth", "16-byte"),
         ({"endpoint": "http://push.example.com/1"}, "endpoint", "https")],
    )  # fmt: skip
    def test_a_bad_key_is_a_clear_422_and_nothing_is_saved(
        self, c: bootstrap.Container, web: TestClient, csrf: str,
        fields: dict[str, str], field: str, words: str,
    ) -> None:  # fmt: skip
        data = subscription(**fields)
        response = web.post(SUBSCRIPTIONS, json=data, headers={"X-CSRF-Token": csrf})
        body = assert_problem(response, 422, "push_subscription.invalid")
        [problem] = body["errors"]
        assert problem["field"] == field
        assert words in problem["message"]
        assert words in body["detail"]
        assert rows(c, data["endpoint"]) == []

    def test_a_body_that_is_not_json(self, c: bootstrap.Container, web: TestClient, csrf: str) -> None:
        response = web.post(SUBSCRIPTIONS, content=b"{endpoint", headers={"X-CSRF-Token": csrf})
        assert_problem(response, 400, "invalid_json")

    def test_a_local_http_push_service_in_sandbox_mode(
        self, c: bootstrap.Container, web: TestClient, csrf: str
    ) -> None:
        assert c.settings.is_sandbox
        local = "http://127.0.0.1:8123/push/1"
        response = web.post(SUBSCRIPTIONS, json=subscription(local), headers={"X-CSRF-Token": csrf})
        assert response.status_code == 201, response.text
        assert len(rows(c, local)) == 1


class TestUnsubscribe:
    def test_the_device_is_forgotten(self, c: bootstrap.Container, web: TestClient, csrf: str) -> None:
        headers = {"X-CSRF-Token": csrf}
        assert web.post(SUBSCRIPTIONS, json=subscription(), headers=headers).status_code == 201
        assert_problem(web.request("DELETE", SUBSCRIPTIONS, json={}, headers=headers), 422,
                       "push_subscription.invalid")  # fmt: skip
        response = web.request("DELETE", SUBSCRIPTIONS, json={"endpoint": ENDPOINT}, headers=headers)
        assert response.status_code == 204
        assert rows(c) == []
        forged = web.request("DELETE", SUBSCRIPTIONS, json={"endpoint": ENDPOINT}, headers={})
        assert_problem(forged, 403, "csrf.invalid")
