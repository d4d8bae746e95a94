"""Web Push tables: sizes that hold what RFC 8291 and the endpoint rule allow, one row per device and
customer, and a global key table."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint

from betal.adapters.db.orm_push import InstallationKeyRow, PushSubscriptionRow
from betal.domain.push import MAX_ENDPOINT


def _length(column: object) -> int:
    assert isinstance(column, String)
    assert column.length is not None
    return column.length


class TestPushSchema:
    def test_columns_hold_the_largest_valid_values(self) -> None:
        table = PushSubscriptionRow.__table__
        assert _length(table.c.endpoint.type) == MAX_ENDPOINT
        assert _length(table.c.p256dh.type) >= 87  # 65 octets, unpadded base64url
        assert _length(table.c.auth.type) >= 22  # 16 octets
        assert _length(InstallationKeyRow.__table__.c.public_key.type) >= 87

    def test_one_row_per_organisation_customer_and_endpoint(self) -> None:
        uniques = [
            [c.name for c in u.columns]
            for u in PushSubscriptionRow.__table__.constraints
            if isinstance(u, UniqueConstraint)
        ]
        assert uniques == [["organisation_id", "customer_id", "endpoint"]]

    def test_keys_are_global_and_subscriptions_tenant_data(self) -> None:
        assert "organisation_id" not in InstallationKeyRow.__table__.c
        assert PushSubscriptionRow.__table__.c.organisation_id.foreign_keys
