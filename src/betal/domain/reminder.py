"""Reminder policies and when each reminder of a payment request is due.

Spec: the notifications issue, items 4-6; DESIGN.md "Core entities" (ReminderPolicy: offsets before/after
the due date, channels, fees within the law); docs/notifications.md "Reminders".

A policy is a list of rules, each a day relative to the due date (negative before it, 0 on it, positive
after it), the channels it goes out on and, after the due date, a reminder fee. Rules are validated against
renteloven (``domain.renteloven``) and the error cites the rule broken. Every reminder is sent on a
banking day at the policy's hour in Europe/Copenhagen, and only between 08:00 and 20:00:

- before the due date and on it: the day moves back to the preceding banking day (never after the due date);
- after the due date: the day moves on to the next banking day, and never sooner after the reminder
  before it than the policy's gap between the two, so reminders that carry a fee stay at least 10 days
  apart even when an earlier one went out late (a worker that was down).

``plan`` answers, for one request at one moment, which reminder is due now, which are dropped (a
before-due reminder whose time passed until after the due date, or one overtaken by a later one) and
when to look again.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from betal.domain.calendar import COPENHAGEN, business_date, is_banking_day, next_banking_day
from betal.domain.errors import FieldProblem, InvalidInput
from betal.domain.notification import Channel
from betal.domain.renteloven import MAX_FEE_MINOR, MAX_FEE_REMINDERS, MIN_DAYS_BETWEEN_FEES

WINDOW_OPENS = 8  # never at night: 08:00-20:00 Europe/Copenhagen
WINDOW_CLOSES = 20
MAX_DAYS_BEFORE = 60
MAX_DAYS_AFTER = 365
MAX_RULES = 12


class ReminderKind(StrEnum):
    BEFORE_DUE = "before_due"
    ON_DUE = "on_due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class ReminderRule:
    days: int  # relative to the due date: -3 three days before, 0 on it, 10 ten days after
    channels: tuple[Channel, ...]
    fee_minor: int = 0

    @property
    def key(self) -> str:
        """Stable name of the rule within a policy: ``d-3``, ``d0``, ``d+10``."""
        return f"d{self.days:+d}" if self.days else "d0"

    @property
    def kind(self) -> ReminderKind:
        if self.days < 0:
            return ReminderKind.BEFORE_DUE
        return ReminderKind.ON_DUE if self.days == 0 else ReminderKind.OVERDUE


@dataclass(frozen=True)
class ReminderPolicy:
    id: str
    organisation_id: str
    name: str
    is_default: bool
    rules: tuple[ReminderRule, ...]
    send_hour: int
    charge_interest: bool
    compensation: bool  # renteloven § 9 a(3) for business customers
    created_at: datetime
    updated_at: datetime


BUILT_IN_ID = "default"
E, S = Channel.EMAIL, Channel.SMS
BUILT_IN_RULES = (
    ReminderRule(-3, (E,)),
    ReminderRule(0, (E, S)),
    ReminderRule(3, (E,)),
    ReminderRule(10, (E, S), 10_000),
    ReminderRule(20, (E, S), 10_000),
    ReminderRule(30, (E, S), 10_000),
)


def built_in(organisation_id: str, at: datetime) -> ReminderPolicy:
    """The policy an organisation has before it saves its own."""
    return ReminderPolicy(
        BUILT_IN_ID, organisation_id, "Standard", True, BUILT_IN_RULES, 9, True, True, at, at
    )


def _rule_problems(index: int, rule: ReminderRule) -> list[FieldProblem]:
    field = f"rules[{index}]"
    out: list[FieldProblem] = []
    if not -MAX_DAYS_BEFORE <= rule.days <= MAX_DAYS_AFTER:
        span = f"from {MAX_DAYS_BEFORE} days before to {MAX_DAYS_AFTER} days after the due date"
        out.append(FieldProblem(f"{field}.days", f"must be {span}"))
    if not rule.channels or len(set(rule.channels)) != len(rule.channels):
        out.append(FieldProblem(f"{field}.channels", "needs one or more different channels"))
    if rule.fee_minor < 0:
        out.append(FieldProblem(f"{field}.fee", "a fee cannot be negative"))
    elif rule.fee_minor > 0 and rule.days <= 0:
        out.append(
            FieldProblem(
                f"{field}.fee", "renteloven § 9 b: a reminder fee can only be charged after the due date"
            )
        )
    elif rule.fee_minor > MAX_FEE_MINOR:
        out.append(FieldProblem(f"{field}.fee", "renteloven § 9 b: a reminder fee is at most 100 kr."))
    return out


def _fee_problems(ordered: Sequence[ReminderRule]) -> list[FieldProblem]:
    fee_days = [r.days for r in ordered if r.fee_minor > 0]
    out: list[FieldProblem] = []
    if len(fee_days) > MAX_FEE_REMINDERS:
        message = f"renteloven § 9 b: at most {MAX_FEE_REMINDERS} reminders on the same claim may carry a fee"
        out.append(FieldProblem("rules", message))
    for first, second in itertools.pairwise(fee_days):
        if second - first < MIN_DAYS_BETWEEN_FEES:
            message = (
                f"renteloven § 9 b: reminders that carry a fee must be at least {MIN_DAYS_BETWEEN_FEES} days "
                f"apart (day {first} and day {second} are {second - first} days apart)"
            )
            out.append(FieldProblem("rules", message))
    return out


def validate_rules(rules: Sequence[ReminderRule], send_hour: int) -> tuple[ReminderRule, ...]:
    """The rules in day order, or ``InvalidInput`` listing every rule broken, citing renteloven."""
    problems: list[FieldProblem] = []
    if not WINDOW_OPENS <= send_hour < WINDOW_CLOSES:
        window = f"{WINDOW_OPENS:02d}:00 and {WINDOW_CLOSES:02d}:00"
        problems.append(FieldProblem("send_hour", f"reminders are sent between {window}, never at night"))
    if len(rules) > MAX_RULES:
        problems.append(FieldProblem("rules", f"at most {MAX_RULES} reminders"))
    ordered = sorted(rules, key=lambda r: r.days)
    seen: set[int] = set()
    for index, rule in enumerate(ordered):
        if rule.days in seen:
            problems.append(FieldProblem(f"rules[{index}].days", f"two reminders on day {rule.days}"))
        seen.add(rule.days)
        problems += _rule_problems(index, rule)
    problems += _fee_problems(ordered)
    if problems:
        detail = "; ".join(p.message for p in problems)
        raise InvalidInput(detail, errors=problems, code="reminder_policy.invalid")
    return tuple(ordered)


def local_time(day: date, hour: int) -> datetime:
    """``hour``:00 on ``day`` in Copenhagen, as UTC."""
    return datetime.combine(day, time(hour), COPENHAGEN).astimezone(UTC)


def in_window(at: datetime) -> bool:
    local = at.astimezone(COPENHAGEN)
    return is_banking_day(local.date()) and WINDOW_OPENS <= local.hour < WINDOW_CLOSES


def next_window(at: datetime) -> datetime:
    """``at`` when it is inside a send window, otherwise the next window's opening."""
    if in_window(at):
        return at
    local = at.astimezone(COPENHAGEN)
    day = local.date() if local.hour < WINDOW_OPENS else local.date() + timedelta(days=1)
    return local_time(next_banking_day(day), WINDOW_OPENS)


