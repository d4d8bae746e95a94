"""Reminder policy schemas: strict integers (a fee is øre), known channels, defaults, and the read models of
a policy, a line of the amount due and a reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from betal.api.schemas.reminder_policy import (
    ChargeRead,
    ReminderPolicyRead,
    ReminderPolicyWrite,
    ReminderRead,
)
from betal.domain.dunning import RecordStatus, ReminderRecord
from betal.domain.notification import Channel
from betal.domain.reminder import ReminderKind, ReminderRule, built_in
from betal.services.dunning import DueLine

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BODY = {"name": "Streng", "rules": [{"days": 10, "channels": ["email", "sms"], "fee_amount": 10_000}]}


class TestWrite:
    def test_defaults_and_the_domain_rules(self) -> None:
        body = ReminderPolicyWrite.model_validate(
            BODY | {"rules": [*BODY["rules"], {"days": -3, "channels": ["push"]}]}
        )
        assert (body.is_default, body.send_hour, body.charge_interest, body.compensation) == (
            False,
            9,
            True,
            True,
        )
        assert body.domain_rules() == (
            ReminderRule(10, (Channel.EMAIL, Channel.SMS), 10_000),
            ReminderRule(-3, (Channel.PUSH,), 0),
        )

    @pytest.mark.parametrize(
        "rule",
        [
            {"days": 10, "channels": ["email"], "fee_amount": 100.0},
            {"days": 10, "channels": ["email"], "fee_amount": "10000"},
            {"days": 10, "channels": ["email"], "fee_amount": True},
            {"days": 10, "channels": ["email"], "fee_amount": -1},
            {"days": "10", "channels": ["email"]},
            {"days": 10, "channels": ["fax"]},
            {"days": 10, "channels": []},
            {"days": 10},
            {"days": 10, "channels": ["email"], "note": "x"},
        ],
    )
    def test_a_bad_rule_is_refused(self, rule: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            ReminderPolicyWrite.model_validate(BODY | {"rules": [rule]})

    @pytest.mark.parametrize(
        "change", [{"name": ""}, {"name": "x" * 101}, {"send_hour": 9.0}, {"is_default": "yes"}]
    )
    def test_bad_settings_are_refused(self, change: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            ReminderPolicyWrite.model_validate(BODY | change)


class TestRead:
    def test_a_policy(self) -> None:
        read = ReminderPolicyRead.of(built_in("org_1", AT)).model_dump(mode="json")
        assert (read["id"], read["is_default"], read["send_hour"], read["created_at"]) == (
            "default", True, 9, "2026-03-02T09:00:00Z"
        )  # fmt: skip
        assert read["rules"][0] == {
            "key": "d-3", "kind": "before_due", "days": -3, "channels": ["email"], "fee_amount": 0
        }  # fmt: skip

    def test_a_line_and_a_reminder(self) -> None:
        line = DueLine("interest", 298, date(2026, 3, 5), date(2026, 3, 16), "9.75")
        assert ChargeRead.of(line).model_dump(mode="json") == {
            "kind": "interest", "amount": 298, "period_start": "2026-03-05", "period_end": "2026-03-16",
            "rate_percent": "9.75",
        }  # fmt: skip
        record = ReminderRecord(
            "rem_1", "org_1", "preq_1", "d-3", ReminderKind.BEFORE_DUE, RecordStatus.DROPPED, "past_due", 0,
            date(2026, 3, 13), AT,
        )  # fmt: skip
        assert ReminderRead.of(record).model_dump(mode="json") == {
            "rule_key": "d-3", "kind": "before_due", "status": "dropped", "reason": "past_due", "fee": 0,
            "date": "2026-03-13",
        }  # fmt: skip
