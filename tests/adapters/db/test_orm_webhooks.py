"""Webhook tables: sizes that hold what the domain allows, tenant data everywhere, the indexes the
delivery job and the log use."""

from __future__ import annotations

from sqlalchemy import String

from betal.adapters.db.orm_webhooks import WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow
from betal.domain.webhook import MAX_DESCRIPTION, DeliveryStatus, EndpointStatus, Outcome
from betal.domain.webhook_url import MAX_URL


def _length(column: object) -> int:
    assert isinstance(column, String)
    assert column.length is not None
    return column.length


class TestWebhookSchema:
    def test_columns_hold_the_largest_valid_values(self) -> None:
        endpoints = WebhookEndpointRow.__table__.c
        assert _length(endpoints.url.type) == MAX_URL
        assert _length(endpoints.description.type) == MAX_DESCRIPTION
        assert _length(endpoints.status.type) >= max(len(s.value) for s in EndpointStatus)
        assert _length(WebhookDeliveryRow.__table__.c.status.type) >= max(
            len(s.value) for s in DeliveryStatus
        )
        assert _length(WebhookAttemptRow.__table__.c.outcome.type) >= max(len(o.value) for o in Outcome)

    def test_every_table_is_tenant_data(self) -> None:
        for row in (WebhookEndpointRow, WebhookDeliveryRow, WebhookAttemptRow):
            assert row.__table__.c.organisation_id.foreign_keys, row.__tablename__

    def test_the_ordered_lookup_and_the_log_are_indexed(self) -> None:
        indexes = {tuple(c.name for c in i.columns) for i in WebhookDeliveryRow.__table__.indexes}
        assert ("endpoint_id", "status", "event_sequence") in indexes
        assert ("endpoint_id", "id") in indexes
