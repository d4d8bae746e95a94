"""Webhook endpoints: the secret shown once and stored encrypted, event filters, live-mode URL safety,
changes, disabling, deletion and secret rotation with a 24-hour overlap."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.db.orm import AuditRow
from betal.adapters.db.orm_webhooks import WebhookEndpointRow
from betal.adapters.security import Argon2PasswordHasher
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.errors import Forbidden, InvalidInput, NotFound
from betal.domain.tenancy import Role
from betal.domain.webhook import DeliveryStatus, EndpointStatus, WebhookEndpoint
from betal.services.organisation import CreatedOrganisation
from betal.services.webhook import (
    MANUAL,
    EndpointChange,
    NewEndpoint,
    checked_url,
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoints,
    rotate_secret,
    signing_secrets,
    update_endpoint,
)
from tests.services.webhook_support import add_endpoint, deliveries, owner, publish

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LIVE_REFUSED = [
    ("http://books.example.dk/hook", "https"),
    ("https://127.0.0.1/hook", "127.0.0.1"),
    ("https://10.20.30.40/hook", "10.20.30.40"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("https://[::1]/hook", "::1"),
    ("https://localhost:8443/hook", "localhost"),
    ("https://127.1/hook", "resolves to 127.0.0.1"),  # a name the resolver reads as 127.0.0.1
    ("https://0x7f000001/hook", "resolves to 127.0.0.1"),
]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def container(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    built = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield built
    built.close()


def create(
    container: Container, org: CreatedOrganisation, url: str, *, live: bool, role: Role = Role.OWNER
) -> None:
    with container.uow() as uow:
        create_endpoint(
            uow,
            container.cipher,
            container.webhook_transport(),
            owner(org, role),
            NewEndpoint(url),
            live=live,
        )


def change(
    container: Container, org: CreatedOrganisation, endpoint_id: str, **fields: Any
) -> WebhookEndpoint:
    with container.uow() as uow:
        return update_endpoint(
            uow, container.webhook_transport(), owner(org), endpoint_id, EndpointChange(**fields), live=False
        )


class TestCreate:
    def test_the_secret_is_shown_once_and_stored_encrypted(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        made = add_endpoint(container, org, events=("payment.succeeded", "payment.refunded"))
        assert made.secret.startswith("whsec_")
        assert made.endpoint.events == ("payment.refunded", "payment.succeeded")
        assert made.endpoint.status is EndpointStatus.ACTIVE
        with container.engine.connect() as conn:
            stored = conn.execute(select(WebhookEndpointRow.secret)).scalar_one()
            audit = conn.execute(
                select(AuditRow.details).where(AuditRow.action == "webhook_endpoint.created")
            ).all()
        assert made.secret not in stored
        assert container.cipher.decrypt(stored) == made.secret
        assert made.secret not in str(audit)

    def test_an_unknown_event_type_is_refused_by_name(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        with pytest.raises(InvalidInput, match=r"payment\.teleported"):
            add_endpoint(container, org, events=("payment.teleported",))

    def test_a_viewer_may_not_and_an_admin_may(self, container: Container, org: CreatedOrganisation) -> None:
        with pytest.raises(Forbidden):
            create(container, org, "https://books.example.dk/hook", live=False, role=Role.VIEWER)
        create(container, org, "https://books.example.dk/hook", live=False, role=Role.ADMIN)

    @pytest.mark.parametrize(("url", "named"), LIVE_REFUSED)
    def test_live_mode_refuses_http_and_addresses_of_this_network(
        self, container: Container, org: CreatedOrganisation, url: str, named: str
    ) -> None:
        with pytest.raises(InvalidInput, match=named) as info:
            create(container, org, url, live=True)
        assert info.value.code == "webhook_endpoint.invalid_url"

    def test_live_mode_takes_a_public_address(self, container: Container) -> None:
        assert (
            checked_url(container.webhook_transport(), " https://8.8.8.8/hook ", live=True)
            == "https://8.8.8.8/hook"
        )

    def test_sandbox_mode_allows_this_machine(self, container: Container, org: CreatedOrganisation) -> None:
        create(container, org, "http://localhost:8787/hook", live=False)
        create(container, org, "http://127.0.0.1:8787/hook", live=False)


class TestRead:
    def test_list_get_and_other_organisations(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        mine = add_endpoint(container, org).endpoint
        theirs = add_endpoint(container, other_org).endpoint
        with container.uow() as uow:
            assert [e.id for e in list_endpoints(uow, owner(org, Role.VIEWER), after_id=None, limit=10)] == [
                mine.id
            ]
            assert get_endpoint(uow, owner(org, Role.VIEWER), mine.id) == mine
            for missing in (theirs.id, "whe_nope", "x" * 300):
                with pytest.raises(NotFound):
                    get_endpoint(uow, owner(org), missing)


class TestUpdate:
    def test_filter_url_description_and_order_change(
        self, container: Container, org: CreatedOrganisation, clock: FrozenClock
    ) -> None:
        endpoint = add_endpoint(container, org).endpoint
        clock.advance(timedelta(minutes=1))
        updated = change(
            container, org, endpoint.id, events=("payment.failed",), url="https://erp.example.dk/in",
            description="ERP", ordered=True,
        )  # fmt: skip
        assert updated == get_endpoint_now(container, org, endpoint.id)
        assert (updated.events, updated.url, updated.description, updated.ordered) == (
            ("payment.failed",),
            "https://erp.example.dk/in",
            "ERP",
            True,
        )
        assert updated.updated_at == T0 + timedelta(minutes=1)
        with pytest.raises(InvalidInput, match=r"payment\.exploded"):
            change(container, org, endpoint.id, events=("payment.exploded",))
        with pytest.raises(InvalidInput, match="must be active or disabled"):
            change(container, org, endpoint.id, status=EndpointStatus.DELETED)

    def test_disabling_cancels_pending_deliveries_and_enabling_clears_the_reason(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        endpoint = add_endpoint(container, org).endpoint
        publish(container, org, "payment.succeeded")
        off = change(container, org, endpoint.id, status=EndpointStatus.DISABLED)
        assert (off.status, off.disabled_reason) == (EndpointStatus.DISABLED, MANUAL)
        assert [d.status for d in deliveries(container, org, endpoint.id)] == [DeliveryStatus.CANCELLED]
        publish(container, org, "payment.succeeded")
        assert len(deliveries(container, org, endpoint.id)) == 1  # nothing is queued for a disabled endpoint
        on = change(container, org, endpoint.id, status=EndpointStatus.ACTIVE)
        assert (on.status, on.disabled_reason, on.failing_since) == (EndpointStatus.ACTIVE, None, None)

    def test_no_change_writes_nothing(
        self, container: Container, org: CreatedOrganisation, clock: FrozenClock
    ) -> None:
        endpoint = add_endpoint(container, org).endpoint
        clock.advance(timedelta(hours=1))
        assert change(container, org, endpoint.id, ordered=False) == endpoint


def get_endpoint_now(container: Container, org: CreatedOrganisation, endpoint_id: str) -> WebhookEndpoint:
    with container.uow() as uow:
        return get_endpoint(uow, owner(org), endpoint_id)


class TestDelete:
    def test_gone_for_the_api_pending_cancelled_secrets_forgotten(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        endpoint = add_endpoint(container, org).endpoint
        publish(container, org, "payment.succeeded")
        with container.uow() as uow:
            delete_endpoint(uow, owner(org), endpoint.id)
        with container.uow() as uow:
            with pytest.raises(NotFound):
                get_endpoint(uow, owner(org), endpoint.id)
            assert uow.webhook_endpoints.secrets(endpoint.id).secret == ""
            [delivery] = uow.webhook_deliveries.list_page(
                org.organisation.id, endpoint.id, status=None, after_id=None, limit=5
            )
        assert delivery.status is DeliveryStatus.CANCELLED


class TestRotateSecret:
    def test_both_secrets_sign_for_24_hours_then_only_the_new(
        self, container: Container, org: CreatedOrganisation, clock: FrozenClock
    ) -> None:
        made = add_endpoint(container, org)
        clock.advance(timedelta(hours=2))
        with container.uow() as uow:
            rotated = rotate_secret(uow, container.cipher, owner(org), made.endpoint.id)
        assert rotated.secret != made.secret
        assert rotated.previous_secret_expires_at == T0 + timedelta(hours=26)

        def signing() -> tuple[str, ...]:
            with container.uow() as uow:
                stored = uow.webhook_endpoints.secrets(made.endpoint.id)
            return signing_secrets(container.cipher, stored, clock.now())

        assert signing() == (rotated.secret, made.secret)
        clock.advance(timedelta(hours=23, minutes=59))
        assert signing() == (rotated.secret, made.secret)
        clock.advance(timedelta(minutes=1))
        assert signing() == (rotated.secret,)

    def test_rotating_again_keeps_only_the_last_two(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        made = add_endpoint(container, org)
        with container.uow() as uow:
            second = rotate_secret(uow, container.cipher, owner(org), made.endpoint.id)
        with container.uow() as uow:
            third = rotate_secret(uow, container.cipher, owner(org), made.endpoint.id)
            stored = uow.webhook_endpoints.secrets(made.endpoint.id)
        assert signing_secrets(container.cipher, stored, T0) == (third.secret, second.secret)

    def test_a_viewer_may_not_rotate(self, container: Container, org: CreatedOrganisation) -> None:
        made = add_endpoint(container, org)
        with container.uow() as uow, pytest.raises(Forbidden):
            rotate_secret(uow, container.cipher, owner(org, Role.VIEWER), made.endpoint.id)
