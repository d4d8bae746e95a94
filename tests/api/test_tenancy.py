"""An API key sees only its organisation: another organisation's id answers 404 on every route.

The routes are read from the app's route table, so a new route with an id in its path is covered
without touching this file; a route whose id kind has no factory below fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from betal.api.app import route_table
from betal.bootstrap import Container
from betal.domain.calendar import business_date
from betal.domain.job import NewJob
from betal.domain.notification import Channel
from betal.domain.payment_method import Method
from betal.domain.reminder import ReminderRule
from betal.domain.tenancy import Principal, Role
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import begin_payment
from betal.services.payment_request import NewPaymentRequest, create_payment_request
from betal.services.recurring import NewRecurringCollection, create_recurring_collection
from betal.services.reminder_policy import PolicyInput, create_policy

PARAM = re.compile(r"\{(\w+)\}")


def _make_job(container: Container, org: CreatedOrganisation) -> str:
    with container.uow() as uow:
        uow.enqueue(NewJob("system.probe", {}, organisation_id=org.organisation.id, run_at=None))
        uow.commit()
    with container.engine.connect() as conn:
        from sqlalchemy import text

        return str(
            conn.execute(
                text("SELECT id FROM jobs WHERE organisation_id = :o AND kind = 'system.probe'"),
                {"o": org.organisation.id},
            )
            .scalars()
            .first()
        )


def _principal(org: CreatedOrganisation) -> Principal:
    return Principal(org.organisation.id, Role.OWNER, "api_key", "key_test")


def _make_customer(container: Container, org: CreatedOrganisation) -> str:
    with container.uow() as uow:
        return create_customer(uow, container.cipher, _principal(org), NewCustomer("Jens", email="j@x.dk")).id


def _make_request(container: Container, org: CreatedOrganisation) -> str:
    customer_id = _make_customer(container, org)
    due = business_date(container.clock.now()) + timedelta(days=10)
    data = NewPaymentRequest(customer_id, 10_000, "DKK", due, "Rent", ("card",))
    with container.uow() as uow:
        return create_payment_request(uow, _principal(org), data).id


def _make_payment(container: Container, org: CreatedOrganisation) -> str:
    request_id = _make_request(container, org)
    with container.uow() as uow:
        request = uow.payment_requests.get_any(request_id)
        assert request is not None
        return begin_payment(uow, request, Method.CARD, provider="card").id


def _make_attachment(container: Container, org: CreatedOrganisation) -> str:
    """A PDF on the organisation's newest request: the one the ``request_id`` factory just made."""
    from sqlalchemy import text

    from betal.services.attachment import add_attachment

    with container.engine.connect() as conn:
        request_id = conn.execute(
            text(
                "SELECT id FROM payment_requests WHERE organisation_id = :o "
                "ORDER BY created_at DESC, id DESC LIMIT 1"
            ),
            {"o": org.organisation.id},
        ).scalar()
    request_id = request_id or _make_request(container, org)
    with container.uow() as uow:
        pdf = b"%PDF-1.4\n%%EOF\n"
        return add_attachment(uow, _principal(org), str(request_id), "f.pdf", "application/pdf", pdf).id


def _make_recurring_collection(container: Container, org: CreatedOrganisation) -> str:
    customer_id = _make_customer(container, org)
    start = business_date(container.clock.now()) + timedelta(days=10)
    data = NewRecurringCollection(customer_id, 10_000, "DKK", "monthly", start.day, start, ("card",))
    with container.uow() as uow:
        return create_recurring_collection(uow, _principal(org), data).id


def _make_reminder_policy(container: Container, org: CreatedOrganisation) -> str:
    data = PolicyInput(
        "Strict", (ReminderRule(-3, (Channel.EMAIL,)), ReminderRule(10, (Channel.SMS,), 10_000))
    )
    with container.uow() as uow:
        return create_policy(uow, _principal(org), data).id


def _make_webhook_endpoint(container: Container, org: CreatedOrganisation) -> str:
    from tests.services.webhook_support import add_endpoint

    return add_endpoint(container, org).endpoint.id


def _make_webhook_delivery(container: Container, org: CreatedOrganisation) -> str:
    """A delivery of one event to a new endpoint (no worker runs, so it stays pending)."""
    from tests.services.webhook_support import add_endpoint, deliveries, publish

    endpoint_id = add_endpoint(container, org).endpoint.id
    publish(container, org, "payment.succeeded")
    return deliveries(container, org, endpoint_id)[0].id


# One factory per path parameter: it makes a resource in the given organisation and returns its id.
FACTORIES: dict[str, Callable[[Container, CreatedOrganisation], str]] = {
    "job_id": _make_job,
    "customer_id": _make_customer,
    "request_id": _make_request,
    "payment_id": _make_payment,
    "collection_id": _make_recurring_collection,
    "attachment_id": _make_attachment,
    "policy_id": _make_reminder_policy,
    "endpoint_id": _make_webhook_endpoint,
    "delivery_id": _make_webhook_delivery,
}


def api_routes() -> list[tuple[str, str]]:
    return [(method, path) for method, path in route_table() if PARAM.search(path)]


class TestTenancy:
    def test_every_route_with_an_id_hides_other_organisations(
        self,
        container: Container,
        client: TestClient,
        org: CreatedOrganisation,
        other_org: CreatedOrganisation,
    ) -> None:
        routes = api_routes()
        assert routes, "expected routes with ids"
        for method, path in routes:
            params = PARAM.findall(path)
            missing = [p for p in params if p not in FACTORIES]
            assert not missing, f"{method} {path}: add a factory for {missing} to FACTORIES"
            theirs = path
            mine = path
            for p in params:
                theirs = theirs.replace("{" + p + "}", FACTORIES[p](container, other_org))
                mine = mine.replace("{" + p + "}", FACTORIES[p](container, org))
            auth = {"Authorization": f"Bearer {org.api_key}"}
            response = client.request(method, theirs, headers=auth, json={} if method != "GET" else None)
            assert response.status_code == 404, f"{method} {theirs} answered {response.status_code}"
            assert response.headers["content-type"].startswith("application/problem+json")
            assert other_org.organisation.id not in response.text
            if method == "GET":
                own = client.request(method, mine, headers=auth)
                assert own.status_code == 200, f"{method} {mine} answered {own.status_code} for the owner"

    def test_lists_only_show_own_organisation(
        self, client: TestClient, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        mine = {"Authorization": f"Bearer {org.api_key}"}
        for path in ("/v1/api-keys", "/v1/audit-log", "/v1/events"):
            text = client.get(path, headers=mine).text
            assert other_org.organisation.id not in text, path
        assert client.get("/v1/organisation", headers=mine).json()["id"] == org.organisation.id

    def test_junk_ids_are_404(self, client: TestClient, auth: dict[str, str]) -> None:
        for junk in ("job_nope", "x" * 300, "org_01"):
            assert client.get(f"/v1/jobs/{junk}", headers=auth).status_code == 404
