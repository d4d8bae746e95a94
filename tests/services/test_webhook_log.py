"""The delivery log and manual redelivery: the same webhook-id again, the schedule started over, a time
range of failed deliveries at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.db.orm_webhooks import WebhookDeliveryRow
from betal.adapters.security import Argon2PasswordHasher
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from betal.domain.tenancy import Role
from betal.domain.webhook import DeliveryStatus, EndpointStatus
from betal.services.organisation import CreatedOrganisation
from betal.services.webhook import EndpointChange, delete_endpoint, update_endpoint
from betal.services.webhook_log import MAX_REDELIVER, list_deliveries, redeliver, redeliver_range
from tests.services.test_webhook_delivery import attempt
from tests.services.webhook_support import add_endpoint, deliveries, delivery_jobs, owner, publish
from tests.webhook_receiver import Answer, Receiver, running_receiver

T0 = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def container(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    built = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield built
    built.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def set_status(container: Container, delivery_ids: list[str], status: DeliveryStatus) -> None:
    with container.engine.begin() as conn:
        conn.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id.in_(delivery_ids))
            .values(status=status.value, next_attempt_at=None)
        )


class TestListDeliveries:
    def test_newest_first_with_attempts_filtered_and_paged(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver
    ) -> None:
        receiver.answer("/hook", Answer(500, b"boom"), Answer(200))
        endpoint = add_endpoint(container, org, receiver.url()).endpoint
        publish(container, org, "payment.succeeded", "payment.refunded")
        first, second = deliveries(container, org, endpoint.id)
        attempt(container, org, first.id)
        with container.uow() as uow:
            found = list_deliveries(
                uow, owner(org, Role.VIEWER), endpoint.id, status=None, after_id=None, limit=5
            )
            assert [d.delivery.id for d in found] == [second.id, first.id]
            assert [(a.number, a.status_code, a.response_excerpt) for a in found[1].attempts] == [
                (1, 500, "boom")
            ]
            assert found[0].attempts == ()
            page = list_deliveries(uow, owner(org), endpoint.id, status=None, after_id=second.id, limit=5)
            assert [d.delivery.id for d in page] == [first.id]
            pending = list_deliveries(
                uow, owner(org), endpoint.id, status=DeliveryStatus.DELIVERED, after_id=None, limit=5
            )
            assert pending == []

    def test_another_organisations_endpoint_is_not_found(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        theirs = add_endpoint(container, other_org).endpoint
        with container.uow() as uow, pytest.raises(NotFound):
            list_deliveries(uow, owner(org), theirs.id, status=None, after_id=None, limit=5)


class TestRedeliver:
    def test_a_failed_delivery_goes_again_with_the_same_webhook_id(
        self, container: Container, org: CreatedOrganisation, receiver: Receiver
    ) -> None:
        receiver.answer("/hook", Answer(200))
        endpoint = add_endpoint(container, org, receiver.url()).endpoint
        publish(container, org, "payment.succeeded")
        [delivery] = deliveries(container, org, endpoint.id)
        attempt(container, org, delivery.id)
        with container.uow() as uow:
            again = redeliver(uow, owner(org), delivery.id)
        assert (again.delivery.id, again.delivery.status, again.delivery.schedule_start) == (
            delivery.id,
            DeliveryStatus.PENDING,
            1,
        )
        assert [a.number for a in again.attempts] == [1]
        assert [(d, key) for d, key, _ in delivery_jobs(container)] == [
            (delivery.id, f"webhook:{delivery.id}"),
            (delivery.id, None),
        ]
        assert attempt(container, org, delivery.id) == "delivered"
        assert [r.headers["webhook-id"] for r in receiver.at("/hook")] == [delivery.id, delivery.id]
        [entry] = deliveries(container, org, endpoint.id)
        assert entry.attempts == 2

    def test_what_cannot_be_redelivered(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        endpoint = add_endpoint(container, org).endpoint
        publish(container, org, "payment.succeeded")
        [delivery] = deliveries(container, org, endpoint.id)
        with container.uow() as uow, pytest.raises(Conflict, match="still being attempted"):
            redeliver(uow, owner(org), delivery.id)
        set_status(container, [delivery.id], DeliveryStatus.FAILED)
        with container.uow() as uow, pytest.raises(Forbidden):
            redeliver(uow, owner(org, Role.VIEWER), delivery.id)
        for junk in ("del_01JQ3Z8K6V4N2B7C9D0E1F2G3H", "nope"):
            with container.uow() as uow, pytest.raises(NotFound):
                redeliver(uow, owner(other_org), junk)
        with container.uow() as uow, pytest.raises(NotFound):
            redeliver(uow, owner(other_org), delivery.id)
        with container.uow() as uow:
            change = EndpointChange(status=EndpointStatus.DISABLED)
            update_endpoint(uow, container.webhook_transport(), owner(org), endpoint.id, change, live=False)
        with container.uow() as uow, pytest.raises(Conflict, match="enable it first"):
            redeliver(uow, owner(org), delivery.id)
        with container.uow() as uow:
            delete_endpoint(uow, owner(org), endpoint.id)
        with container.uow() as uow, pytest.raises(Conflict, match="deleted"):
            redeliver(uow, owner(org), delivery.id)


class TestRedeliverRange:
    def test_failed_and_cancelled_in_the_range_go_again(
        self, container: Container, org: CreatedOrganisation, clock: FrozenClock
    ) -> None:
        endpoint = add_endpoint(container, org).endpoint
        publish(container, org, "payment.succeeded")
        clock.advance(timedelta(hours=1))
        publish(container, org, "payment.failed", "payment.refunded", "payment_request.paid")
        clock.advance(timedelta(hours=1))
        publish(container, org, "payment.succeeded")
        before, failed, cancelled, delivered, after = deliveries(container, org, endpoint.id)
        set_status(container, [before.id, failed.id, after.id], DeliveryStatus.FAILED)
        set_status(container, [cancelled.id], DeliveryStatus.CANCELLED)
        set_status(container, [delivered.id], DeliveryStatus.DELIVERED)
        start, end = T0 + timedelta(minutes=30), T0 + timedelta(hours=2)
        with container.uow() as uow:
            done = redeliver_range(uow, owner(org), endpoint.id, start, end)
        assert (done.delivery_ids, done.more) == ((failed.id, cancelled.id), False)
        statuses = {d.id: d.status for d in deliveries(container, org, endpoint.id)}
        assert statuses == {
            before.id: DeliveryStatus.FAILED, failed.id: DeliveryStatus.PENDING,
            cancelled.id: DeliveryStatus.PENDING, delivered.id: DeliveryStatus.DELIVERED,
            after.id: DeliveryStatus.FAILED,
        }  # fmt: skip

    def test_a_bad_range_is_refused(self, container: Container, org: CreatedOrganisation) -> None:
        endpoint = add_endpoint(container, org).endpoint
        with container.uow() as uow, pytest.raises(InvalidInput, match="after from"):
            redeliver_range(uow, owner(org), endpoint.id, T0, T0)
        with container.uow() as uow, pytest.raises(InvalidInput, match="time zone"):
            redeliver_range(uow, owner(org), endpoint.id, T0.replace(tzinfo=None), T0)

    def test_at_most_a_thousand_at_a_time(self, container: Container, org: CreatedOrganisation) -> None:
        endpoint = add_endpoint(container, org).endpoint
        publish(container, org, *(["payment.succeeded"] * (MAX_REDELIVER + 2)))
        with container.engine.connect() as conn:
            query = select(WebhookDeliveryRow.id).order_by(WebhookDeliveryRow.id)
            ids = list(conn.execute(query.where(WebhookDeliveryRow.endpoint_id == endpoint.id)).scalars())
        assert len(ids) == MAX_REDELIVER + 2
        set_status(container, ids, DeliveryStatus.FAILED)
        window = (T0 - timedelta(1), T0 + timedelta(1))
        with container.uow() as uow:
            first = redeliver_range(uow, owner(org), endpoint.id, *window)
        with container.uow() as uow:
            second = redeliver_range(uow, owner(org), endpoint.id, *window)
        assert (len(first.delivery_ids), first.more) == (MAX_REDELIVER, True)
        assert (second.delivery_ids, second.more) == (tuple(ids[MAX_REDELIVER:]), False)
        assert first.delivery_ids == tuple(ids[:MAX_REDELIVER])
