"""Payment requests: create (with FI payment line, inbox message and pay link), read, list, cancel."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from betal.domain import payment_request as pr
from betal.domain import posting
from betal.domain.calendar import business_date
from betal.domain.errors import InvalidInput, NotFound
from betal.domain.events import AuditEntry, NewEvent
from betal.domain.ids import new_id
from betal.domain.inbox import Message
from betal.domain.job import NewJob
from betal.domain.ledger import AccountRole
from betal.domain.money import currency as check_currency
from betal.domain.payment import Payment
from betal.domain.payment_method import Agreement, Method, parse_methods, require_agreements
from betal.domain.payment_request import PaymentRequest, RequestStatus
from betal.domain.reminder import plan
from betal.domain.tenancy import Permission, Principal
from betal.formats import fi_line
from betal.ports import Signer, UnitOfWork
from betal.services import ledger
from betal.services.reminder_policy import policy_for

PAY_PURPOSE = "pay"
NOTIFY_KIND = "notifications.request_created"


@dataclass(frozen=True)
class NewPaymentRequest:
    customer_id: str
    amount_minor: int
    currency: str
    due_date: date
    description: str
    allowed_methods: tuple[str, ...]
    reference: str | None = None
    recurring_collection_id: str | None = None
    reminder_policy_id: str | None = None
    status: RequestStatus = RequestStatus.OPEN
    vat_minor: int = 0  # the output VAT the amount includes
    extra: dict[str, Any] = field(default_factory=dict)


def pay_url(signer: Signer, base_url: str, request_id: str) -> str:
    """The payer's link to a request: signed, so it needs no login and cannot be guessed."""
    return f"{base_url.rstrip('/')}/pay/{signer.sign(request_id, purpose=PAY_PURPOSE)}"


def request_from_token(uow: UnitOfWork, signer: Signer, token: str) -> PaymentRequest:
    """The request a pay link points at; a tampered token is ``InvalidInput`` (nothing revealed)."""
    request_id = signer.unsign(token, purpose=PAY_PURPOSE)
    request = uow.payment_requests.get_any(request_id)
    if request is None:
        raise NotFound("no such payment request", code="payment_request.not_found")
    return request


def snapshot(request: PaymentRequest) -> dict[str, Any]:
    """The request as events and webhooks carry it (the same fields the API returns)."""
    return {
        "id": request.id,
        "customer_id": request.customer_id,
        "amount": request.amount_minor,
        "vat_amount": request.vat_minor,
        "currency": request.currency,
        "due_date": request.due_date.isoformat(),
        "description": request.description,
        "reference": request.reference,
        "allowed_methods": [m.value for m in request.allowed_methods],
        "status": request.status.value,
        "paid_amount": request.paid_minor,
        "overpaid_amount": request.overpaid_minor,
        "refunded_amount": request.refunded_minor,
        "fi_payment_line": request.fi_payment_line,
    }


def _fi_line(uow: UnitOfWork, organisation_id: str, agreements: list[Agreement]) -> tuple[str, str]:
    agreement = next(a for a in agreements if a.method is Method.FI_CARD)  # checked by require_agreements
    card_type = str(agreement.config.get("card_type", "71"))
    if card_type not in ("71", "75"):
        raise InvalidInput(
            "the FI agreement's card type must be 71 or 75 to carry a payment id", field="fi_card"
        )
    number = uow.counters.next(organisation_id, f"fi_payment_id.{card_type}")
    payment_id = fi_line.make_payment_id(card_type, number)
    line = fi_line.FiPaymentLine(card_type, payment_id, str(agreement.config["creditor_number"]))
    return fi_line.render(line), payment_id


def check_vat(vat_minor: object, amount_minor: int) -> int:
    """The VAT included in a request's amount: whole minor units, at least 0 and less than the amount."""
    if isinstance(vat_minor, bool) or not isinstance(vat_minor, int):
        raise InvalidInput("must be an integer amount in minor units", field="vat_amount")
    if not 0 <= vat_minor < amount_minor:
        raise InvalidInput("must be at least 0 and less than the amount", field="vat_amount")
    return vat_minor


