"""Webhook schemas: unknown fields and wrong types refused, defaults, ``from``/``to`` aware timestamps,
and read models that carry a secret only where it is shown once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from betal.api.schemas.webhook import (
    DeliveryAttemptRead,
    RedeliverRange,
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)
from betal.domain.webhook import (
    DeliveryAttempt,
    DeliveryStatus,
    EndpointStatus,
    Outcome,
    WebhookDelivery,
    WebhookEndpoint,
)
from betal.services.webhook import EndpointWithSecret
from betal.services.webhook_log import LoggedDelivery

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ENDPOINT = WebhookEndpoint(
    id="whe_1", organisation_id="org_1", url="https://books.example.dk/hook", events=("payment.succeeded",),
    description="ERP", status=EndpointStatus.ACTIVE, ordered=True, created_at=AT, updated_at=AT,
)  # fmt: skip


class TestCreate:
    def test_defaults_every_type_unordered(self) -> None:
        body = WebhookEndpointCreate.model_validate({"url": " https://books.example.dk/hook "})
        assert (body.url, body.events, body.description, body.ordered) == (
            "https://books.example.dk/hook",
            [],
            "",
            False,
        )

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"url": ""},
            {"url": "https://b.dk/", "secret": "whsec_mine"},
            {"url": "https://b.dk/", "events": "payment.succeeded"},
            {"url": "https://b.dk/", "ordered": "yes"},
            {"url": "https://b.dk/" + "x" * 2048},
        ],
    )
    def test_refused(self, body: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            WebhookEndpointCreate.model_validate(body)


class TestUpdate:
    def test_only_what_is_sent_changes(self) -> None:
        assert WebhookEndpointUpdate.model_validate({}).model_dump() == {
            "url": None, "events": None, "description": None, "status": None, "ordered": None
        }  # fmt: skip

    def test_status_is_active_or_disabled(self) -> None:
        assert WebhookEndpointUpdate.model_validate({"status": "disabled"}).status == "disabled"
        with pytest.raises(ValidationError):
            WebhookEndpointUpdate.model_validate({"status": "deleted"})


class TestRedeliverRange:
    def test_from_and_to_with_a_zone(self) -> None:
        body = RedeliverRange.model_validate(
            {"from": "2026-03-02T09:00:00Z", "to": "2026-03-03T09:00:00+01:00"}
        )
        assert (body.start, body.end.utcoffset()) == (
            AT,
            datetime.fromisoformat("2026-03-03T09:00+01:00").utcoffset(),
        )

    @pytest.mark.parametrize(
        "body",
        [{"from": "2026-03-02T09:00:00", "to": "2026-03-03T09:00:00Z"}, {"from": "2026-03-02T09:00:00Z"}],
    )
    def test_a_naive_or_missing_end_is_refused(self, body: dict[str, str]) -> None:
        with pytest.raises(ValidationError):
            RedeliverRange.model_validate(body)


class TestRead:
    def test_an_endpoint_has_no_secret(self) -> None:
        read = WebhookEndpointRead.of(ENDPOINT).model_dump()
        assert "secret" not in read
        assert read["events"] == ["payment.succeeded"]
        assert read["status"] == "active"

    def test_created_and_rotated_carry_the_secret(self) -> None:
        read = WebhookEndpointWithSecret.created(EndpointWithSecret(ENDPOINT, "whsec_abc", AT))
        assert (read.id, read.secret, read.previous_secret_expires_at) == ("whe_1", "whsec_abc", AT)

    def test_a_delivery_with_its_attempts(self) -> None:
        delivery = WebhookDelivery(
            id="del_1", organisation_id="org_1", endpoint_id="whe_1", event_id="evt_1",
            event_type="payment.succeeded", event_sequence=4, status=DeliveryStatus.FAILED, attempts=1,
            next_attempt_at=None, created_at=AT,
        )  # fmt: skip
        attempt = DeliveryAttempt(
            id="watt_1", organisation_id="org_1", delivery_id="del_1", endpoint_id="whe_1", number=1,
            attempted_at=AT, outcome=Outcome.FAILED, status_code=500, latency_ms=42, response_excerpt="boom",
            error=None,
        )  # fmt: skip
        read = WebhookDeliveryRead.of(LoggedDelivery(delivery, (attempt,))).model_dump(mode="json")
        assert read["status"] == "failed"
        assert read["attempts"] == [
            DeliveryAttemptRead.of(attempt).model_dump(mode="json")
            | {"status_code": 500, "latency_ms": 42, "response_excerpt": "boom", "outcome": "failed"}
        ]
