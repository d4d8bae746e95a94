"""Storage for Web Push: payers' subscriptions (``ports.PushSubscriptionRepository``) and the
installation's keys (insert or ignore, so concurrent first uses agree on one key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from betal.adapters.db.mapping import to_columns, to_domain
from betal.adapters.db.orm_push import InstallationKeyRow, PushSubscriptionRow
from betal.adapters.db.upsert import insert_for
from betal.domain.push import PushSubscription, SubscriptionStatus

_UNIQUE = ["organisation_id", "customer_id", "endpoint"]


class SqlAlchemyPushSubscriptionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert(self, subscription: PushSubscription) -> PushSubscription:
        """Store the subscription; the same (organisation, customer, endpoint) again takes the new keys
        and is active again, keeping its id and creation time."""
        values = to_columns(subscription)
        stmt = insert_for(self.session)(PushSubscriptionRow).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=_UNIQUE,
            set_={
                "p256dh": subscription.p256dh,
                "auth": subscription.auth,
                "status": SubscriptionStatus.ACTIVE.value,
                "expired_at": None,
            },
        )
        self.session.execute(stmt)
        row = self.session.scalars(
            select(PushSubscriptionRow)
            .where(
                PushSubscriptionRow.organisation_id == subscription.organisation_id,
                PushSubscriptionRow.customer_id == subscription.customer_id,
                PushSubscriptionRow.endpoint == subscription.endpoint,
            )
            .execution_options(populate_existing=True)
        ).one()
        return to_domain(PushSubscription, row)

    def get(self, subscription_id: str) -> PushSubscription | None:
        row = self.session.get(PushSubscriptionRow, subscription_id)
        return None if row is None else to_domain(PushSubscription, row)

    def list_active_for_customer(self, organisation_id: str, customer_id: str) -> list[PushSubscription]:
        rows = self.session.scalars(
            select(PushSubscriptionRow)
            .where(
                PushSubscriptionRow.organisation_id == organisation_id,
                PushSubscriptionRow.customer_id == customer_id,
                PushSubscriptionRow.status == SubscriptionStatus.ACTIVE.value,
            )
            .order_by(PushSubscriptionRow.id)
        )
        return [to_domain(PushSubscription, r) for r in rows]

    def list_for_endpoint(self, endpoint: str) -> list[PushSubscription]:
        rows = self.session.scalars(
            select(PushSubscriptionRow)
            .where(PushSubscriptionRow.endpoint == endpoint)
            .order_by(PushSubscriptionRow.id)
        )
        return [to_domain(PushSubscription, r) for r in rows]

    def delete(self, subscription_id: str) -> None:
        self.session.execute(delete(PushSubscriptionRow).where(PushSubscriptionRow.id == subscription_id))

    def mark_expired(self, subscription_id: str, at: datetime) -> None:
        self.session.execute(
            update(PushSubscriptionRow)
            .where(
                PushSubscriptionRow.id == subscription_id,
                PushSubscriptionRow.status == SubscriptionStatus.ACTIVE.value,
            )
            .values(status=SubscriptionStatus.EXPIRED.value, expired_at=at)
        )


@dataclass(frozen=True)
class StoredKey:
    name: str
    private_key: str  # encrypted with the installation's Cipher
    public_key: str
    created_at: datetime


class SqlAlchemyInstallationKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, name: str) -> StoredKey | None:
        row = self.session.get(InstallationKeyRow, name, populate_existing=True)
        return None if row is None else to_domain(StoredKey, row)

    def add_if_absent(self, key: StoredKey) -> None:
        """Insert ``key`` unless a key of that name exists (then the stored one stays)."""
        stmt = insert_for(self.session)(InstallationKeyRow).values(**to_columns(key))
        self.session.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
