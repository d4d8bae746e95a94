"""Recurring collections: create a schedule, and issue its payment requests ahead of each due date.

Spec: API.md ``POST /v1/recurring-collections`` ``{customer_id, amount, currency, interval:
monthly|quarterly|yearly, day_of_month, start_date, allowed_methods}``; ``domain/recurring.py`` (due
dates on banking days, issued ``lead_days`` before). For a customer with an active Betalingsservice
mandate the amount is collected through Betalingsservice instead of a request-to-pay: the request then
allows only Betalingsservice, and a collection (a payment with method ``betalingsservice``) is submitted
on its due date. Submitted is not paid (DESIGN.md "pending is not paid"): the payment stays ``pending``
until a payment information delivery confirms the money (``services.enrollment.apply_information``).

``issue_due`` is idempotent per (collection, due date): the request, the collection's payment and the
advanced ``next_due_date`` commit together, guarded by a per-(collection, due date) counter row, so a
crash or a rerun never issues twice. Submitting to Betalingsservice happens after that commit; a
payment left ``initiated`` (the submission failed or was cut short) is submitted again on the next run,
under the same delivery id and idempotency key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from betal.domain import recurring as schedule
from betal.domain.calendar import business_date, next_banking_day
from betal.domain.errors import BetalError, InvalidInput, NotFound
from betal.domain.events import NewEvent
from betal.domain.ids import new_id
from betal.domain.money import currency as check_currency
from betal.domain.payment import Payment, PaymentStatus
from betal.domain.payment_method import AgreementStatus, Method, parse_methods, require_agreements
from betal.domain.payment_request import validate_new_request
from betal.domain.provider import (
    CreatePayment,
    ProviderError,
    ProviderPayment,
    ProviderRateLimited,
    ProviderUnavailable,
)
from betal.domain.recurring import CollectionStatus, Interval, RecurringCollection
from betal.domain.tenancy import Permission, Principal, Role
from betal.ports import Providers, UnitOfWork
from betal.services.payment import payment_snapshot, record_provider_payment
from betal.services.payment_request import NewPaymentRequest, create_payment_request

NewUow = Callable[[], UnitOfWork]
BS = Method.BETALINGSSERVICE
PROVIDER = "betalingsservice"
MAX_LEAD_DAYS = 60
LOOKAHEAD = timedelta(days=MAX_LEAD_DAYS + 14)  # issue dates move back over weekends and holidays
DEFAULT_DESCRIPTION = "Fast betaling"
BATCH = 100


@dataclass(frozen=True)
class NewRecurringCollection:
    customer_id: str
    amount_minor: int
    currency: str
    interval: str
    day_of_month: int
    start_date: date
    allowed_methods: tuple[str, ...]
    description: str | None = None
    lead_days: int = schedule.DEFAULT_LEAD_DAYS


def _interval(value: str) -> Interval:
    try:
        return Interval(value)
    except ValueError:
        raise InvalidInput("must be monthly, quarterly or yearly", field="interval") from None


def create_recurring_collection(
    uow: UnitOfWork, principal: Principal, data: NewRecurringCollection
) -> RecurringCollection:
    """Validate the schedule and store it; its first due date is the first on or after ``start_date``."""
    principal.require(Permission.BILL)
    org, now = principal.organisation_id, uow.clock.now()
    description = validate_new_request(
        data.amount_minor, data.start_date, business_date(now), data.description or DEFAULT_DESCRIPTION
    )
    check_currency(data.currency)
    interval, day = _interval(data.interval), schedule.validate_day_of_month(data.day_of_month)
    if isinstance(data.lead_days, bool) or not 1 <= data.lead_days <= MAX_LEAD_DAYS:
        raise InvalidInput(f"must be 1 to {MAX_LEAD_DAYS} days", field="lead_days")
    methods = parse_methods(data.allowed_methods)
    require_agreements(methods, uow.agreements.list_for_organisation(org))
    if {Method.FI_CARD, BS} & set(methods) and data.currency != "DKK":
        raise InvalidInput("FI-kort and Betalingsservice collect DKK only", field="currency")
    if uow.customers.get(org, data.customer_id) is None:
        raise InvalidInput("no such customer in this organisation", field="customer_id")
    first_due = next(schedule.due_dates(data.start_date, interval, day))
    collection = RecurringCollection(
        id=new_id("rcol"), organisation_id=org, customer_id=data.customer_id, amount_minor=data.amount_minor,
        currency=data.currency, interval=interval, day_of_month=day, start_date=data.start_date,
        allowed_methods=methods, description=description, status=CollectionStatus.ACTIVE,
        next_due_date=first_due, lead_days=data.lead_days, created_at=now,
    )  # fmt: skip
    uow.recurring_collections.add(collection)
    uow.audit(org, "recurring_collection.created", "recurring_collection", collection.id)
    uow.publish(NewEvent(org, "recurring_collection.created", snapshot(collection)))
    uow.commit()
    return collection


def snapshot(collection: RecurringCollection) -> dict[str, object]:
    return {
        "id": collection.id, "customer_id": collection.customer_id, "amount": collection.amount_minor,
        "currency": collection.currency, "interval": collection.interval.value,
        "day_of_month": collection.day_of_month, "start_date": collection.start_date.isoformat(),
        "next_due_date": collection.next_due_date.isoformat(), "status": collection.status.value,
        "allowed_methods": [m.value for m in collection.allowed_methods],
    }  # fmt: skip


def get_recurring_collection(
    uow: UnitOfWork, principal: Principal, collection_id: str
) -> RecurringCollection:
    principal.require(Permission.READ)
    collection = uow.recurring_collections.get(principal.organisation_id, collection_id)
    if collection is None:
        raise NotFound(f"no recurring collection {collection_id}", code="recurring_collection.not_found")
    return collection


@dataclass(frozen=True)
class IssueReport:
    issued: int = 0  # payment requests issued
    submitted: int = 0  # collections submitted to Betalingsservice (new ones and earlier leftovers)
    deferred: int = 0  # collections Betalingsservice could not take now (submitted again next run)
    failed: int = 0  # collections refused (the request stays open)
    blocked: tuple[str, ...] = ()  # schedules that cannot issue as they stand (e.g. an agreement ended)

    def add(self, *, issued: int = 0, outcome: str | None = None) -> IssueReport:
        return replace(
            self, issued=self.issued + issued, submitted=self.submitted + (outcome == "submitted"),
            deferred=self.deferred + (outcome == "deferred"), failed=self.failed + (outcome == "failed"),
        )  # fmt: skip


def issue_due(new_uow: NewUow, providers: Providers, today: date) -> IssueReport:
    """Issue every active collection whose issue date has come by ``today`` (a Copenhagen date)."""
    report = IssueReport()
    for leftover in _unsubmitted(new_uow):
        report = report.add(outcome=_submit(new_uow, providers, leftover))
    done: set[str] = set()  # schedules that issued nothing this run: never looked at twice
    while due := _due(new_uow, today, skip=frozenset(done)):
        for collection in due:
            try:
                issued, payment = _issue_one(new_uow, collection)
            except BetalError:  # e.g. the customer or an agreement is gone: the others go on
                report, issued, payment = replace(report, blocked=(*report.blocked, collection.id)), 0, None
            if not issued:
                done.add(collection.id)
            outcome = None if payment is None else _submit(new_uow, providers, payment)
            report = report.add(issued=issued, outcome=outcome)
    return report


def _due(new_uow: NewUow, today: date, *, skip: frozenset[str]) -> list[RecurringCollection]:
    with new_uow() as uow:
        candidates = uow.recurring_collections.due_before(today + LOOKAHEAD, BATCH + len(skip))
    return [
        c for c in candidates
        if c.id not in skip and schedule.issue_date(c.next_due_date, c.lead_days) <= today
    ]  # fmt: skip


def _issue_one(new_uow: NewUow, seen: RecurringCollection) -> tuple[int, Payment | None]:
    """Issue the occurrence ``seen.next_due_date`` once: (1, its collection or None), or (0, None)."""
    org, due = seen.organisation_id, seen.next_due_date
    with new_uow() as uow:
        uow.defer_commit = True  # the request, the payment and the schedule commit together
        current = uow.recurring_collections.get(org, seen.id)
        if current is None or current.status is not CollectionStatus.ACTIVE or current.next_due_date != due:
            return 0, None  # another run issued it meanwhile
        if uow.counters.next(org, f"{seen.id}:{due:%Y%m%d}") != 1:
            return 0, None  # issued before (the counter row locks concurrent runs until commit)
        mandate = uow.mandates.active_for(org, current.customer_id, BS)
        agreement = uow.agreements.get(org, BS)
        collect = mandate is not None and agreement is not None and agreement.status is AgreementStatus.ACTIVE
        methods = (BS.value,) if collect else tuple(m.value for m in current.allowed_methods)
        request_due = max(due, business_date(uow.clock.now()))
        data = NewPaymentRequest(
            current.customer_id, current.amount_minor, current.currency, request_due, current.description,
            methods, recurring_collection_id=current.id,
        )  # fmt: skip
        request = create_payment_request(uow, Principal(org, Role.BOOKKEEPER, "system", "recurring"), data)
        payment = _new_collection(uow, request.id, org) if collect else None
        following = schedule.next_due_after(current.start_date, current.interval, current.day_of_month, due)
        uow.recurring_collections.save(replace(current, next_due_date=following))
        details = {"due_date": due.isoformat(), "payment_request_id": request.id, "betalingsservice": collect}
        uow.audit(org, "recurring_collection.issued", "recurring_collection", current.id, **details)
        uow.commit_deferred()
    return 1, payment


def _new_collection(uow: UnitOfWork, request_id: str, org: str) -> Payment:
    request = uow.payment_requests.get(org, request_id)
    assert request is not None
    now = uow.clock.now()
    payment = Payment(
        id=new_id("pay"), organisation_id=org, payment_request_id=request.id, customer_id=request.customer_id,
        method=BS, amount_minor=request.outstanding_minor, currency=request.currency,
        status=PaymentStatus.INITIATED, provider=PROVIDER, provider_reference=None, refunded_minor=0,
        failure_reason=None, payer_account=None, created_at=now, updated_at=now,
    )  # fmt: skip
    uow.payments.add(payment)
    uow.audit(org, "payment.initiated", "payment", payment.id, method=BS.value)
    uow.publish(NewEvent(org, "payment.initiated", payment_snapshot(payment)))
    return payment


def collect_request(
    new_uow: NewUow, providers: Providers, *, organisation_id: str, request_id: str
) -> Payment | None:
    """Collect an open request through the customer's active Betalingsservice mandate (enrollment-only
    requests, once the payer has signed up); None when it is not open, or has a payment under way."""
    with new_uow() as uow:
        request = uow.payment_requests.get(organisation_id, request_id, for_update=True)
        if request is None or not request.is_payable or request.outstanding_minor == 0:
            return None
        busy = (PaymentStatus.INITIATED, PaymentStatus.PENDING, PaymentStatus.SUCCEEDED)
        if any(p.status in busy for p in uow.payments.list_for_request(organisation_id, request_id)):
            return None
        if uow.mandates.active_for(organisation_id, request.customer_id, BS) is None:
            return None
        payment = _new_collection(uow, request_id, organisation_id)
        uow.commit()
    _submit(new_uow, providers, payment)
    return payment


def _unsubmitted(new_uow: NewUow) -> list[Payment]:
    with new_uow() as uow:
        candidates = uow.payments.list_open(500)
    return [p for p in candidates if p.method is BS and p.status is PaymentStatus.INITIATED]


def _submit(new_uow: NewUow, providers: Providers, payment: Payment) -> str:
    """Upload the collection of ``payment`` on its request's due date: submitted, deferred or failed."""
    org = payment.organisation_id
    with new_uow() as uow:
        request = uow.payment_requests.get(org, payment.payment_request_id)
        mandate = uow.mandates.active_for(org, payment.customer_id, BS)
        agreement = uow.agreements.get(org, BS)
    assert request is not None
    if mandate is None or agreement is None or mandate.provider_reference is None:
        _record(new_uow, payment, _failed(payment, "the customer has no active Betalingsservice mandate"))
        return "failed"
    due = next_banking_day(request.due_date)
    command = CreatePayment(
        payment_id=payment.id, organisation_id=org, method=BS, amount_minor=payment.amount_minor,
        currency=payment.currency, description=request.description, return_url="",
        creditor={**agreement.config, "due_date": due.isoformat()},
        mandate_reference=mandate.provider_reference,
    )  # fmt: skip
    try:
        result = providers.mandates().collect(command)
    except (ProviderUnavailable, ProviderRateLimited):
        return "deferred"  # stays initiated: the next run submits it again, under the same delivery id
    except ProviderError as exc:  # refused for good: this attempt fails, the request stays open
        _record(new_uow, payment, _failed(payment, exc.detail))
        return "failed"
    _record(new_uow, payment, result)
    return "submitted"


def _failed(payment: Payment, reason: str) -> ProviderPayment:
    return ProviderPayment(
        payment.id,
        payment.id,
        PaymentStatus.FAILED,
        payment.amount_minor,
        payment.currency,
        failure_reason=reason[:500],
    )


def _record(new_uow: NewUow, payment: Payment, result: ProviderPayment) -> None:
    with new_uow() as uow:
        record_provider_payment(uow, payment.id, payment.organisation_id, result)
