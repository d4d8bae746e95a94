"""Registering a payer's device for Web Push: one row per customer the login matches, in every
organisation; bad keys store nothing; a reused device drops its previous owner; the VAPID key is stable."""

from __future__ import annotations

from typing import Any

import pytest

from betal import bootstrap
from betal.config import Settings
from betal.domain.errors import InvalidInput
from betal.domain.push import SubscriptionStatus, b64url_decode
from betal.services import push
from betal.services.organisation import CreatedOrganisation
from tests.domain.test_push import AUTH, P256DH, VECTORS
from tests.services.test_inbox import login, make_customer

EMAIL = "soeren@aeroe.example"
ENDPOINT = "https://push.example.com/send/device-1"


def body(endpoint: str = ENDPOINT, p256dh: str = P256DH, auth: str = AUTH) -> dict[str, Any]:
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}


def endpoint_rows(c: bootstrap.Container, endpoint: str = ENDPOINT) -> list[tuple[str, str]]:
    with c.uow() as uow:
        return [
            (s.organisation_id, s.customer_id) for s in uow.push_subscriptions.list_for_endpoint(endpoint)
        ]


@pytest.fixture
def soeren_everywhere(
    container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
) -> set[tuple[str, str]]:
    """Søren is a customer of two organisations under the same e-mail address."""
    customers = [make_customer(container, o, "Søren Ærø", email=EMAIL) for o in (org, other_org)]
    return {(c.organisation_id, c.id) for c in customers}


class TestRegisterSubscription:
    def test_one_row_per_matched_customer_and_the_same_endpoint_updates(
        self, container: bootstrap.Container, soeren_everywhere: set[tuple[str, str]]
    ) -> None:
        session = login(container, EMAIL)
        with container.uow() as uow:
            first = push.register_subscription(uow, session, body(p256dh=P256DH + "="))
        assert {(s.organisation_id, s.customer_id) for s in first} == soeren_everywhere
        assert {(s.p256dh, s.auth, s.status) for s in first} == {(P256DH, AUTH, SubscriptionStatus.ACTIVE)}
        new_auth = "AAECAwQFBgcICQoLDA0ODw"
        with container.uow() as uow:
            again = push.register_subscription(uow, session, body(auth=new_auth))
        assert sorted(s.id for s in again) == sorted(s.id for s in first)
        assert {s.auth for s in again} == {new_auth}
        assert sorted(endpoint_rows(container)) == sorted(soeren_everywhere)
        with container.uow() as uow:
            for organisation_id, customer_id in soeren_everywhere:
                active = uow.push_subscriptions.list_active_for_customer(organisation_id, customer_id)
                assert [s.endpoint for s in active] == [ENDPOINT]

    @pytest.mark.parametrize(
        ("fields", "field"),
        [({"p256dh": VECTORS["invalid_p256dh"][0]["value"]}, "keys.p256dh"),
         ({"p256dh": VECTORS["invalid_p256dh"][1]["value"]}, "keys.p256dh"),
         ({"p256dh": "not base64!"}, "keys.p256dh"),
         ({"auth": VECTORS["invalid_auth"][0]["value"]}, "keys.auth"),
         ({"endpoint": "http://push.example.com/x"}, "endpoint")],
    )  # fmt: skip
    def test_bad_input_names_the_field_and_stores_nothing(
        self, container: bootstrap.Container, soeren_everywhere: set[tuple[str, str]],
        fields: dict[str, str], field: str,
    ) -> None:  # fmt: skip
        session = login(container, EMAIL)
        data = body(**fields)
        with container.uow() as uow, pytest.raises(InvalidInput) as info:
            push.register_subscription(uow, session, data)
        assert [p.field for p in info.value.errors] == [field]
        assert endpoint_rows(container, data["endpoint"]) == []

    @pytest.mark.parametrize("data", [[], "x", {"endpoint": ENDPOINT}, {"endpoint": ENDPOINT, "keys": "x"}])
    def test_a_body_of_the_wrong_shape(self, container: bootstrap.Container, data: object,
                                       soeren_everywhere: set[tuple[str, str]]) -> None:  # fmt: skip
        session = login(container, EMAIL)
        with container.uow() as uow, pytest.raises(InvalidInput):
            push.register_subscription(uow, session, data)
        assert endpoint_rows(container) == []

    def test_local_http_endpoints_only_when_allowed(
        self, container: bootstrap.Container, soeren_everywhere: set[tuple[str, str]]
    ) -> None:
        session = login(container, EMAIL)
        local = "http://127.0.0.1:9/push/1"
        with container.uow() as uow, pytest.raises(InvalidInput):
            push.register_subscription(uow, session, body(endpoint=local))
        with container.uow() as uow:
            push.register_subscription(uow, session, body(endpoint=local), allow_local_http=True)
        assert len(endpoint_rows(container, local)) == 2

    def test_a_reused_device_leaves_its_previous_owner(
        self, container: bootstrap.Container, org: CreatedOrganisation,
        soeren_everywhere: set[tuple[str, str]],
    ) -> None:  # fmt: skip
        bo = make_customer(container, org, "Bo Berg", email="bo@berg.example")
        with container.uow() as uow:
            push.register_subscription(uow, login(container, EMAIL), body())
        with container.uow() as uow:
            push.register_subscription(uow, login(container, "bo@berg.example"), body())
        assert endpoint_rows(container) == [(org.organisation.id, bo.id)]


class TestUnregisterSubscription:
    def test_removes_only_the_sessions_own_rows(
        self, container: bootstrap.Container, org: CreatedOrganisation,
        soeren_everywhere: set[tuple[str, str]],
    ) -> None:  # fmt: skip
        session = login(container, EMAIL)
        with container.uow() as uow:
            push.register_subscription(uow, session, body())
        make_customer(container, org, "Bo Berg", email="bo@berg.example")
        with container.uow() as uow:
            assert push.unregister_subscription(uow, login(container, "bo@berg.example"), ENDPOINT) == 0
        assert len(endpoint_rows(container)) == 2
        with container.uow() as uow:
            assert push.unregister_subscription(uow, session, ENDPOINT) == 2
        assert endpoint_rows(container) == []
        with container.uow() as uow, pytest.raises(InvalidInput):
            push.unregister_subscription(uow, session, None)


class TestApplicationServerKey:
    def test_a_p256_point_made_once(self, container: bootstrap.Container, settings: Settings) -> None:
        key = push.application_server_key(container.push_keys())
        raw = b64url_decode(key)
        assert raw is not None
        assert len(raw) == 65
        assert raw[0] == 4
        other = bootstrap.build(settings)
        try:
            assert push.application_server_key(other.push_keys()) == key
        finally:
            other.close()
