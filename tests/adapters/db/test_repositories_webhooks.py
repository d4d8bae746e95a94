"""Webhook storage: the fan-out in the event's own transaction, endpoints with encrypted secrets,
the delivery queries of the job and of the log."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from betal.bootstrap import Container
from betal.domain.events import NewEvent
from betal.domain.ids import new_id
from betal.domain.webhook import DeliveryAttempt, DeliveryStatus, EndpointStatus, Outcome, StoredSecrets
from betal.services.organisation import CreatedOrganisation
from tests.services.webhook_support import add_endpoint, deliveries, delivery_jobs, publish


class TestFanOut:
    def test_one_delivery_and_one_job_per_matching_active_endpoint(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        every = add_endpoint(container, org).endpoint
        paid = add_endpoint(container, org, events=("payment.succeeded",)).endpoint
        off = add_endpoint(container, org).endpoint
        theirs = add_endpoint(container, other_org).endpoint
        with container.uow() as uow:
            uow.webhook_endpoints.save(replace(off, status=EndpointStatus.DISABLED))
            uow.commit()
        publish(container, org, "payment.succeeded", "payment.failed")
        to_every = deliveries(container, org, every.id)
        assert [(d.event_type, d.status, d.attempts) for d in to_every] == [
            ("payment.succeeded", DeliveryStatus.PENDING, 0),
            ("payment.failed", DeliveryStatus.PENDING, 0),
        ]
        assert to_every[0].event_sequence + 1 == to_every[1].event_sequence
        assert [d.event_type for d in deliveries(container, org, paid.id)] == ["payment.succeeded"]
        assert deliveries(container, org, off.id) == []
        assert deliveries(container, other_org, theirs.id) == []
        made = {d.id for e in (every, paid) for d in deliveries(container, org, e.id)}
        jobs = delivery_jobs(container)
        assert {j[0] for j in jobs} == made
        assert all(key == f"webhook:{delivery}" and status == "queued" for delivery, key, status in jobs)

    def test_nothing_is_made_when_the_change_rolls_back(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        endpoint = add_endpoint(container, org).endpoint
        with container.uow() as uow:
            uow.publish(NewEvent(org.organisation.id, "payment.succeeded", {"id": "pay_1"}))
            uow.rollback()
            uow.commit()
        assert deliveries(container, org, endpoint.id) == []
        assert delivery_jobs(container) == []

    def test_an_organisation_without_endpoints_costs_nothing(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        publish(container, org, "payment.succeeded")
        assert delivery_jobs(container) == []


class TestEndpoints:
    def test_secrets_are_stored_encrypted_and_replaced(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        made = add_endpoint(container, org)
        with container.uow() as uow:
            stored = uow.webhook_endpoints.secrets(made.endpoint.id)
            assert made.secret not in stored.secret
            assert container.cipher.decrypt(stored.secret) == made.secret
            later = container.clock.now() + timedelta(hours=24)
            uow.webhook_endpoints.set_secrets(made.endpoint.id, StoredSecrets("new", stored.secret, later))
            uow.commit()
        with container.uow() as uow:
            assert uow.webhook_endpoints.secrets(made.endpoint.id) == StoredSecrets(
                "new", stored.secret, later
            )
            with pytest.raises(LookupError):
                uow.webhook_endpoints.secrets("whe_missing")

    def test_pages_by_id_and_hides_deleted_and_foreign_endpoints(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        first, second, third = (add_endpoint(container, org).endpoint for _ in range(3))
        add_endpoint(container, other_org)
        with container.uow() as uow:
            uow.webhook_endpoints.save(replace(second, status=EndpointStatus.DELETED))
            uow.commit()
        with container.uow() as uow:
            repo = uow.webhook_endpoints
            assert [e.id for e in repo.list_page(org.organisation.id, None, 10)] == [first.id, third.id]
            assert [e.id for e in repo.list_page(org.organisation.id, first.id, 10)] == [third.id]
            assert repo.get(org.organisation.id, second.id) is None
            assert repo.get(other_org.organisation.id, first.id) is None
            assert repo.get(org.organisation.id, first.id, for_update=True) == first


class TestDeliveries:
    def test_queries_of_the_job_and_the_log(self, container: Container, org: CreatedOrganisation) -> None:
        endpoint = add_endpoint(container, org).endpoint
        publish(container, org, "payment.succeeded", "payment.failed", "payment.refunded")
        one, two, three = deliveries(container, org, endpoint.id)
        org_id = org.organisation.id
        with container.uow() as uow:
            repo = uow.webhook_deliveries
            assert repo.earliest_pending_before(endpoint.id, three.event_sequence) == one
            assert repo.earliest_pending_before(endpoint.id, one.event_sequence) is None
            repo.save(replace(one, status=DeliveryStatus.FAILED, attempts=10, next_attempt_at=None))
            assert repo.earliest_pending_before(endpoint.id, three.event_sequence) == two
            assert [
                d.id for d in repo.list_page(org_id, endpoint.id, status=None, after_id=None, limit=2)
            ] == [three.id, two.id]
            assert [
                d.id for d in repo.list_page(org_id, endpoint.id, status=None, after_id=two.id, limit=5)
            ] == [one.id]
            assert [
                d.id for d in repo.list_page(org_id, endpoint.id, status="failed", after_id=None, limit=5)
            ] == [one.id]
            assert repo.cancel_pending(endpoint.id) == 2
            now = container.clock.now()
            window = repo.undelivered_between(
                org_id, endpoint.id, now - timedelta(minutes=1), now + timedelta(1), 2
            )
            assert [d.id for d in window] == [one.id, two.id]
            assert (
                repo.undelivered_between(org_id, endpoint.id, now + timedelta(1), now + timedelta(2), 5) == []
            )
            event = repo.event(org_id, one.event_id)
            assert event is not None
            assert (event.type, event.sequence) == ("payment.succeeded", one.event_sequence)
            assert repo.event("org_other", one.event_id) is None

    def test_attempts_come_back_per_delivery_in_order(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        endpoint = add_endpoint(container, org).endpoint
        publish(container, org, "payment.succeeded", "payment.failed")
        one, two = deliveries(container, org, endpoint.id)
        now = container.clock.now()

        def attempt(delivery_id: str, number: int, status: int | None) -> DeliveryAttempt:
            outcome = Outcome.FAILED if status != 200 else Outcome.DELIVERED
            return DeliveryAttempt(
                new_id("watt"), org.organisation.id, delivery_id, endpoint.id, number,
                now + timedelta(seconds=number), outcome, status, 12, "body" if status else None,
                None if status else "no answer within 10 s",
            )  # fmt: skip

        with container.uow() as uow:
            for made in (attempt(two.id, 2, 200), attempt(one.id, 1, 500), attempt(two.id, 1, None)):
                uow.webhook_deliveries.add_attempt(made)
            uow.commit()
        with container.uow() as uow:
            found = uow.webhook_deliveries.attempts_for([one.id, two.id])
            assert uow.webhook_deliveries.attempts_for([]) == []
        assert [(a.delivery_id, a.number, a.status_code, a.outcome) for a in found] == sorted(
            [
                (one.id, 1, 500, Outcome.FAILED),
                (two.id, 1, None, Outcome.FAILED),
                (two.id, 2, 200, Outcome.DELIVERED),
            ]
        )
