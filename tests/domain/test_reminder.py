"""Reminder policies: validation that cites renteloven, banking-day scheduling, the send window, plans."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from betal.domain.errors import InvalidInput
from betal.domain.notification import Channel
from betal.domain.reminder import (
    BUILT_IN_RULES,
    ReminderKind,
    ReminderRule,
    built_in,
    in_window,
    local_time,
    next_window,
    plan,
    scheduled_day,
    validate_rules,
)

E, S = Channel.EMAIL, Channel.SMS
AT = datetime(2026, 11, 1, tzinfo=UTC)


def messages(rules: list[ReminderRule], hour: int = 9) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        validate_rules(rules, hour)
    return [p.message for p in caught.value.errors]


def test_the_built_in_policy_is_lawful() -> None:
    assert validate_rules(BUILT_IN_RULES, 9) == BUILT_IN_RULES


def test_rules_come_back_in_day_order_with_keys() -> None:
    rules = validate_rules([ReminderRule(10, (E,), 100), ReminderRule(-3, (E,)), ReminderRule(0, (S,))], 9)
    assert [r.key for r in rules] == ["d-3", "d0", "d+10"]
    assert [r.kind for r in rules] == [ReminderKind.BEFORE_DUE, ReminderKind.ON_DUE, ReminderKind.OVERDUE]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            [ReminderRule(d, (E,), 100) for d in (5, 15, 25, 35)],
            "at most 3 reminders on the same claim may carry a fee",
        ),
        ([ReminderRule(5, (E,), 10_001)], "renteloven § 9 b: a reminder fee is at most 100 kr."),
        (
            [ReminderRule(5, (E,), 100), ReminderRule(12, (E,), 100)],
            "at least 10 days apart (day 5 and day 12",
        ),
        ([ReminderRule(0, (E,), 100)], "can only be charged after the due date"),
        ([ReminderRule(-61, (E,))], "from 60 days before"),
        ([ReminderRule(3, ())], "one or more different channels"),
        ([ReminderRule(3, (E, E))], "one or more different channels"),
        ([ReminderRule(3, (E,)), ReminderRule(3, (S,))], "two reminders on day 3"),
        ([ReminderRule(3, (E,), -1)], "cannot be negative"),
    ],
)
def test_a_policy_that_breaks_the_rules_is_refused_citing_the_rule(
    rules: list[ReminderRule], expected: str
) -> None:
    assert any(expected in m for m in messages(rules)), messages(rules)


def test_fees_10_days_apart_and_free_reminders_between_are_lawful() -> None:
    rules = [
        ReminderRule(d, (E,), f)
        for d, f in ((1, 0), (5, 10_000), (10, 0), (15, 10_000), (25, 10_000), (26, 0))
    ]
    assert len(validate_rules(rules, 9)) == 6


@pytest.mark.parametrize("hour", [7, 20, 23, -1])
def test_never_at_night(hour: int) -> None:
    assert any("never at night" in m for m in messages([ReminderRule(1, (E,))], hour))


def test_every_problem_is_reported_at_once() -> None:
    found = messages([ReminderRule(0, (E,), 100), ReminderRule(3, ())], 22)
    assert len(found) == 3


def test_scheduled_days_fall_on_banking_days() -> None:
    due = date(2026, 12, 28)  # Monday
    # 3 days before is Friday 25 Dec (Christmas): moves back to Wednesday 23 Dec (24 Dec is closed).
    assert scheduled_day(ReminderRule(-3, (E,)), due, None) == date(2026, 12, 23)
    # due on a Sunday: the on-due reminder goes the Friday before
    assert scheduled_day(ReminderRule(0, (E,)), date(2026, 11, 29), None) == date(2026, 11, 27)
    # 4 days after 28 Dec is 1 Jan: moves on to Monday 4 Jan 2027
    assert scheduled_day(ReminderRule(4, (E,)), due, None) == date(2027, 1, 4)


def test_an_overdue_reminder_keeps_its_gap_after_a_late_one() -> None:
    due = date(2026, 11, 2)
    second = ReminderRule(20, (E,), 100)
    first = ReminderRule(10, (E,), 100)
    assert scheduled_day(second, due, (first, date(2026, 11, 12))) == date(2026, 11, 23)  # 22nd is a Sunday
    assert scheduled_day(second, due, (first, date(2026, 11, 30))) == date(2026, 12, 10)  # 10 days after


def test_send_window_is_08_to_20_copenhagen_on_banking_days() -> None:
    assert in_window(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # 08:00 CET
    assert not in_window(datetime(2026, 11, 23, 6, 59, tzinfo=UTC))
    assert not in_window(datetime(2026, 11, 23, 19, 0, tzinfo=UTC))  # 20:00 CET
    assert not in_window(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))  # Sunday
    assert in_window(datetime(2026, 6, 15, 6, 0, tzinfo=UTC))  # 08:00 CEST
    # Saturday night -> Monday 08:00 CET
    assert next_window(datetime(2026, 11, 21, 22, 0, tzinfo=UTC)) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    # Wednesday 23 Dec 21:00 -> 24, 25, 26, 27 closed -> Monday 28 Dec 08:00
    assert next_window(datetime(2026, 12, 23, 20, 0, tzinfo=UTC)) == datetime(2026, 12, 28, 7, 0, tzinfo=UTC)
    assert local_time(date(2026, 7, 1), 9) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


POLICY = built_in("org_x", AT)  # -3, 0, +3, +10 fee, +20 fee, +30 fee at 09:00
DUE = date(2026, 11, 20)  # Friday


def test_plan_sends_nothing_before_its_time_and_says_when_to_look() -> None:
    step = plan(POLICY, DUE, AT, {}, datetime(2026, 11, 10, 12, tzinfo=UTC))
    assert step.send is None
    assert step.dropped == ()
    assert step.next_at == datetime(2026, 11, 17, 8, 0, tzinfo=UTC)  # Tue 17 Nov 09:00 CET


def test_plan_sends_the_before_due_reminder_at_its_time() -> None:
    step = plan(POLICY, DUE, AT, {}, datetime(2026, 11, 17, 8, 0, tzinfo=UTC))
    assert step.send is not None
    assert step.send.key == "d-3"


def test_a_reminder_planned_before_the_request_existed_is_not_sent() -> None:
    created = datetime(2026, 11, 19, 12, tzinfo=UTC)
    step = plan(POLICY, DUE, created, {}, datetime(2026, 11, 19, 13, tzinfo=UTC))
    assert step.send is None
    assert step.next_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # the on-due one


def test_a_worker_back_after_the_due_date_drops_the_before_due_reminders() -> None:
    step = plan(POLICY, DUE, AT, {}, datetime(2026, 11, 24, 9, tzinfo=UTC))
    assert {(r.key, why) for r, why in step.dropped} == {("d-3", "past_due"), ("d0", "past_due")}
    assert step.send is not None
    assert step.send.key == "d+3"


def test_a_worker_back_on_the_due_date_sends_only_the_latest_upcoming_one() -> None:
    step = plan(POLICY, DUE, AT, {}, datetime(2026, 11, 20, 10, tzinfo=UTC))
    assert [(r.key, why) for r, why in step.dropped] == [("d-3", "superseded")]
    assert step.send is not None
    assert step.send.key == "d0"


def test_nothing_is_sent_outside_the_window_even_when_due() -> None:
    night = datetime(2026, 11, 24, 21, tzinfo=UTC)
    step = plan(POLICY, DUE, AT, {"d-3": date(2026, 11, 17), "d0": date(2026, 11, 20)}, night)
    assert step.send is None
    assert step.next_at == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def test_overdue_reminders_come_one_at_a_time_after_downtime() -> None:
    done = {"d-3": date(2026, 11, 17), "d0": date(2026, 11, 20), "d+3": date(2026, 11, 23)}
    late = datetime(2027, 1, 15, 9, tzinfo=UTC)  # weeks after +10, +20 and +30 passed
    step = plan(POLICY, DUE, AT, done, late)
    assert step.send is not None
    assert step.send.key == "d+10"
    after = plan(POLICY, DUE, AT, done | {"d+10": date(2027, 1, 15)}, late)
    assert after.send is None
    assert after.next_at == datetime(2027, 1, 25, 8, 0, tzinfo=UTC)  # 10 days after, 09:00


def test_no_reminders_left() -> None:
    done = {r.key: DUE for r in POLICY.rules}
    assert plan(POLICY, DUE, AT, done, datetime(2027, 3, 1, tzinfo=UTC)).next_at is None
    empty = replace(POLICY, rules=())
    assert plan(empty, DUE, AT, {}, AT).next_at is None
