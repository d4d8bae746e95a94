"""GET /v1/events?after=: the organisation's events in order."""

from __future__ import annotations

from fastapi.testclient import TestClient

from betal.bootstrap import Container
from betal.domain.events import NewEvent
from betal.services.organisation import CreatedOrganisation


class TestEventsAfter:
    def test_events_page_by_sequence(self, client: TestClient, auth: dict[str, str]) -> None:
        body = client.get("/v1/events", headers=auth, params={"after": 0, "limit": 1}).json()
        assert [e["sequence"] for e in body["data"]] == [1]
        assert body["data"][0]["type"] == "organisation.created"
        assert body["next_after"] == 1
        rest = client.get("/v1/events", headers=auth, params={"after": 1}).json()
        assert rest == {"data": [], "next_after": None}

    def test_pages_through_many_in_order(
        self, client: TestClient, auth: dict[str, str], container: Container, org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            for i in range(7):
                uow.publish(NewEvent(org.organisation.id, "payment.succeeded", {"i": i}))
            uow.commit()
        after, seen = 0, []
        while True:
            body = client.get("/v1/events", headers=auth, params={"after": after, "limit": 3}).json()
            seen += [e["sequence"] for e in body["data"]]
            if body["next_after"] is None:
                break
            after = body["next_after"]
        assert seen == list(range(1, 9))

    def test_viewer_may_read_but_no_key_may_not(self, client: TestClient) -> None:
        assert client.get("/v1/events", params={"after": 0}).status_code == 401
