"""``/v1/webhook-endpoints`` and ``/v1/webhook-deliveries`` over HTTP: the secret shown once, problem+json
for bad input, live-mode URL safety, changes, rotation, the delivery log and redelivery, roles and
idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.adapters.security import Argon2PasswordHasher
from betal.api.app import create_app
from betal.bootstrap import Container
from betal.config import Mode, Settings
from betal.domain.tenancy import Role
from betal.services.api_key import add_api_key
from betal.services.organisation import CreatedOrganisation
from tests.helpers import assert_problem
from tests.services.test_webhook_delivery import attempt
from tests.services.webhook_support import publish
from tests.webhook_receiver import Answer, Receiver, running_receiver

PATH = "/v1/webhook-endpoints"
URL = "https://books.example.dk/webhooks/betal"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def key(container: Container, org: CreatedOrganisation, role: Role) -> dict[str, str]:
    with container.uow() as uow:
        _, plaintext = add_api_key(uow, org.organisation.id, name=role.value, role=role, live=False)
        uow.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def create(client: TestClient, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(PATH, json={"url": URL, "events": ["payment.succeeded"]} | body, headers=auth)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class TestCreate:
    def test_the_secret_is_shown_once(self, client: TestClient, auth: dict[str, str]) -> None:
        created = create(client, auth, events=["payment.succeeded", "payment.refunded"], description="ERP")
        assert created["id"].startswith("whe_")
        assert created["secret"].startswith("whsec_")
        assert (created["url"], created["events"], created["status"]) == (
            URL,
            ["payment.refunded", "payment.succeeded"],
            "active",
        )
        one = client.get(f"{PATH}/{created['id']}", headers=auth)
        listed = client.get(PATH, headers=auth)
        assert one.status_code == listed.status_code == 200
        assert "secret" not in one.json()
        assert created["secret"] not in one.text + listed.text
        assert [e["id"] for e in listed.json()["data"]] == [created["id"]]

    def test_an_unknown_event_type_is_a_422_naming_it(self, client: TestClient, auth: dict[str, str]) -> None:
        response = client.post(PATH, json={"url": URL, "events": ["payment.teleported"]}, headers=auth)
        body = assert_problem(response, 422, "webhook_endpoint.invalid")
        assert "payment.teleported" in body["detail"]
        assert body["errors"] == [{"field": "events", "message": "'payment.teleported' is not an event type"}]

    @pytest.mark.parametrize(
        "url", ["not a url", "books.example.dk/hook", "ftp://books.example.dk/", "https://a@b.dk/"]
    )
    def test_a_bad_url_is_a_422(self, client: TestClient, auth: dict[str, str], url: str) -> None:
        body = assert_problem(
            client.post(PATH, json={"url": url}, headers=auth), 422, "webhook_endpoint.invalid_url"
        )
        assert body["errors"][0]["field"] == "url"

    def test_a_viewer_may_read_but_not_create(
        self, container: Container, client: TestClient, org: CreatedOrganisation
    ) -> None:
        viewer = key(container, org, Role.VIEWER)
        assert_problem(client.post(PATH, json={"url": URL}, headers=viewer), 403, "role.forbidden")
        assert client.get(PATH, headers=viewer).status_code == 200
        create(client, key(container, org, Role.ADMIN))

    def test_idempotent_replay_returns_the_same_endpoint(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        headers = auth | {"Idempotency-Key": "create-hook-1"}
        first = client.post(PATH, json={"url": URL}, headers=headers)
        again = client.post(PATH, json={"url": URL}, headers=headers)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert len(client.get(PATH, headers=auth).json()["data"]) == 1
        assert_problem(
            client.post(PATH, json={"url": URL + "2"}, headers=headers), 409, "idempotency.key_reused"
        )

    def test_lists_page(self, client: TestClient, auth: dict[str, str]) -> None:
        ids = [create(client, auth)["id"] for _ in range(3)]
        page = client.get(PATH, params={"limit": 2}, headers=auth).json()
        assert [e["id"] for e in page["data"]] == ids[:2]
        rest = client.get(PATH, params={"limit": 2, "cursor": page["next_cursor"]}, headers=auth).json()
        assert ([e["id"] for e in rest["data"]], rest["next_cursor"]) == (ids[2:], None)


class TestLiveMode:
    @pytest.fixture
    def live(self, settings: Settings) -> Iterator[TestClient]:
        built = bootstrap.build(
            settings.model_copy(update={"mode": Mode.LIVE}), hasher=Argon2PasswordHasher(fast=True)
        )
        with TestClient(create_app(built), raise_server_exceptions=False) as client:
            yield client
        built.close()

    @pytest.mark.parametrize(
        "url",
        [
            "http://books.example.dk/hook", "https://127.0.0.1/hook", "https://10.0.0.1/hook",
            "https://169.254.169.254/latest/meta-data/", "https://[::1]/hook", "https://localhost/hook",
            "https://127.1/hook",
        ],
    )  # fmt: skip
    def test_http_and_addresses_of_this_network_are_refused(
        self, live: TestClient, auth: dict[str, str], url: str
    ) -> None:
        body = assert_problem(
            live.post(PATH, json={"url": url}, headers=auth), 422, "webhook_endpoint.invalid_url"
        )
        assert body["errors"][0]["field"] == "url"
        assert live.get(PATH, headers=auth).json()["data"] == []

    def test_a_public_https_url_is_taken_and_a_change_is_checked_too(
        self, live: TestClient, auth: dict[str, str]
    ) -> None:
        created = create(live, auth, url="https://8.8.8.8/hook")
        response = live.patch(f"{PATH}/{created['id']}", json={"url": "https://10.1.1.1/x"}, headers=auth)
        assert_problem(response, 422, "webhook_endpoint.invalid_url")


class TestChange:
    def test_patch_filter_status_and_order(self, client: TestClient, auth: dict[str, str]) -> None:
        created = create(client, auth)
        path = f"{PATH}/{created['id']}"
        changed = client.patch(path, json={"events": [], "ordered": True, "status": "disabled"}, headers=auth)
        assert changed.status_code == 200, changed.text
        assert (changed.json()["events"], changed.json()["ordered"], changed.json()["status"]) == (
            [],
            True,
            "disabled",
        )
        assert changed.json()["disabled_reason"] == "disabled by a user"
        again = client.patch(path, json={"status": "active"}, headers=auth).json()
        assert (again["status"], again["disabled_reason"]) == ("active", None)
        assert_problem(client.patch(path, json={"status": "deleted"}, headers=auth), 422, "invalid_input")
        assert_problem(
            client.patch(path, json={"events": ["nope"]}, headers=auth), 422, "webhook_endpoint.invalid"
        )

    def test_delete_then_it_is_gone(self, client: TestClient, auth: dict[str, str]) -> None:
        created = create(client, auth)
        assert client.delete(f"{PATH}/{created['id']}", headers=auth).status_code == 204
        assert_problem(client.get(f"{PATH}/{created['id']}", headers=auth), 404, "webhook_endpoint.not_found")
        assert client.get(PATH, headers=auth).json()["data"] == []

    def test_rotate_shows_the_new_secret_once(self, client: TestClient, auth: dict[str, str]) -> None:
        created = create(client, auth)
        rotated = client.post(f"{PATH}/{created['id']}/rotate-secret", headers=auth)
        assert rotated.status_code == 200, rotated.text
        assert rotated.json()["secret"] not in (created["secret"], None)
        assert rotated.json()["previous_secret_expires_at"] is not None
        assert "secret" not in client.get(f"{PATH}/{created['id']}", headers=auth).json()


class TestDeliveries:
    def test_the_log_and_redelivery(
        self,
        container: Container,
        client: TestClient,
        org: CreatedOrganisation,
        auth: dict[str, str],
        receiver: Receiver,
    ) -> None:
        receiver.answer("/hook", Answer(500, b'{"error":"database down"}'))
        created = create(client, auth, url=receiver.url())
        publish(container, org, "payment.succeeded")
        [delivery] = client.get(f"{PATH}/{created['id']}/deliveries", headers=auth).json()["data"]
        assert (delivery["status"], delivery["attempts"]) == ("pending", [])
        redeliver = f"/v1/webhook-deliveries/{delivery['id']}/redeliver"
        assert_problem(client.post(redeliver, headers=auth), 409, "webhook_delivery.pending")
        attempt(container, org, delivery["id"])
        [logged] = client.get(f"{PATH}/{created['id']}/deliveries", headers=auth).json()["data"]
        [made] = logged["attempts"]
        assert (made["number"], made["status_code"], made["outcome"]) == (1, 500, "failed")
        assert made["response_excerpt"] == '{"error":"database down"}'
        assert isinstance(made["latency_ms"], int)
        failed = client.get(f"{PATH}/{created['id']}/deliveries", params={"status": "failed"}, headers=auth)
        assert failed.json()["data"] == []

    def test_redeliver_one_and_a_range(
        self, container: Container, client: TestClient, org: CreatedOrganisation, auth: dict[str, str]
    ) -> None:
        created = create(client, auth, events=[])
        path = f"{PATH}/{created['id']}"
        client.patch(path, json={"status": "disabled"}, headers=auth)  # cancels what is pending
        client.patch(path, json={"status": "active"}, headers=auth)
        publish(container, org, "payment.succeeded")
        client.patch(path, json={"status": "disabled"}, headers=auth)
        client.patch(path, json={"status": "active"}, headers=auth)
        [delivery] = client.get(f"{path}/deliveries", headers=auth).json()["data"]
        assert delivery["status"] == "cancelled"
        now = container.clock.now()
        window = {
            "from": (now - timedelta(hours=1)).isoformat(),
            "to": (now + timedelta(hours=1)).isoformat(),
        }
        response = client.post(f"{path}/redeliver", json=window, headers=auth)
        assert response.status_code == 202, response.text
        assert response.json() == {"redelivered": 1, "delivery_ids": [delivery["id"]], "more": False}
        client.patch(path, json={"status": "disabled"}, headers=auth)
        client.patch(path, json={"status": "active"}, headers=auth)
        one = client.post(f"/v1/webhook-deliveries/{delivery['id']}/redeliver", headers=auth)
        assert one.status_code == 202, one.text
        assert (one.json()["id"], one.json()["status"]) == (delivery["id"], "pending")

    def test_a_bad_range_is_a_422(self, client: TestClient, auth: dict[str, str]) -> None:
        path = f"{PATH}/{create(client, auth)['id']}/redeliver"
        same = {"from": "2026-03-02T09:00:00Z", "to": "2026-03-02T09:00:00Z"}
        assert_problem(client.post(path, json=same, headers=auth), 422, "invalid_input")
        naive = {"from": "2026-03-02T09:00:00", "to": "2026-03-03T09:00:00"}
        assert_problem(client.post(path, json=naive, headers=auth), 422, "invalid_input")
