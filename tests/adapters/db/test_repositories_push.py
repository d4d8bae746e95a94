"""Push subscription storage: upsert by (organisation, customer, endpoint), expiry, lookups; the
installation key table keeps the first key written."""

from __future__ import annotations

from datetime import timedelta

from betal.adapters.db.repositories_push import SqlAlchemyInstallationKeyRepository, StoredKey
from betal.bootstrap import Container
from betal.domain.customer import Customer
from betal.domain.ids import new_id
from betal.domain.push import PushSubscription, SubscriptionStatus
from betal.services.organisation import CreatedOrganisation
from tests.services.test_inbox import make_customer

ENDPOINT = "https://push.example.com/send/device-1"


def _subscription(container: Container, customer: Customer, endpoint: str = ENDPOINT, p256dh: str = "BAAA",
                  ) -> PushSubscription:  # fmt: skip
    return PushSubscription(
        new_id("psub"), customer.organisation_id, customer.id, endpoint, p256dh, "auth-1",
        SubscriptionStatus.ACTIVE, container.clock.now(),
    )  # fmt: skip


def _upsert(container: Container, subscription: PushSubscription) -> PushSubscription:
    with container.uow() as uow:
        saved = uow.push_subscriptions.upsert(subscription)
        uow.commit()
    return saved


class TestPushSubscriptions:
    def test_the_same_endpoint_again_updates_and_reactivates(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        customer = make_customer(container, org, "Søren", email="s@x.example")
        first = _upsert(container, _subscription(container, customer))
        with container.uow() as uow:
            uow.push_subscriptions.mark_expired(first.id, container.clock.now())
            uow.commit()
        again = _upsert(container, _subscription(container, customer, p256dh="BBBB"))
        assert again.id == first.id
        assert again.created_at == first.created_at
        assert (again.p256dh, again.status, again.expired_at) == ("BBBB", SubscriptionStatus.ACTIVE, None)
        with container.uow() as uow:
            assert uow.push_subscriptions.list_for_endpoint(ENDPOINT) == [again]

    def test_lookups_and_expiry(self, container: Container, org: CreatedOrganisation) -> None:
        soeren = make_customer(container, org, "Søren", email="s@x.example")
        bo = make_customer(container, org, "Bo", email="b@x.example")
        phone = _upsert(container, _subscription(container, soeren))
        laptop = _upsert(container, _subscription(container, soeren, "https://push.example.com/laptop"))
        bos = _upsert(container, _subscription(container, bo))
        later = container.clock.now() + timedelta(minutes=5)
        with container.uow() as uow:
            uow.push_subscriptions.mark_expired(laptop.id, later)
            uow.push_subscriptions.mark_expired(
                laptop.id, later + timedelta(days=1)
            )  # stays as first expired
            uow.commit()
        with container.uow() as uow:
            repo = uow.push_subscriptions
            assert repo.list_active_for_customer(org.organisation.id, soeren.id) == [phone]
            assert repo.list_active_for_customer("org_other", soeren.id) == []
            expired = repo.get(laptop.id)
            assert expired is not None
            assert (expired.status, expired.expired_at) == (SubscriptionStatus.EXPIRED, later)
            assert [s.id for s in repo.list_for_endpoint(ENDPOINT)] == sorted([phone.id, bos.id])
            repo.delete(phone.id)
            uow.commit()
        with container.uow() as uow:
            assert uow.push_subscriptions.get(phone.id) is None
            assert uow.push_subscriptions.get("psub_unknown") is None


class TestInstallationKeys:
    def test_the_first_key_written_stays(self, container: Container) -> None:
        now = container.clock.now()
        with container.session_factory() as session:
            keys = SqlAlchemyInstallationKeyRepository(session)
            assert keys.get("vapid") is None
            keys.add_if_absent(StoredKey("vapid", "sealed-1", "public-1", now))
            keys.add_if_absent(StoredKey("vapid", "sealed-2", "public-2", now))
            session.commit()
            assert keys.get("vapid") == StoredKey("vapid", "sealed-1", "public-1", now)
