"""The reminder engine: overdue marking, reminders before and after the due date, and late-payment charges.

Spec: the notifications issue, items 4-6 and 9; ``domain.reminder`` (when) and ``domain.dunning`` (what it
charges); docs/notifications.md "Reminders". The ``reminders.run`` job calls ``run_due`` every few
minutes; each request is handled in its own transaction holding the request's row lock, so:

- a payment or cancellation that commits first is seen (the reminder is not recorded), and one that
  lands after is held back by the lock until the reminder is recorded, and the delivery job then drops
  the queued message because the request is settled;
- each rule of a request's policy is handled once: the reminder record is unique per request and rule,
  and each message's dedupe key is unique per request, rule and channel, so a crash or retry of the
  worker cannot send a reminder twice;
- a worker that was down catches up when it returns: the planned times that passed are handled once,
  in the next send window, a before-due reminder past the due date is recorded as dropped (not sent),
  and overdue reminders keep their spacing from the one before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from betal.domain import payment_request as pr
from betal.domain import posting
from betal.domain.calendar import business_date
from betal.domain.dunning import (
    Charge,
    ChargeKind,
    NewCharge,
    RecordStatus,
    ReminderRecord,
    compensation_charge,
    reminder_charges,
)
from betal.domain.events import NewEvent
from betal.domain.ids import new_id
from betal.domain.notification import Template
from betal.domain.payment_request import PaymentRequest, RequestStatus
from betal.domain.reminder import ReminderKind, ReminderPolicy, ReminderRule, plan
from betal.domain.renteloven import ReferenceRate, interest_rate
from betal.ports import MessageRenderer, UnitOfWork
from betal.services.notify import Links, notify_customer, request_context
from betal.services.payment_request import snapshot
from betal.services.reminder_policy import policy_for

BATCH = 200
TEMPLATES = {
    ReminderKind.BEFORE_DUE: Template.REMINDER_BEFORE_DUE,
    ReminderKind.ON_DUE: Template.REMINDER_ON_DUE,
    ReminderKind.OVERDUE: Template.REMINDER_OVERDUE,
}


@dataclass(frozen=True)
class Engine:
    """What the engine needs from outside: texts, links and the reference-rate table."""

    renderer: MessageRenderer
    links: Links
    rates: Sequence[ReferenceRate] | None = None


@dataclass
class RunReport:
    requests: int = 0
    sent: int = 0
    dropped: int = 0
    overdue: int = 0
    messages: int = 0


def _add_charges(
    uow: UnitOfWork, request: PaymentRequest, lines: Sequence[NewCharge], reminder_id: str | None
) -> tuple[PaymentRequest, list[Charge]]:
    now = uow.clock.now()
    added = [
        Charge(
            id=new_id("chg"), organisation_id=request.organisation_id, payment_request_id=request.id,
            kind=line.kind, amount_minor=line.amount_minor, currency=request.currency, created_at=now,
            reminder_id=reminder_id, period_start=line.period_start, period_end=line.period_end,
            rate_percent=line.rate_percent,
        )
        for line in lines
    ]  # fmt: skip
    day = business_date(now)
    for charge in added:
        uow.charges.add(charge)
        uow.post(
            posting.charge_added(
                request.organisation_id, request.id, charge.id, charge.kind, charge.amount_minor,
                charge.currency, day,
            )
        )  # fmt: skip
        uow.audit(request.organisation_id, "payment_request.charge_added", "payment_request", request.id,
                  kind=charge.kind.value, amount=charge.amount_minor)  # fmt: skip
    total = sum(c.amount_minor for c in added)
    return replace(request, charges_minor=request.charges_minor + total), added


def _mark_overdue(
    uow: UnitOfWork, request: PaymentRequest, policy: ReminderPolicy, charges: list[Charge]
) -> PaymentRequest:
    now = uow.clock.now()
    overdue = pr.mark_overdue(request, business_date(now), now)
    customer = uow.customers.get(request.organisation_id, request.customer_id)
    line = compensation_charge(overdue, policy, customer is not None and customer.is_business, charges)
    if line is not None:
        overdue, added = _add_charges(uow, overdue, [line], None)
        charges += added
    uow.publish(NewEvent(request.organisation_id, "payment_request.overdue", snapshot(overdue)))
    return overdue


def _record(
    uow: UnitOfWork, request: PaymentRequest, rule: ReminderRule, status: RecordStatus, reason: str | None
) -> ReminderRecord:
    now = uow.clock.now()
    record = ReminderRecord(
        id=new_id("rem"), organisation_id=request.organisation_id, payment_request_id=request.id,
        rule_key=rule.key, kind=rule.kind, status=status, reason=reason,
        fee_minor=rule.fee_minor if status is RecordStatus.SENT else 0, business_date=business_date(now),
        created_at=now,
    )  # fmt: skip
    uow.reminders.add(record)
    uow.audit(request.organisation_id, f"reminder.{status.value}", "payment_request", request.id,
              rule=rule.key, kind=rule.kind.value, reason=reason)  # fmt: skip
    return record


def _send(
    uow: UnitOfWork,
    engine: Engine,
    request: PaymentRequest,
    policy: ReminderPolicy,
    rule: ReminderRule,
    charges: list[Charge],
) -> tuple[PaymentRequest, int]:
    record = _record(uow, request, rule, RecordStatus.SENT, None)
    today = business_date(uow.clock.now())
    lines = reminder_charges(request, policy, rule, charges, today, engine.rates)
    request, added = _add_charges(uow, request, lines, record.id)
    charges += added
    organisation = uow.organisations.get(request.organisation_id)
    customer = uow.customers.get(request.organisation_id, request.customer_id)
    if organisation is None or customer is None:
        return request, 0
    number = sum(1 for r in policy.rules if 0 < r.days <= rule.days)
    rate = interest_rate(engine.rates, today)
    context = request_context(
        organisation, customer, request, charges, engine.links,
        days_before=max(0, (request.due_date - today).days), reminder_number=number,
        fee=sum(c.amount_minor for c in added if c.kind is ChargeKind.REMINDER_FEE),
        interest_rate=f"{rate:f}" if policy.charge_interest else None,
    )  # fmt: skip
    messages = notify_customer(
        uow, engine.renderer, customer, TEMPLATES[rule.kind], context, related_id=request.id,
        dedupe_base=f"{request.id}:{rule.key}", channels=rule.channels, reminder_id=record.id,
    )  # fmt: skip
    return request, len(messages)


def process_request(uow: UnitOfWork, engine: Engine, organisation_id: str, request_id: str) -> RunReport:
    """Handle one request now, in one transaction: overdue, dropped and sent reminders, next look."""
    report = RunReport(requests=1)
    request = uow.payment_requests.get(organisation_id, request_id, for_update=True)
    if request is None:
        return report
    if not request.is_payable:
        uow.payment_requests.save(replace(request, next_reminder_at=None))
        uow.commit()
        return report
    now = uow.clock.now()
    policy = policy_for(uow, organisation_id, request.reminder_policy_id)
    charges = uow.charges.list_for_request(organisation_id, request_id)
    if request.status in (
        RequestStatus.OPEN,
        RequestStatus.PARTIALLY_PAID,
    ) and request.due_date < business_date(now):
        request = _mark_overdue(uow, request, policy, charges)
        report.overdue += 1
    done = {r.rule_key: r.business_date for r in uow.reminders.list_for_request(organisation_id, request_id)}
    step = plan(policy, request.due_date, request.created_at, done, now)
    for rule, reason in step.dropped:
        done[rule.key] = _record(uow, request, rule, RecordStatus.DROPPED, reason).business_date
        report.dropped += 1
    if step.send is not None:
        request, queued = _send(uow, engine, request, policy, step.send, charges)
        done[step.send.key] = business_date(now)
        report.sent += 1
        report.messages += queued
    after = plan(policy, request.due_date, request.created_at, done, now)
    next_at: datetime | None = after.next_at
    uow.payment_requests.save(replace(request, next_reminder_at=next_at, updated_at=now))
    uow.commit()
    return report


def run_due(new_uow: Callable[[], UnitOfWork], engine: Engine, *, limit: int = 10_000) -> RunReport:
    """Handle every request whose reminders are due (``reminders.run``), each in its own transaction."""
    total = RunReport()
    seen: set[str] = set()
    while total.requests < limit:
        with new_uow() as uow:
            now = uow.clock.now()
            batch = [
                p for p in uow.reminders.due_requests(now, business_date(now), BATCH) if p[1] not in seen
            ]
        if not batch:
            break
        for organisation_id, request_id in batch:
            seen.add(request_id)
            with new_uow() as uow:
                report = process_request(uow, engine, organisation_id, request_id)
            for name in ("requests", "sent", "dropped", "overdue", "messages"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
    return total