def create_payment_request(uow: UnitOfWork, principal: Principal, data: NewPaymentRequest) -> PaymentRequest:
    """One transaction: the request, its FI line, the customer's inbox message, event and audit.

    An issued (not draft) request is booked at once: receivables against sales and output VAT.
    """
    principal.require(Permission.BILL)
    org = principal.organisation_id
    now = uow.clock.now()
    description = pr.validate_new_request(
        data.amount_minor, data.due_date, business_date(now), data.description
    )
    check_currency(data.currency)
    vat = check_vat(data.vat_minor, data.amount_minor)
    methods = parse_methods(data.allowed_methods)
    agreements = uow.agreements.list_for_organisation(org)
    require_agreements(methods, agreements)
    if Method.FI_CARD in methods and data.currency != "DKK":
        raise InvalidInput("FI-kort payments are in DKK only", field="currency")
    customer = uow.customers.get(org, data.customer_id)
    if customer is None:
        raise InvalidInput("no such customer in this organisation", field="customer_id")
    reference = None if data.reference is None else data.reference.strip()[:100] or None
    line, payment_id = _fi_line(uow, org, agreements) if Method.FI_CARD in methods else (None, None)
    request = PaymentRequest(
        id=new_id("preq"), organisation_id=org, customer_id=customer.id, amount_minor=data.amount_minor,
        currency=data.currency, due_date=data.due_date, description=description, reference=reference,
        allowed_methods=methods, status=data.status, fi_payment_line=line, fi_payment_id=payment_id,
        paid_minor=0, overpaid_minor=0, refunded_minor=0, created_at=now, updated_at=now,
        recurring_collection_id=data.recurring_collection_id, vat_minor=vat,
    )  # fmt: skip
    if (
        data.reminder_policy_id is not None
        and uow.reminder_policies.get(org, data.reminder_policy_id) is None
    ):
        raise InvalidInput("no such reminder policy in this organisation", field="reminder_policy_id")
    request = replace(request, reminder_policy_id=data.reminder_policy_id)
    request = replace(request, next_reminder_at=first_reminder_at(uow, request))
    uow.payment_requests.add(request)
    if request.status is not RequestStatus.DRAFT:
        uow.post(posting.request_issued(request, business_date(now)))
    uow.enqueue(
        NewJob(
            NOTIFY_KIND,
            {"organisation_id": org, "payment_request_id": request.id},
            organisation_id=org,
            dedupe_key=f"notify:{request.id}",
        )
    )
    uow.messages.add(Message(new_id("msg"), org, customer.id, request.id, description[:200], None, now))
    uow.audit(org, "payment_request.created", "payment_request", request.id, amount=data.amount_minor)
    uow.publish(NewEvent(org, "payment_request.created", snapshot(request)))
    uow.commit()
    return request


def first_reminder_at(uow: UnitOfWork, request: PaymentRequest) -> datetime | None:
    """When the reminder job first needs to look at a new request (its policy's first reminder)."""
    policy = policy_for(uow, request.organisation_id, request.reminder_policy_id)
    return plan(policy, request.due_date, request.created_at, {}, request.created_at).next_at


@dataclass(frozen=True)
class RequestDetail:
    request: PaymentRequest
    payments: list[Payment]


def get_payment_request(uow: UnitOfWork, principal: Principal, request_id: str) -> RequestDetail:
    principal.require(Permission.READ)
    request = uow.payment_requests.get(principal.organisation_id, request_id)
    if request is None:
        raise NotFound(f"no payment request {request_id}", code="payment_request.not_found")
    return RequestDetail(request, uow.payments.list_for_request(principal.organisation_id, request_id))


def list_payment_requests(
    uow: UnitOfWork,
    principal: Principal,
    *,
    status: str | None,
    customer_id: str | None,
    after_id: str | None,
    limit: int,
    due_from: date | None = None,
    due_to: date | None = None,
) -> list[PaymentRequest]:
    principal.require(Permission.READ)
    if status is not None and status not in {s.value for s in RequestStatus}:
        raise InvalidInput(f"unknown status {status!r}", field="status")
    if due_from is not None and due_to is not None and due_from > due_to:
        raise InvalidInput("the range ends before it starts", field="due_to")
    return uow.payment_requests.list_page(
        principal.organisation_id, status=status, customer_id=customer_id, after_id=after_id, limit=limit,
        due_from=due_from, due_to=due_to,
    )  # fmt: skip


