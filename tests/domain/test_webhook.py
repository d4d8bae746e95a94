from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from betal.domain.errors import InvalidInput
from betal.domain.events import EVENT_TYPES, Event
from betal.domain.webhook import (
    DELIVER_JOB,
    DISABLE_AFTER,
    MAX_EXCERPT,
    RETRY_SCHEDULE,
    DeliveryStatus,
    EndpointStatus,
    Outcome,
    WebhookDelivery,
    WebhookEndpoint,
    after_failure,
    after_success,
    deliver_job,
    disabled,
    event_payload,
    excerpt,
    new_secret,
    outcome_of,
    parse_retry_after,
    retry_delay,
    validate_description,
    validate_events,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def endpoint(**changes: object) -> WebhookEndpoint:
    made = WebhookEndpoint(
        id="whe_01JQ3Z8K6V4N2B7C9D0E1F2G3H", organisation_id="org_01JQ3Z8K6V4N2B7C9D0E1F2G3H",
        url="https://books.example.dk/hook", events=(), description="", status=EndpointStatus.ACTIVE,
        ordered=False, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    return replace(made, **changes)  # type: ignore[arg-type]


class TestValidateEvents:
    def test_known_types_come_back_sorted_once(self) -> None:
        got = validate_events(["payment.succeeded", "payment.refunded", "payment.succeeded"])
        assert got == ("payment.refunded", "payment.succeeded")

    def test_empty_means_every_type(self) -> None:
        assert validate_events([]) == ()
        assert endpoint().accepts("payment.failed")

    def test_an_unknown_type_is_named(self) -> None:
        with pytest.raises(InvalidInput, match=r"unknown event type: payment\.teleported") as info:
            validate_events(["payment.succeeded", "payment.teleported"])
        assert info.value.code == "webhook_endpoint.invalid"
        assert [(p.field, p.message) for p in info.value.errors] == [
            ("events", "'payment.teleported' is not an event type")
        ]

    def test_every_public_type_is_accepted(self) -> None:
        assert set(validate_events(sorted(EVENT_TYPES))) == EVENT_TYPES

    def test_a_filter_takes_only_its_types(self) -> None:
        filtered = endpoint(events=("payment.succeeded",))
        assert filtered.accepts("payment.succeeded")
        assert not filtered.accepts("payment.failed")


class TestValidateDescription:
    def test_whitespace_is_folded(self) -> None:
        assert validate_description("  Bogføring \n hos revisor ") == "Bogføring hos revisor"

    def test_too_long_is_refused(self) -> None:
        with pytest.raises(InvalidInput, match="at most 500"):
            validate_description("x" * 501)


class TestOutcome:
    @pytest.mark.parametrize(
        ("status", "outcome"),
        [
            (200, Outcome.DELIVERED), (204, Outcome.DELIVERED), (299, Outcome.DELIVERED),
            (301, Outcome.FAILED), (302, Outcome.FAILED), (307, Outcome.FAILED), (400, Outcome.FAILED),
            (404, Outcome.FAILED), (410, Outcome.GONE), (429, Outcome.THROTTLED), (500, Outcome.FAILED),
            (502, Outcome.THROTTLED), (503, Outcome.FAILED), (504, Outcome.THROTTLED), (None, Outcome.FAILED),
        ],
    )  # fmt: skip
    def test_standard_webhooks_meaning(self, status: int | None, outcome: Outcome) -> None:
        assert outcome_of(status) is outcome


class TestRetryDelay:
    def test_the_schedule_of_the_specification(self) -> None:
        hours = [d.total_seconds() / 3600 for d in RETRY_SCHEDULE]
        assert hours == [0, 5 / 3600, 5 / 60, 0.5, 2, 5, 10, 14, 20, 24]
        assert sum(RETRY_SCHEDULE, timedelta()) > timedelta(hours=24)

    def test_without_jitter_each_wait_is_the_scheduled_one(self) -> None:
        waits = [retry_delay(n, lambda: 0.5) for n in range(1, 10)]
        assert waits == list(RETRY_SCHEDULE[1:])

    def test_jitter_is_at_most_twenty_percent_either_way(self) -> None:
        assert retry_delay(4, lambda: 0.0) == timedelta(hours=2) * 0.8
        assert retry_delay(4, lambda: 0.999999) == pytest.approx(
            timedelta(hours=2) * 1.2, abs=timedelta(seconds=1)
        )

    def test_after_the_tenth_attempt_there_is_none(self) -> None:
        assert retry_delay(len(RETRY_SCHEDULE), lambda: 0.5) is None
        with pytest.raises(ValueError, match="first attempt"):
            retry_delay(0, lambda: 0.5)


class TestRetryAfter:
    def test_seconds(self) -> None:
        assert parse_retry_after("120", NOW) == timedelta(seconds=120)

    def test_an_http_date(self) -> None:
        assert parse_retry_after("Mon, 02 Mar 2026 09:30:00 GMT", NOW) == timedelta(minutes=30)

    def test_capped_at_a_day_and_never_negative(self) -> None:
        assert parse_retry_after("9999999999", NOW) == timedelta(hours=24)
        assert parse_retry_after("Mon, 02 Mar 2026 08:00:00 GMT", NOW) == timedelta(0)

    @pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5"])
    def test_absent_or_garbage_is_none(self, value: str | None) -> None:
        assert parse_retry_after(value, NOW) is None


class TestFailureStreak:
    def test_the_first_failure_starts_it(self) -> None:
        streak, expired = after_failure(endpoint(), NOW)
        assert streak.failing_since == NOW
        assert not expired

    def test_three_days_of_failures_expire_it(self) -> None:
        failing = endpoint(failing_since=NOW)
        assert after_failure(failing, NOW + DISABLE_AFTER - timedelta(seconds=1)) == (failing, False)
        assert after_failure(failing, NOW + DISABLE_AFTER) == (failing, True)

    def test_a_success_ends_it(self) -> None:
        assert after_success(endpoint(failing_since=NOW)).failing_since is None
        healthy = endpoint()
        assert after_success(healthy) is healthy

    def test_disabled_keeps_the_reason(self) -> None:
        off = disabled(endpoint(), "gone", NOW + timedelta(hours=1))
        assert (off.status, off.disabled_reason, off.updated_at) == (
            EndpointStatus.DISABLED,
            "gone",
            NOW + timedelta(hours=1),
        )


class TestSecret:
    def test_whsec_and_32_random_bytes(self) -> None:
        secret = new_secret()
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
        assert new_secret() != secret


class TestPayload:
    def test_the_body_is_compact_utf8_json_of_the_event(self) -> None:
        event = Event(
            id="evt_01JQ3Z8K6V4N2B7C9D0E1F2G3H", organisation_id="org_01JQ3Z8K6V4N2B7C9D0E1F2G3H",
            sequence=7, type="payment.succeeded", data={"id": "pay_1", "amount": 12500, "name": "Søren"},
            created_at=NOW,
        )  # fmt: skip
        body = event_payload(event)
        assert (
            body
            == (
                '{"id":"evt_01JQ3Z8K6V4N2B7C9D0E1F2G3H","type":"payment.succeeded",'
                '"created_at":"2026-03-02T09:00:00Z","sequence":7,"organisation_id":"org_01JQ3Z8K6V4N2B7C9D0E1F2G3H",'
                '"data":{"id":"pay_1","amount":12500,"name":"Søren"}}'
            ).encode()
        )
        assert json.loads(body)["data"]["name"] == "Søren"


class TestExcerpt:
    def test_at_most_500_characters_and_garbage_replaced(self) -> None:
        assert excerpt(b"") is None
        assert excerpt(b"ok") == "ok"
        long = excerpt(b"\xff\xfe" + b"a" * 10_000)
        assert long is not None
        assert len(long) == MAX_EXCERPT
        assert long.startswith("\ufffd\ufffd")


class TestDeliverJob:
    def test_the_first_job_is_deduplicated_later_ones_are_timed(self) -> None:
        first = deliver_job("org_1", "del_1", first=True)
        assert (first.kind, first.payload, first.dedupe_key, first.run_at) == (
            DELIVER_JOB,
            {"delivery_id": "del_1"},
            "webhook:del_1",
            None,
        )
        later = deliver_job("org_1", "del_1", run_at=NOW)
        assert (later.dedupe_key, later.run_at, later.organisation_id) == (None, NOW, "org_1")


class TestDelivery:
    def test_a_redelivery_counts_its_schedule_from_where_it_began(self) -> None:
        delivery = WebhookDelivery(
            id="del_1", organisation_id="org_1", endpoint_id="whe_1", event_id="evt_1",
            event_type="payment.succeeded", event_sequence=1, status=DeliveryStatus.PENDING, attempts=12,
            next_attempt_at=NOW, created_at=NOW, schedule_start=10,
        )  # fmt: skip
        assert delivery.scheduled_attempts == 2