def _previous_or_same_banking_day(day: date) -> date:
    while not is_banking_day(day):
        day -= timedelta(days=1)
    return day


def scheduled_day(rule: ReminderRule, due: date, previous: tuple[ReminderRule, date] | None) -> date:
    """The banking day ``rule`` is meant for, given the overdue reminder sent before it (rule, day)."""
    day = due + timedelta(days=rule.days)
    if rule.days <= 0:
        return _previous_or_same_banking_day(day)
    if previous is not None:
        prev_rule, sent_on = previous
        day = max(day, sent_on + timedelta(days=rule.days - prev_rule.days))
    return next_banking_day(day)


@dataclass(frozen=True)
class Plan:
    send: ReminderRule | None  # the reminder to send now
    dropped: tuple[tuple[ReminderRule, str], ...]  # (rule, reason) to record as not sent
    next_at: datetime | None  # when the request needs looking at again; None: no reminders left


def projected(
    policy: ReminderPolicy, due: date, created_at: datetime, done: Mapping[str, date]
) -> list[tuple[ReminderRule, date, datetime]]:
    """Every reminder not yet handled, with its day and send time, in the policy's order.

    An overdue reminder is timed from the one before it: from the day that one was handled, or for one
    still to come, from its own projected day (as if it goes out on time). A reminder whose time had
    passed when the request was created is left out.
    """
    out: list[tuple[ReminderRule, date, datetime]] = []
    previous: tuple[ReminderRule, date] | None = None
    for rule in policy.rules:
        handled = done.get(rule.key)
        day = handled if handled is not None else scheduled_day(rule, due, previous)
        if rule.days > 0:
            previous = (rule, day)
        if handled is not None:
            continue
        at = local_time(day, policy.send_hour)
        if at >= created_at:
            out.append((rule, day, at))
    return out


def _pending(
    policy: ReminderPolicy, due: date, created_at: datetime, done: Mapping[str, date]
) -> list[tuple[ReminderRule, datetime]]:
    """The reminders not yet handled with their send times, up to and including the next overdue one
    (the one after it is timed from when this one actually goes out)."""
    pending: list[tuple[ReminderRule, datetime]] = []
    for rule, _, at in projected(policy, due, created_at, done):
        pending.append((rule, at))
        if rule.days > 0:
            break
    return pending


def plan(
    policy: ReminderPolicy,
    due: date,
    created_at: datetime,
    done: Mapping[str, date],
    now: datetime,
) -> Plan:
    """What to do now for a request due on ``due``; ``done`` maps rule keys already handled to their day.

    A reminder whose time had passed when the request was created is not planned at all.
    """
    pending = _pending(policy, due, created_at, done)
    ready = [(rule, at) for rule, at in pending if at <= now]
    dropped: list[tuple[ReminderRule, str]] = []
    send: ReminderRule | None = None
    if ready and in_window(now):
        past_due = business_date(now) > due
        upcoming = [rule for rule, _ in ready if rule.days <= 0]
        live = [] if past_due else upcoming
        dropped += [(rule, "past_due") for rule in upcoming if past_due]
        dropped += [(rule, "superseded") for rule in live[:-1]]
        overdue = [rule for rule, _ in ready if rule.days > 0]
        send = overdue[0] if overdue else (live[-1] if live else None)
    handled = {r.key for r, _ in dropped} | ({send.key} if send else set())
    later = [at for r, at in pending if r.key not in handled]
    if send is not None or dropped:
        next_at: datetime | None = now  # the next overdue time depends on today's send: plan again
    else:
        next_at = next_window(max(now, min(later))) if later else None
    return Plan(send, tuple(dropped), next_at)
