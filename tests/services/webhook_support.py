"""Helpers for webhook tests: endpoints made through the service, events raised through a unit of work,
deliveries and jobs read back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from betal.adapters.db.orm import JobRow
from betal.bootstrap import Container
from betal.domain.events import NewEvent
from betal.domain.tenancy import Principal, Role
from betal.domain.webhook import DELIVER_JOB, WebhookDelivery
from betal.services.organisation import CreatedOrganisation
from betal.services.webhook import EndpointWithSecret, NewEndpoint, create_endpoint
from betal.services.webhook_log import LoggedDelivery, list_deliveries


def owner(org: CreatedOrganisation, role: Role = Role.OWNER) -> Principal:
    return Principal(org.organisation.id, role, "api_key", "key_test")


def add_endpoint(
    container: Container,
    org: CreatedOrganisation,
    url: str = "https://books.example.dk/webhooks/betal",
    events: tuple[str, ...] = (),
    *,
    ordered: bool = False,
) -> EndpointWithSecret:
    with container.uow() as uow:
        data = NewEndpoint(url, events, "", ordered)
        live = not container.settings.is_sandbox
        transport = container.webhook_transport()
        return create_endpoint(uow, container.cipher, transport, owner(org), data, live=live)


def publish(container: Container, org: CreatedOrganisation, *types: str, **data: Any) -> None:
    """Raise events in one unit of work (as a service does) and commit."""
    with container.uow() as uow:
        for kind in types:
            uow.publish(NewEvent(org.organisation.id, kind, {"id": "pay_test", **data}))
        uow.commit()


def logged(container: Container, org: CreatedOrganisation, endpoint_id: str) -> list[LoggedDelivery]:
    """The endpoint's deliveries, oldest first, with their attempts."""
    with container.uow() as uow:
        found = list_deliveries(uow, owner(org), endpoint_id, status=None, after_id=None, limit=500)
    return list(reversed(found))


def deliveries(container: Container, org: CreatedOrganisation, endpoint_id: str) -> list[WebhookDelivery]:
    return [d.delivery for d in logged(container, org, endpoint_id)]


def delivery_jobs(container: Container) -> list[tuple[str, str | None, str]]:
    """(delivery id, dedupe key, status) of every webhooks.deliver job, oldest first."""
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(JobRow.payload, JobRow.dedupe_key, JobRow.status)
            .where(JobRow.kind == DELIVER_JOB)
            .order_by(JobRow.created_at, JobRow.id)
        ).all()
    return [(str(p["delivery_id"]), key, status) for p, key, status in rows]


def add_user(
    container: Container, org: CreatedOrganisation, email: str, role: Role, *, locale: str = "da"
) -> str:
    """A portal user with a membership in the organisation; returns the user id."""
    from betal.services.organisation import add_member
    from betal.services.user import register_user

    with container.uow() as uow:
        user = register_user(
            uow, container.hasher, email=email, name="Mette Hansen", password="x" * 12, locale=locale
        )
    with container.uow() as uow:
        add_member(uow, organisation_id=org.organisation.id, user_id=user.id, role=role)
    return user.id
