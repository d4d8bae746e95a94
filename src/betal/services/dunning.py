"""What a payment request owes and what its reminders did: the lines of the amount due, the reminders
handled and planned, and the messages that carried them.

Spec: the notifications issue, items 5 and 8; ``domain.dunning`` (records and charges), ``domain.reminder``
(when each reminder is due). The payer pages show ``amount_due``: the amount, each reminder fee, each
period of interest with its rate and the compensation, as lines of their own, and the total. The portal and
the API show ``reminder_overview``: the request's policy, the reminders handled (sent, or dropped with the
reason) with every message (channel, recipient, status, the channel's last answer), the reminders still
planned, and the charges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from betal.domain.dunning import Charge, ChargeKind, ReminderRecord
from betal.domain.errors import NotFound
from betal.domain.money import Money
from betal.domain.notification import OutboxMessage
from betal.domain.payment_request import PaymentRequest
from betal.domain.reminder import ReminderPolicy, ReminderRule, projected
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork
from betal.services.reminder_policy import policy_for

AMOUNT = "amount"
_ORDER = {ChargeKind.COMPENSATION: 0, ChargeKind.REMINDER_FEE: 1, ChargeKind.INTEREST: 2}


@dataclass(frozen=True)
class DueLine:
    kind: str  # amount, reminder_fee, interest, compensation
    amount_minor: int
    period_start: date | None = None
    period_end: date | None = None  # exclusive
    rate_percent: str | None = None


@dataclass(frozen=True)
class AmountDue:
    currency: str
    lines: list[DueLine]  # the amount first, then the charges in the order they were added
    total_minor: int
    paid_minor: int
    outstanding_minor: int

    @property
    def has_charges(self) -> bool:
        return len(self.lines) > 1

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)


def _lines(request: PaymentRequest, charges: list[Charge]) -> list[DueLine]:
    """The amount, then the charges as they were added; a reminder's fee before its interest."""
    ordered = sorted(
        charges, key=lambda c: (c.created_at, _ORDER[c.kind], c.period_start or c.created_at.date())
    )
    lines = [DueLine(AMOUNT, request.amount_minor)]
    lines += [
        DueLine(c.kind.value, c.amount_minor, c.period_start, c.period_end, c.rate_percent) for c in ordered
    ]
    return lines


def _amount_due(request: PaymentRequest, charges: list[Charge]) -> AmountDue:
    return AmountDue(
        request.currency, _lines(request, charges), request.total_due_minor, request.paid_minor,
        request.outstanding_minor,
    )  # fmt: skip


def amount_due(uow: UnitOfWork, request: PaymentRequest) -> AmountDue:
    """The lines of what ``request`` owes, for a caller that already holds the request (payer pages)."""
    return _amount_due(request, uow.charges.list_for_request(request.organisation_id, request.id))


@dataclass(frozen=True)
class HandledReminder:
    record: ReminderRecord
    messages: list[OutboxMessage]


@dataclass(frozen=True)
class PlannedReminder:
    rule: ReminderRule
    day: date
    at: datetime


@dataclass(frozen=True)
class ReminderOverview:
    policy: ReminderPolicy
    handled: list[HandledReminder]
    planned: list[PlannedReminder]
    other_messages: list[OutboxMessage]  # about the request but no reminder (the request's own notice)
    amount_due: AmountDue


def planned_reminders(
    policy: ReminderPolicy, request: PaymentRequest, done: dict[str, date]
) -> list[PlannedReminder]:
    """The reminders not yet handled with the day each is meant for, as ``domain.reminder.plan`` times
    them; an overdue one counts from the one before it as if that goes out on its day."""
    if not request.is_payable:
        return []
    return [
        PlannedReminder(rule, day, at)
        for rule, day, at in projected(policy, request.due_date, request.created_at, done)
    ]


def reminder_overview(uow: UnitOfWork, principal: Principal, request_id: str) -> ReminderOverview:
    principal.require(Permission.READ)
    org = principal.organisation_id
    request = uow.payment_requests.get(org, request_id)
    if request is None:
        raise NotFound(f"no payment request {request_id}", code="payment_request.not_found")
    policy = policy_for(uow, org, request.reminder_policy_id)
    records = uow.reminders.list_for_request(org, request_id)
    messages = uow.outbox.list_for_related(org, request_id)
    handled = [HandledReminder(r, [m for m in messages if m.reminder_id == r.id]) for r in records]
    known = {r.id for r in records}
    return ReminderOverview(
        policy=policy, handled=handled,
        planned=planned_reminders(policy, request, {r.rule_key: r.business_date for r in records}),
        other_messages=[m for m in messages if m.reminder_id not in known],
        amount_due=_amount_due(request, uow.charges.list_for_request(org, request_id)),
    )  # fmt: skip
