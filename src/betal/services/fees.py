"""Fees: an organisation's price plan, metering its executed payments, and its quarterly fee statement.

Spec: issue 7, item 8; docs/payables.md "Fees"; the arithmetic is ``domain.fees``.

- ``meter_executed_payment`` runs inside the transaction that marks a payment order executed (it does not
  commit): one usage record per order, priced at the plan in force then (0 DKK without a plan). Metering
  the same order again writes nothing.
- Reading the plan and the statements needs ``READ``; saving the plan needs ``MANAGE_ORGANISATION``, like
  the organisation's other settings. Every problem with a plan is reported at once and nothing is saved.
- A statement covers one calendar quarter (Copenhagen dates): the monthly fee for each month charged,
  the executed payments at the fee each was metered at, the subtotal, 25 % VAT and the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from betal.domain.calendar import business_date
from betal.domain.errors import InvalidInput
from betal.domain.fees import (
    FEE_CURRENCY,
    PricePlan,
    Quarter,
    StatementLine,
    Totals,
    UsageKind,
    UsageRecord,
    plan_problems,
    statement_lines,
    subscription_months,
    totals,
)
from betal.domain.ids import new_id
from betal.domain.money import Money
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork


@dataclass(frozen=True)
class PlanInput:
    name: str
    per_payment_fee_minor: int
    monthly_fee_minor: int = 0
    currency: str = FEE_CURRENCY


def meter_executed_payment(
    uow: UnitOfWork, *, organisation_id: str, payment_order_id: str, day: date
) -> None:
    """Record one executed payment order as used on ``day``, priced at the current plan; a no-op when the
    order was metered before. Part of the caller's transaction: this does not commit."""
    plan = uow.price_plans.get(organisation_id)
    record = UsageRecord(
        id=new_id("use"),
        organisation_id=organisation_id,
        kind=UsageKind.EXECUTED_PAYMENT,
        subject_id=payment_order_id,
        day=day,
        fee_minor=plan.per_payment_fee_minor if plan else 0,
        currency=plan.currency if plan else FEE_CURRENCY,
        created_at=uow.clock.now(),
    )
    uow.usage_records.add(record)


def get_price_plan(uow: UnitOfWork, principal: Principal) -> PricePlan | None:
    """The organisation's plan; None when it has none (payments then cost nothing)."""
    principal.require(Permission.READ)
    return uow.price_plans.get(principal.organisation_id)


def put_price_plan(uow: UnitOfWork, principal: Principal, data: PlanInput) -> PricePlan:
    """Save the organisation's plan, or ``InvalidInput`` naming every problem (nothing saved).

    The new fees apply to payments executed from now on; those metered before keep their price.
    """
    principal.require(Permission.MANAGE_ORGANISATION)
    problems = plan_problems(data.name, data.per_payment_fee_minor, data.monthly_fee_minor, data.currency)
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), errors=problems, code="price_plan.invalid")
    org, now = principal.organisation_id, uow.clock.now()
    previous = uow.price_plans.get(org)
    plan = PricePlan(
        id=new_id("plan") if previous is None else previous.id,
        organisation_id=org,
        name=data.name.strip(),
        per_payment_fee_minor=data.per_payment_fee_minor,
        monthly_fee_minor=data.monthly_fee_minor,
        currency=data.currency,
        created_at=now if previous is None else previous.created_at,
        updated_at=now,
    )
    uow.price_plans.save(plan)
    uow.audit(
        org, "price_plan.updated", "price_plan", plan.id, name=plan.name,
        per_payment_fee=plan.per_payment_fee_minor, monthly_fee=plan.monthly_fee_minor,
        currency=plan.currency,
        previous=None if previous is None else {
            "name": previous.name, "per_payment_fee": previous.per_payment_fee_minor,
            "monthly_fee": previous.monthly_fee_minor,
        },
    )  # fmt: skip
    uow.commit()
    return plan


@dataclass(frozen=True)
class StatementPayment:
    """One executed payment on the statement, with the fee it was metered at."""

    day: date
    payment_order_id: str
    end_to_end_id: str | None
    supplier_name: str | None
    amount: Money | None  # None when the order is no longer found
    fee: Money


@dataclass(frozen=True)
class FeeStatement:
    number: str
    quarter: Quarter
    organisation_name: str
    organisation_cvr: str
    issued_on: date
    plan: PricePlan | None
    months: tuple[date, ...]  # the months charged the monthly fee
    lines: tuple[StatementLine, ...]
    payments: tuple[StatementPayment, ...]
    totals: Totals

    @property
    def start(self) -> date:
        return self.quarter.start

    @property
    def end(self) -> date:
        return self.quarter.end


def statement_number(cvr: str, quarter: Quarter) -> str:
    """One number per organisation and quarter: ``25313763-2026Q4``."""
    return f"{cvr}-{quarter.year}Q{quarter.number}"


def _payments(uow: UnitOfWork, organisation_id: str, records: list[UsageRecord]) -> list[StatementPayment]:
    orders = {o.id: o for o in uow.payment_orders.get_many(organisation_id, [r.subject_id for r in records])}
    names: dict[str, str | None] = {}
    for supplier_id in sorted({o.supplier_id for o in orders.values()}):
        found = uow.suppliers.get(organisation_id, supplier_id)
        names[supplier_id] = found.name if found else None
    payments = []
    for record in records:
        order = orders.get(record.subject_id)
        payments.append(
            StatementPayment(
                day=record.day, payment_order_id=record.subject_id,
                end_to_end_id=order.end_to_end_id if order else None,
                supplier_name=names.get(order.supplier_id) if order else None,
                amount=Money(order.amount_minor, order.currency) if order else None,
                fee=Money(record.fee_minor, record.currency),
            )
        )  # fmt: skip
    return payments


def quarterly_statement(uow: UnitOfWork, principal: Principal, year: int, quarter: int) -> FeeStatement:
    """The organisation's fee statement for one quarter (``InvalidInput`` for a quarter that is not 1-4)."""
    principal.require(Permission.READ)
    period = Quarter.parse(f"{year}-Q{quarter}")
    org = principal.organisation_id
    organisation = uow.organisations.get(org)
    assert organisation is not None  # a principal's organisation exists
    today = business_date(uow.clock.now())
    plan = uow.price_plans.get(org)
    since = business_date(plan.created_at) if plan else None
    months = subscription_months(period, since, today)
    records = uow.usage_records.list_between(org, UsageKind.EXECUTED_PAYMENT, period.start, period.end)
    lines = statement_lines(
        plan.monthly_fee_minor if plan else 0, len(months), [r.fee_minor for r in records]
    )
    return FeeStatement(
        number=statement_number(organisation.cvr, period), quarter=period,
        organisation_name=organisation.name, organisation_cvr=organisation.cvr, issued_on=today,
        plan=plan, months=tuple(months), lines=tuple(lines),
        payments=tuple(_payments(uow, org, records)), totals=totals(lines),
    )  # fmt: skip
