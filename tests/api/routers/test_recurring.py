"""``/v1/recurring-collections``: create (idempotent) and read, validation, tenancy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal.bootstrap import Container
from betal.domain import recurring as schedule
from betal.domain.calendar import business_date
from betal.domain.recurring import Interval
from betal.services.organisation import CreatedOrganisation
from tests.helpers import assert_problem

PATH = "/v1/recurring-collections"


def _body(client: TestClient, auth: dict[str, str], container: Container, **changes: Any) -> dict[str, Any]:
    customer = client.post(
        "/v1/customers", headers=auth, json={"name": "Jens Hansen", "email": "j@example.dk"}
    )
    start = business_date(container.clock.now()) + timedelta(days=10)
    body = {
        "customer_id": customer.json()["id"], "amount": 34_900, "currency": "DKK", "interval": "quarterly",
        "day_of_month": 31, "start_date": start.isoformat(), "allowed_methods": ["betalingsservice", "card"],
    }  # fmt: skip
    return body | changes


class TestCreate:
    def test_created_with_its_first_due_date(
        self, client: TestClient, auth: dict[str, str], container: Container
    ) -> None:
        body = _body(client, auth, container, description="Vinduespolering")
        created = client.post(PATH, headers=auth, json=body)
        assert created.status_code == 201, created.text
        data = created.json()
        assert data["id"].startswith("rcol_")
        start = business_date(container.clock.now()) + timedelta(days=10)
        assert data == data | {
            "customer_id": body["customer_id"], "amount": 34_900, "currency": "DKK", "interval": "quarterly",
            "day_of_month": 31, "start_date": start.isoformat(),
            "allowed_methods": ["betalingsservice", "card"], "description": "Vinduespolering",
            "status": "active", "lead_days": 14,
            "next_due_date": next(schedule.due_dates(start, Interval.QUARTERLY, 31)).isoformat(),
        }  # fmt: skip
        assert client.get(f"{PATH}/{data['id']}", headers=auth).json() == data

    def test_idempotency_key(self, client: TestClient, auth: dict[str, str], container: Container) -> None:
        body = _body(client, auth, container)
        headers = auth | {"Idempotency-Key": "rcol-1"}
        first = client.post(PATH, headers=headers, json=body)
        again = client.post(PATH, headers=headers, json=body)
        assert (again.status_code, again.json()) == (201, first.json())
        assert again.headers["Idempotent-Replayed"] == "true"
        assert_problem(
            client.post(PATH, headers=headers, json=body | {"amount": 1}), 409, "idempotency.key_reused"
        )

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"amount": 349.0}, "amount"),
            ({"amount": "34900"}, "amount"),
            ({"interval": "weekly"}, "interval"),
            ({"day_of_month": 0}, "day_of_month"),
            ({"day_of_month": 32}, "day_of_month"),
            ({"allowed_methods": []}, "allowed_methods"),
            ({"allowed_methods": ["paypal"]}, "allowed_methods.0"),
            ({"lead_days": 0}, "lead_days"),
            ({"colour": "blue"}, "colour"),
        ],
    )
    def test_schema(
        self,
        client: TestClient,
        auth: dict[str, str],
        container: Container,
        changes: dict[str, Any],
        field: str,
    ) -> None:
        response = client.post(PATH, headers=auth, json=_body(client, auth, container, **changes))
        problem = assert_problem(response, 422, "invalid_input")
        assert field in [e["field"] for e in problem["errors"]]

    @pytest.mark.parametrize(
        ("changes", "field"),
        [({"start_date": "2020-01-01"}, "due_date"), ({"customer_id": "cus_nope"}, "customer_id"),
         ({"currency": "EUR"}, "currency")],
    )  # fmt: skip
    def test_rules(
        self,
        client: TestClient,
        auth: dict[str, str],
        container: Container,
        changes: dict[str, Any],
        field: str,
    ) -> None:
        response = client.post(PATH, headers=auth, json=_body(client, auth, container, **changes))
        problem = assert_problem(response, 422, "invalid_input")
        assert [e["field"] for e in problem["errors"]] == [field]

    def test_needs_a_key(self, client: TestClient, auth: dict[str, str], container: Container) -> None:
        assert_problem(client.post(PATH, json=_body(client, auth, container)), 401, "api_key.missing")


class TestRead:
    def test_another_organisations_collection_is_not_found(
        self, client: TestClient, auth: dict[str, str], container: Container, other_org: CreatedOrganisation
    ) -> None:
        created = client.post(PATH, headers=auth, json=_body(client, auth, container)).json()
        theirs = {"Authorization": f"Bearer {other_org.api_key}"}
        body = assert_problem(
            client.get(f"{PATH}/{created['id']}", headers=theirs), 404, "recurring_collection.not_found"
        )
        assert created["customer_id"] not in body["detail"]
        assert_problem(client.get(f"{PATH}/rcol_nope", headers=auth), 404, "recurring_collection.not_found")
