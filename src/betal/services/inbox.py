"""The payer inbox: one-time code login, one inbox per person across organisations, message detail.

Spec: DESIGN.md "Core entities" (a payer logs into the inbox with a one-time code sent to a verified
channel; Message → PaymentRequest → Payment → Receipt) and "State machines" (pending is not paid).
Like a national digital mailbox (Digital Post), a person has one inbox across every organisation on the
installation: the *identities* of a login are the customers, in any organisation, with the e-mail or
phone the payer proved to own, plus the customers of any organisation with the same CPR number as one
of those (matched by its keyed blind index; CPR numbers are never compared in clear).

Login codes (OWASP ASVS 4.0.3 §2.7 "Out of band verifier"): six random digits; only an HMAC-SHA256 of
the code is stored (``Cipher.blind_index``, whose key HKDF derives from ``BETAL_SECRET_KEY``); a code
lives ``CODE_TTL`` and dies after ``MAX_ATTEMPTS`` wrong tries; only the newest code of a destination
counts. At most ``MAX_CODES`` requests per destination per ``CODE_WINDOW`` are served. The requests are
counted in the audit log for known and unknown destinations alike, and the answer never says whether a
destination belongs to a customer. Codes go to the outbox (``uow.outbox``) with a
``notifications.deliver`` job that sends them by e-mail or SMS (or leaves them in the dev mailbox), in the
text of the ``inbox.login_code`` template in the language the payer asked in (Danish by default).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from betal.domain.calendar import business_date
from betal.domain.customer import Customer, validate_email, validate_phone
from betal.domain.errors import InvalidInput, NotFound, RateLimited
from betal.domain.ids import new_id
from betal.domain.inbox import Attachment, Message, OneTimeCode, PayerSession
from betal.domain.money import Money
from betal.domain.notification import DEFAULT_LANGUAGE, Channel, DeliveryStatus, OutboxMessage, Template
from betal.domain.payment import Payment, PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest, RequestStatus
from betal.domain.tenancy import Organisation
from betal.ports import Cipher, MessageRenderer, Signer, UnitOfWork
from betal.services.notification import queue_message
from betal.services.payment import REDIRECT_METHODS
from betal.services.payment_request import request_from_token

CODE_TTL = timedelta(minutes=10)
CODE_WINDOW = timedelta(hours=1)
MAX_CODES = 5
MAX_ATTEMPTS = 5
SESSION_TTL = timedelta(hours=1)
CODE_REQUESTED = "inbox.code_requested"
DESTINATION = "payer_destination"
WRONG_CODE = "the code is wrong or has expired; check it or ask for a new code"


@dataclass(frozen=True)
class Destination:
    """Where a login code goes: a normalised e-mail address or an E.164 phone number."""

    channel: Channel
    address: str

    @property
    def emails(self) -> list[str]:
        return [self.address] if self.channel is Channel.EMAIL else []

    @property
    def phones(self) -> list[str]:
        return [self.address] if self.channel is Channel.SMS else []


def parse_destination(value: str) -> Destination:
    """An e-mail address (anything with ``@``) or a phone number (Danish without a country code)."""
    text = value.strip()
    if "@" in text:
        return Destination(Channel.EMAIL, validate_email(text, field="destination"))
    return Destination(Channel.SMS, validate_phone(text, field="destination"))


def _digest(cipher: Cipher, address: str) -> str:
    return cipher.blind_index(f"payer-destination:{address}")


def _code_hash(cipher: Cipher, code_id: str, code: str) -> str:
    return cipher.blind_index(f"one-time-code:{code_id}:{code}")


def _check_code_rate(uow: UnitOfWork, target: str) -> None:
    now = uow.clock.now()
    recent = uow.audit_log.times_since(CODE_REQUESTED, DESTINATION, target, now - CODE_WINDOW)
    if len(recent) >= MAX_CODES:
        oldest_counted = recent[-MAX_CODES]
        retry_after = max(1, int((oldest_counted + CODE_WINDOW - now).total_seconds()) + 1)
        raise RateLimited(
            "too many codes were asked for this destination; try again later",
            retry_after=retry_after,
            code="inbox.too_many_codes",
        )


def _code_message(
    renderer: MessageRenderer, destination: Destination, code: str, code_id: str, now: datetime, language: str
) -> OutboxMessage:
    context = {"code": code, "minutes": int(CODE_TTL.total_seconds() // 60), "sender_name": "betal"}
    text = renderer.render(Template.LOGIN_CODE, destination.channel, language, context)
    return OutboxMessage(
        id=new_id("out"), organisation_id=None, channel=destination.channel,
        recipient=destination.address, subject=text.subject, body_text=text.text, body_html=text.html,
        status=DeliveryStatus.QUEUED, created_at=now, related_id=code_id,
    )  # fmt: skip


def request_code(
    uow: UnitOfWork,
    cipher: Cipher,
    renderer: MessageRenderer,
    destination: str,
    *,
    language: str = DEFAULT_LANGUAGE,
) -> Destination:
    """Send a login code if a customer anywhere has this e-mail or phone; the same answer either way.

    Raises ``InvalidInput`` for text that is neither an e-mail address nor a phone number, and
    ``RateLimited`` after ``MAX_CODES`` requests for the destination within ``CODE_WINDOW``.
    """
    dest = parse_destination(destination)
    target = _digest(cipher, dest.address)
    _check_code_rate(uow, target)
    now = uow.clock.now()
    code = f"{secrets.randbelow(10**6):06d}"
    code_id = new_id("otc")
    code_hash = _code_hash(cipher, code_id, code)  # computed for unknown destinations too (same work)
    known = bool(uow.customers.find_matching(dest.emails, dest.phones, []))
    uow.audit(None, CODE_REQUESTED, DESTINATION, target, channel=dest.channel.value)
    if known:
        uow.one_time_codes.add(
            OneTimeCode(code_id, dest.channel.value, dest.address, code_hash, 0, now + CODE_TTL, None, now)
        )
        queue_message(uow, _code_message(renderer, dest, code, code_id, now, language))
    uow.commit()
    return dest


def verify_code(
    uow: UnitOfWork, cipher: Cipher, destination: str, code: str, *, ttl: timedelta = SESSION_TTL
) -> PayerSession:
    """A payer session for the destination's newest code; ``InvalidInput`` for any wrong, used or old code.

    A wrong code counts an attempt (committed before the error is raised); after ``MAX_ATTEMPTS`` the
    code is dead even when right. The error is the same in every case, for known and unknown destinations.
    """
    dest = parse_destination(destination)
    given = "".join(code.split())
    now = uow.clock.now()
    latest = uow.one_time_codes.latest(dest.address)
    if latest is None or latest.used_at or latest.expires_at <= now or latest.attempts >= MAX_ATTEMPTS:
        raise InvalidInput(WRONG_CODE, field="code", code="inbox.code_invalid")
    well_formed = len(given) == 6 and given.isdigit()
    if not well_formed or not hmac.compare_digest(latest.code_hash, _code_hash(cipher, latest.id, given)):
        uow.one_time_codes.record_attempt(latest.id)
        uow.commit()
        raise InvalidInput(WRONG_CODE, field="code", code="inbox.code_invalid")
    uow.one_time_codes.mark_used(latest.id, now)
    session = PayerSession(secrets.token_urlsafe(32), tuple(dest.emails), tuple(dest.phones), now, now + ttl)
    uow.payer_sessions.add(session)
    uow.audit(None, "inbox.logged_in", DESTINATION, _digest(cipher, dest.address))
    uow.commit()
    return session


def current_session(uow: UnitOfWork, session_id: str) -> PayerSession | None:
    """The live payer session with this id; None when unknown or expired."""
    session = uow.payer_sessions.get(session_id)
    if session is None or session.expires_at <= uow.clock.now():
        return None
    return session


def logout(uow: UnitOfWork, session_id: str) -> None:
    """End the session server-side; an unknown id is a no-op."""
    uow.payer_sessions.delete(session_id)
    uow.commit()


def identities(uow: UnitOfWork, session: PayerSession) -> list[Customer]:
    """The customers, in every organisation, that are the person behind this session."""
    direct = uow.customers.find_matching(session.emails, session.phones, [])
    if not direct:
        return []
    indexes = uow.customers.cpr_indexes([c.id for c in direct])
    if not indexes:
        return direct
    return uow.customers.find_matching(session.emails, session.phones, indexes)


class PayerStatus(StrEnum):
    """Where a request stands for the payer (DESIGN.md: pending is not paid)."""

    UNPAID = "unpaid"
    OVERDUE = "overdue"
    PENDING = "pending"  # a payment was started and has not settled
    PAID = "paid"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    UNAVAILABLE = "unavailable"  # a draft: not yet sent to the payer


OPEN_PAYMENTS = frozenset({PaymentStatus.INITIATED, PaymentStatus.PENDING})
_CLOSED = {
    RequestStatus.PAID: PayerStatus.PAID,
    RequestStatus.REFUNDED: PayerStatus.REFUNDED,
    RequestStatus.CANCELLED: PayerStatus.CANCELLED,
    RequestStatus.DRAFT: PayerStatus.UNAVAILABLE,
}


def payer_status(request: PaymentRequest, payments: list[Payment], today: date) -> PayerStatus:
    """Paid, refunded, cancelled as the request says; else pending while a payment is open; else overdue
    once the due date has passed (even before the nightly job marks it); else unpaid."""
    if request.status in _CLOSED:
        return _CLOSED[request.status]
    if any(p.status in OPEN_PAYMENTS for p in payments):
        return PayerStatus.PENDING
    if request.status is RequestStatus.OVERDUE or request.due_date < today:
        return PayerStatus.OVERDUE
    return PayerStatus.UNPAID


@dataclass(frozen=True)
class RequestView:
    """What the payer sees about one request: on the pay page and in an inbox message."""

    request: PaymentRequest
    organisation: Organisation
    status: PayerStatus
    payments: list[Payment]
    attachments: list[Attachment]
    enrollment: bool  # the organisation offers Betalingsservice and the payer has no active mandate

    @property
    def pay_methods(self) -> list[Method]:
        """The methods paid now through a provider, when the request can be paid."""
        if not self.request.is_payable or self.request.outstanding_minor == 0:
            return []
        return [m for m in self.request.allowed_methods if m in REDIRECT_METHODS]

    @property
    def outstanding(self) -> Money:
        return Money(self.request.outstanding_minor, self.request.currency)

    @property
    def betalingsservice_only(self) -> bool:
        return self.request.allowed_methods == (Method.BETALINGSSERVICE,)

    @property
    def latest_payment(self) -> Payment | None:
        return self.payments[-1] if self.payments else None


def request_view(uow: UnitOfWork, request: PaymentRequest) -> RequestView:
    org = request.organisation_id
    organisation = uow.organisations.get(org)
    assert organisation is not None  # a request always belongs to an organisation
    payments = uow.payments.list_for_request(org, request.id)
    agreement = uow.agreements.get(org, Method.BETALINGSSERVICE)
    enrollment = agreement is not None and agreement.status.value == "active"
    if enrollment and uow.mandates.active_for(org, request.customer_id, Method.BETALINGSSERVICE):
        enrollment = False
    status = payer_status(request, payments, business_date(uow.clock.now()))
    attachments = uow.attachments.list_for_request(request.id)
    return RequestView(request, organisation, status, payments, attachments, enrollment)


def view_by_token(uow: UnitOfWork, signer: Signer, token: str) -> RequestView:
    """The request behind a signed pay link; a tampered token is ``InvalidInput``, a draft ``NotFound``."""
    request = request_from_token(uow, signer, token)
    if request.status is RequestStatus.DRAFT:
        raise NotFound("no such payment request", code="payment_request.not_found")
    return request_view(uow, request)


@dataclass(frozen=True)
class InboxItem:
    """One line of the inbox: the message, its sender and where its request stands for the payer."""

    message: Message
    organisation_name: str
    request: PaymentRequest | None
    status: PayerStatus | None


def inbox(uow: UnitOfWork, session: PayerSession, *, limit: int = 100) -> list[InboxItem]:
    """The session's messages from every organisation, newest first (drafts are not shown).

    A few queries for the whole page, plus one per payable request (to see a pending payment).
    """
    customer_ids = [c.id for c in identities(uow, session)]
    messages = uow.messages.list_for_customers(customer_ids, limit) if customer_ids else []
    names = {
        o.id: o.name for o in uow.organisations.list_by_ids(sorted({m.organisation_id for m in messages}))
    }
    requests = (
        {r.id: r for r in uow.payment_requests.list_for_customers(customer_ids, limit)} if messages else {}
    )
    today = business_date(uow.clock.now())
    items = []
    for message in messages:
        request = _request_of(uow, message, requests)
        if request is not None and request.status is RequestStatus.DRAFT:
            continue
        status = None
        if request is not None:
            payments = (
                uow.payments.list_for_request(request.organisation_id, request.id)
                if request.is_payable
                else []
            )
            status = payer_status(request, payments, today)
        items.append(InboxItem(message, names.get(message.organisation_id, ""), request, status))
    return items


def _request_of(uow: UnitOfWork, message: Message, known: dict[str, PaymentRequest]) -> PaymentRequest | None:
    if message.payment_request_id is None:
        return None
    found = known.get(message.payment_request_id)
    return found or uow.payment_requests.get(message.organisation_id, message.payment_request_id)


@dataclass(frozen=True)
class MessageDetail:
    message: Message
    organisation_name: str
    view: RequestView | None


def own_message(uow: UnitOfWork, session: PayerSession, message_id: str) -> Message:
    message = uow.messages.get(message_id)
    owners = {c.id for c in identities(uow, session)}
    if message is None or message.customer_id not in owners:
        raise NotFound("no such message", code="message.not_found")
    return message


def message(uow: UnitOfWork, session: PayerSession, message_id: str) -> MessageDetail:
    """One of the session's messages with its request; marks it read. Anyone else's is ``NotFound``."""
    found = own_message(uow, session, message_id)
    request = _request_of(uow, found, {})
    if request is not None and request.status is RequestStatus.DRAFT:
        raise NotFound("no such message", code="message.not_found")
    view = None if request is None else request_view(uow, request)
    organisation = uow.organisations.get(found.organisation_id)
    if found.read_at is None:
        uow.messages.mark_read(found.id, uow.clock.now())
    uow.commit()
    return MessageDetail(found, "" if organisation is None else organisation.name, view)
