"""Schemas for reminder policies (``/v1/reminder-policies``) and the reminders of a payment request.

The rules are checked by ``domain.reminder.validate_rules`` (renteloven § 9 b: fees of at most 100 kr.,
on at most 3 reminders, at least 10 days apart, only after the due date; sent 08:00-20:00), whose messages
cite the rule broken; the schema checks only types. A fee is an integer in øre (API.md "Money").
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StrictBool, StrictInt

from betal.api.schemas.base import RequestModel, ResponseModel
from betal.domain.dunning import ReminderRecord
from betal.domain.notification import Channel
from betal.domain.reminder import ReminderPolicy, ReminderRule
from betal.services.dunning import DueLine

Days = Annotated[
    StrictInt,
    Field(description="days relative to the due date: -3 before, 0 on it, 10 after", ge=-999, le=999),
]


class ReminderRuleWrite(RequestModel):
    days: Days
    channels: list[Channel] = Field(min_length=1, max_length=3, description="email, sms, push")
    fee_amount: Annotated[
        StrictInt, Field(ge=0, le=1_000_000, description="the reminder fee in øre; at most 10000 (100 kr.)")
    ] = 0


class ReminderPolicyWrite(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    is_default: StrictBool = False
    send_hour: Annotated[StrictInt, Field(ge=0, le=23, description="Copenhagen hour, 8 to 19")] = 9
    charge_interest: StrictBool = Field(
        default=True, description="renteloven § 5: interest from the due date"
    )
    compensation: StrictBool = Field(
        default=True, description="renteloven § 9 a(3): 310 kr. from business customers"
    )
    rules: list[ReminderRuleWrite] = Field(max_length=50)

    def domain_rules(self) -> tuple[ReminderRule, ...]:
        return tuple(ReminderRule(r.days, tuple(r.channels), r.fee_amount) for r in self.rules)


class ReminderRuleRead(ResponseModel):
    key: str = Field(description="d-3, d0, d+10")
    kind: str = Field(description="before_due, on_due or overdue")
    days: int
    channels: list[Channel]
    fee_amount: int


class ReminderPolicyRead(ResponseModel):
    id: str = Field(description="rpol_…, or default for the built-in policy")
    name: str
    is_default: bool
    send_hour: int
    charge_interest: bool
    compensation: bool
    rules: list[ReminderRuleRead]
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, policy: ReminderPolicy) -> ReminderPolicyRead:
        rules = [
            ReminderRuleRead(
                key=r.key, kind=r.kind.value, days=r.days, channels=list(r.channels), fee_amount=r.fee_minor
            )
            for r in policy.rules
        ]
        return cls(
            id=policy.id, name=policy.name, is_default=policy.is_default, send_hour=policy.send_hour,
            charge_interest=policy.charge_interest, compensation=policy.compensation, rules=rules,
            created_at=policy.created_at, updated_at=policy.updated_at,
        )  # fmt: skip


class ChargeRead(ResponseModel):
    kind: str = Field(description="amount, reminder_fee, interest or compensation")
    amount: int
    period_start: dt.date | None = Field(default=None, description="interest: from (inclusive)")
    period_end: dt.date | None = Field(default=None, description="interest: to (exclusive)")
    rate_percent: str | None = Field(default=None, description="interest: the yearly rate, e.g. 9.75")

    @classmethod
    def of(cls, line: DueLine) -> ChargeRead:
        return cls(
            kind=line.kind, amount=line.amount_minor, period_start=line.period_start,
            period_end=line.period_end, rate_percent=line.rate_percent,
        )  # fmt: skip


class ReminderRead(ResponseModel):
    rule_key: str
    kind: str
    status: str = Field(description="sent, or dropped (with the reason: past_due, superseded)")
    reason: str | None
    fee: int = Field(description="the fee the reminder charged, in minor units")
    date: dt.date = Field(description="the Copenhagen business date it was handled on")

    @classmethod
    def of(cls, record: ReminderRecord) -> ReminderRead:
        return cls(
            rule_key=record.rule_key, kind=record.kind.value, status=record.status.value,
            reason=record.reason, fee=record.fee_minor, date=record.business_date,
        )  # fmt: skip