def cancel_payment_request(uow: UnitOfWork, principal: Principal, request_id: str) -> PaymentRequest:
    principal.require(Permission.BILL)
    org = principal.organisation_id
    request = uow.payment_requests.get(org, request_id, for_update=True)
    if request is None:
        raise NotFound(f"no payment request {request_id}", code="payment_request.not_found")
    cancelled = pr.cancel(request, uow.clock.now())
    uow.payment_requests.save(cancelled)
    _post_cancellation(uow, request)
    uow.audit(org, "payment_request.cancelled", "payment_request", request_id)
    uow.publish(NewEvent(org, "payment_request.cancelled", snapshot(cancelled)))
    uow.commit()
    return cancelled


def _post_cancellation(uow: UnitOfWork, request: PaymentRequest) -> None:
    """Write back what ``request`` (as it stood) still owed; a draft was never booked."""
    if request.status is RequestStatus.DRAFT or request.outstanding_minor == 0:
        return
    day = business_date(uow.clock.now())
    charges = uow.charges.list_for_request(request.organisation_id, request.id)
    fx = ledger.fx_for(uow, request, AccountRole.RECEIVABLES, day)
    uow.post(posting.request_cancelled(request, day, charges, fx=fx))


def open_payment_request(uow: UnitOfWork, principal: Principal, request_id: str) -> PaymentRequest:
    """Issue a draft: it becomes open, payable, and booked (receivables against sales and VAT)."""
    principal.require(Permission.BILL)
    org = principal.organisation_id
    request = uow.payment_requests.get(org, request_id, for_update=True)
    if request is None:
        raise NotFound(f"no payment request {request_id}", code="payment_request.not_found")
    opened = pr.move(request, RequestStatus.OPEN, uow.clock.now())
    uow.payment_requests.save(opened)
    uow.post(posting.request_issued(opened, business_date(uow.clock.now())))
    uow.audit(org, "payment_request.opened", "payment_request", request_id)
    uow.commit()
    return opened


def mark_overdue_requests(uow: UnitOfWork, organisation_id: str, requests: list[PaymentRequest]) -> int:
    """Move every given payable request whose due date has passed to overdue (a daily job)."""
    now = uow.clock.now()
    today = business_date(now)
    moved = 0
    for request in requests:
        if request.status in (RequestStatus.OPEN, RequestStatus.PARTIALLY_PAID) and request.due_date < today:
            overdue = pr.mark_overdue(request, today, now)
            uow.payment_requests.save(overdue)
            uow.publish(NewEvent(organisation_id, "payment_request.overdue", snapshot(overdue)))
            moved += 1
    uow.commit()
    return moved


@dataclass(frozen=True)
class Timeline:
    """What happened to a request and its payments, oldest first, and who (by name) did it."""

    entries: list[AuditEntry]
    actor_names: dict[str, str]


def request_timeline(uow: UnitOfWork, principal: Principal, request_id: str) -> Timeline:
    """The audit entries of the request and its payments, plus the events no entry tells (paid, overdue)."""
    detail = get_payment_request(uow, principal, request_id)
    org = principal.organisation_id
    ids = sorted({detail.request.id, *(p.id for p in detail.payments)})
    entries = [e for target in ids for e in uow.audit_log.list_for_target(org, target)]
    told = {(e.action, e.target_id) for e in entries}
    for event in uow.events.list_for_subjects(org, ids, 1000):
        subject = str(event.data.get("id"))
        if (event.type, subject) not in told:
            entries.append(AuditEntry(event.id, org, "system", "betal", event.type, "event", subject,
                                      None, None, event.data, event.created_at))  # fmt: skip
    users = {e.actor_id for e in entries if e.actor_type == "user"}
    names = {u: user.name for u in users if uow.memberships.get(u, org) and (user := uow.users.get(u))}
    return Timeline(sorted(entries, key=lambda e: e.created_at), names)
