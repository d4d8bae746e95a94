"""The payer inbox: codes (hashed, expiring, rate limited, never revealing who is a customer), sessions,
one inbox per person across organisations (same e-mail in one, same CPR only in another), statuses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.config import Settings
from betal.domain.customer import Customer
from betal.domain.errors import InvalidInput, NotFound, RateLimited
from betal.domain.inbox import PayerSession
from betal.domain.notification import Channel
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest, RequestStatus
from betal.domain.provider import ProviderPayment
from betal.domain.tenancy import Principal, Role
from betal.services import inbox
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation, create_organisation
from betal.services.payment import begin_payment, record_provider_payment
from betal.services.payment_request import (
    NewPaymentRequest,
    cancel_payment_request,
    create_payment_request,
    mark_overdue_requests,
    pay_url,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
EMAIL = "soeren@aeroe.example"
CPR = "0101200000"
_CODE = re.compile(r"\b(\d{6})\b")


# Helpers shared with the other payer-side tests (test_receipt, test_attachment, web and API tests).


def make_org(c: bootstrap.Container, name: str, cvr: str) -> CreatedOrganisation:
    with c.uow() as uow:
        return create_organisation(uow, name=name, cvr=cvr)


def principal(org: CreatedOrganisation) -> Principal:
    return Principal(org.organisation.id, Role.OWNER, "api_key", "key_test")


def make_customer(c: bootstrap.Container, org: CreatedOrganisation, name: str, **channels: str) -> Customer:
    with c.uow() as uow:
        return create_customer(uow, c.cipher, principal(org), NewCustomer(name, **channels))


def make_request(
    c: bootstrap.Container,
    org: CreatedOrganisation,
    customer: Customer,
    *,
    amount: int = 123_450,
    methods: tuple[str, ...] = ("card", "fi_card", "account_to_account", "betalingsservice"),
    description: str = "Husleje for april",
    due_in_days: int = 10,
    status: RequestStatus = RequestStatus.OPEN,
) -> PaymentRequest:
    due = c.clock.now().date() + timedelta(days=due_in_days)
    data = NewPaymentRequest(customer.id, amount, "DKK", due, description, methods, status=status)
    with c.uow() as uow:
        return create_payment_request(uow, principal(org), data)


def start_payment(c: bootstrap.Container, request: PaymentRequest, method: Method = Method.CARD) -> str:
    with c.uow() as uow:
        return begin_payment(uow, request, method, provider="card").id


def settle(
    c: bootstrap.Container,
    request: PaymentRequest,
    status: PaymentStatus = PaymentStatus.SUCCEEDED,
    method: Method = Method.CARD,
) -> str:
    """A payment of what is outstanding, answered by the provider with ``status``."""
    payment_id = start_payment(c, request, method)
    result = ProviderPayment(payment_id, f"ref-{payment_id}", status, request.outstanding_minor, "DKK")
    with c.uow() as uow:
        record_provider_payment(uow, payment_id, request.organisation_id, result)
    return payment_id


def pay_token(c: bootstrap.Container, request_id: str) -> str:
    return pay_url(c.signer, "", request_id).removeprefix("/pay/")


def code_from_outbox(c: bootstrap.Container, recipient: str) -> str:
    with c.uow() as uow:
        messages = uow.outbox.list_for_recipient(recipient, 1)
    assert messages, f"no message to {recipient} in the outbox"
    match = _CODE.search(messages[0].body_text)
    assert match is not None
    return match.group(1)


def login(c: bootstrap.Container, destination: str) -> PayerSession:
    with c.uow() as uow:
        sent = inbox.request_code(uow, c.cipher, c.renderer(), destination)
    code = code_from_outbox(c, sent.address)
    with c.uow() as uow:
        return inbox.verify_code(uow, c.cipher, destination, code)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def c(settings: Settings, clock: FrozenClock) -> Iterator[bootstrap.Container]:
    container = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield container
    container.close()


@pytest.fixture
def hansen(c: bootstrap.Container) -> CreatedOrganisation:
    return make_org(c, "Hansen & Co ApS", "25313763")


@pytest.fixture
def nordlys(c: bootstrap.Container) -> CreatedOrganisation:
    return make_org(c, "Nordlys Café I/S", "10150817")


@pytest.fixture
def soeren(c: bootstrap.Container, hansen: CreatedOrganisation) -> Customer:
    return make_customer(c, hansen, "Søren Ærø", email=EMAIL, cpr=CPR)


def _request_code(c: bootstrap.Container, destination: str) -> inbox.Destination:
    with c.uow() as uow:
        return inbox.request_code(uow, c.cipher, c.renderer(), destination)


def _verify(c: bootstrap.Container, destination: str, code: str) -> PayerSession:
    with c.uow() as uow:
        return inbox.verify_code(uow, c.cipher, destination, code)


class TestParseDestination:
    def test_email_is_normalised(self) -> None:
        assert inbox.parse_destination("  Soeren@AEROE.example ") == inbox.Destination(Channel.EMAIL, EMAIL)

    def test_a_danish_number_gets_its_country_code(self) -> None:
        assert inbox.parse_destination("20 12 34 56") == inbox.Destination(Channel.SMS, "+4520123456")

    @pytest.mark.parametrize("junk", ["", "hello", "@", "12"])
    def test_anything_else_is_invalid(self, junk: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            inbox.parse_destination(junk)
        assert caught.value.errors[0].field == "destination"


class TestRequestCode:
    def test_sends_a_six_digit_code_and_stores_only_its_hash(
        self, c: bootstrap.Container, soeren: Customer
    ) -> None:
        sent = _request_code(c, " SOEREN@aeroe.example")
        assert sent == inbox.Destination(Channel.EMAIL, EMAIL)
        code = code_from_outbox(c, EMAIL)
        with c.uow() as uow:
            stored = uow.one_time_codes.latest(EMAIL)
            [message] = uow.outbox.list_for_recipient(EMAIL, 5)
        assert stored is not None
        assert stored.channel == "email"
        assert stored.expires_at == START + inbox.CODE_TTL
        assert stored.attempts == 0
        assert code not in stored.code_hash
        assert len(stored.code_hash) == 64
        assert message.channel is Channel.EMAIL
        assert message.organisation_id is None
        assert message.related_id == stored.id
        assert message.id.startswith("out_")
        assert "10 minutter" in message.body_text

    def test_a_phone_gets_an_sms(self, c: bootstrap.Container, hansen: CreatedOrganisation) -> None:
        make_customer(c, hansen, "Mette", phone="+4520123456")
        assert _request_code(c, "20123456").channel is Channel.SMS
        with c.uow() as uow:
            [message] = uow.outbox.list_for_recipient("+4520123456", 5)
        assert message.channel is Channel.SMS
        assert _CODE.search(message.body_text)

    def test_the_code_is_written_in_the_language_asked_in(
        self, c: bootstrap.Container, soeren: Customer
    ) -> None:
        with c.uow() as uow:
            inbox.request_code(uow, c.cipher, c.renderer(), EMAIL, language="en")
        code = code_from_outbox(c, EMAIL)
        with c.uow() as uow:
            [message] = uow.outbox.list_for_recipient(EMAIL, 5)
        assert message.subject == "Your betal code"
        assert f"Your one-time code for the betal inbox is {code}." in message.body_text
        assert message.body_html is not None
        assert f'<p class="code">{code}</p>' in message.body_html

    def test_an_unknown_destination_gets_the_same_answer_and_nothing_is_sent(
        self, c: bootstrap.Container, soeren: Customer
    ) -> None:
        sent = _request_code(c, "stranger@else.example")
        assert sent == inbox.Destination(Channel.EMAIL, "stranger@else.example")
        with c.uow() as uow:
            assert uow.one_time_codes.latest("stranger@else.example") is None
            assert uow.outbox.list_for_recipient("stranger@else.example", 5) == []

    def test_at_most_five_codes_per_destination_per_hour(
        self, c: bootstrap.Container, clock: FrozenClock, soeren: Customer
    ) -> None:
        for _ in range(inbox.MAX_CODES):
            _request_code(c, EMAIL)
            clock.advance(timedelta(minutes=1))
        with pytest.raises(RateLimited) as caught:
            _request_code(c, EMAIL)
        assert caught.value.code == "inbox.too_many_codes"
        assert 3000 < caught.value.retry_after <= 3601
        clock.advance(timedelta(seconds=caught.value.retry_after))
        _request_code(c, EMAIL)

    def test_unknown_destinations_are_limited_alike(self, c: bootstrap.Container) -> None:
        for _ in range(inbox.MAX_CODES):
            _request_code(c, "+4530303030")
        with pytest.raises(RateLimited):
            _request_code(c, "30 30 30 30")


class TestVerifyCode:
    def test_the_right_code_opens_a_session_once(self, c: bootstrap.Container, soeren: Customer) -> None:
        _request_code(c, EMAIL)
        code = code_from_outbox(c, EMAIL)
        session = _verify(c, "Soeren@aeroe.example", f" {code[:3]} {code[3:]} ")
        assert session.emails == (EMAIL,)
        assert session.phones == ()
        assert session.expires_at == START + inbox.SESSION_TTL
        assert len(session.id) >= 43
        with c.uow() as uow:
            assert inbox.current_session(uow, session.id) == session
        with pytest.raises(InvalidInput) as caught:
            _verify(c, EMAIL, code)
        assert caught.value.code == "inbox.code_invalid"

    def test_an_expired_code_fails(
        self, c: bootstrap.Container, clock: FrozenClock, soeren: Customer
    ) -> None:
        _request_code(c, EMAIL)
        code = code_from_outbox(c, EMAIL)
        clock.advance(inbox.CODE_TTL)
        with pytest.raises(InvalidInput):
            _verify(c, EMAIL, code)

    def test_five_wrong_attempts_kill_the_code(self, c: bootstrap.Container, soeren: Customer) -> None:
        _request_code(c, EMAIL)
        code = code_from_outbox(c, EMAIL)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for _ in range(inbox.MAX_ATTEMPTS):
            with pytest.raises(InvalidInput):
                _verify(c, EMAIL, wrong)
        with c.uow() as uow:
            stored = uow.one_time_codes.latest(EMAIL)
        assert stored is not None
        assert stored.attempts == inbox.MAX_ATTEMPTS
        with pytest.raises(InvalidInput):
            _verify(c, EMAIL, code)

    def test_malformed_codes_count_as_attempts(self, c: bootstrap.Container, soeren: Customer) -> None:
        _request_code(c, EMAIL)
        with pytest.raises(InvalidInput):
            _verify(c, EMAIL, "abc")
        with c.uow() as uow:
            stored = uow.one_time_codes.latest(EMAIL)
        assert stored is not None
        assert stored.attempts == 1

    def test_only_the_newest_code_counts(
        self, c: bootstrap.Container, clock: FrozenClock, soeren: Customer
    ) -> None:
        _request_code(c, EMAIL)
        first = code_from_outbox(c, EMAIL)
        clock.advance(timedelta(seconds=30))
        _request_code(c, EMAIL)
        second = code_from_outbox(c, EMAIL)
        if first != second:
            with pytest.raises(InvalidInput):
                _verify(c, EMAIL, first)
        assert _verify(c, EMAIL, second).emails == (EMAIL,)

    def test_an_unknown_destination_never_verifies(self, c: bootstrap.Container) -> None:
        _request_code(c, "nobody@else.example")
        with pytest.raises(InvalidInput) as caught:
            _verify(c, "nobody@else.example", "123456")
        assert caught.value.code == "inbox.code_invalid"


class TestSessions:
    def test_expired_and_logged_out_sessions_are_gone(
        self, c: bootstrap.Container, clock: FrozenClock, soeren: Customer
    ) -> None:
        session = login(c, EMAIL)
        clock.advance(inbox.SESSION_TTL)
        with c.uow() as uow:
            assert inbox.current_session(uow, session.id) is None
        clock.set(START)
        with c.uow() as uow:
            inbox.logout(uow, session.id)
        with c.uow() as uow:
            assert inbox.current_session(uow, session.id) is None


class TestCrossOrganisationInbox:
    def test_one_inbox_per_person_by_email_and_cpr(
        self,
        c: bootstrap.Container,
        clock: FrozenClock,
        hansen: CreatedOrganisation,
        nordlys: CreatedOrganisation,
        soeren: Customer,
    ) -> None:
        same_cpr = make_customer(c, nordlys, "S. Ærø", phone="+4540404040", cpr="010120-0000")
        stranger = make_customer(c, nordlys, "Else Fremmed", email="else@fremmed.example")
        rent = make_request(c, hansen, soeren, description="Husleje for april")
        clock.advance(timedelta(minutes=5))
        coffee = make_request(c, nordlys, same_cpr, amount=4_500, description="Kaffeabonnement")
        clock.advance(timedelta(minutes=5))
        make_request(c, nordlys, stranger, description="Not Søren's")
        session = login(c, EMAIL)
        with c.uow() as uow:
            assert {x.id for x in inbox.identities(uow, session)} == {soeren.id, same_cpr.id}
            items = inbox.inbox(uow, session)
        assert [i.request.id for i in items if i.request] == [coffee.id, rent.id]  # newest first
        assert [i.organisation_name for i in items] == ["Nordlys Café I/S", "Hansen & Co ApS"]
        assert [i.status for i in items] == [inbox.PayerStatus.UNPAID, inbox.PayerStatus.UNPAID]
        assert items[0].message.subject == "Kaffeabonnement"

    def test_someone_elses_message_is_not_found(
        self, c: bootstrap.Container, nordlys: CreatedOrganisation, soeren: Customer
    ) -> None:
        stranger = make_customer(c, nordlys, "Else Fremmed", email="else@fremmed.example")
        make_request(c, nordlys, stranger)
        with c.uow() as uow:
            [theirs] = uow.messages.list_for_customers([stranger.id], 5)
        session = login(c, EMAIL)
        with c.uow() as uow, pytest.raises(NotFound):
            inbox.message(uow, session, theirs.id)
        with c.uow() as uow, pytest.raises(NotFound):
            inbox.message(uow, session, "msg_nope")

    def test_nobody_known_has_an_empty_inbox(self, c: bootstrap.Container) -> None:
        session = PayerSession("s", ("x@y.example",), (), START, START + timedelta(hours=1))
        with c.uow() as uow:
            assert inbox.inbox(uow, session) == []
            assert inbox.identities(uow, session) == []

    def test_a_customer_without_cpr_is_matched_by_channel_only(
        self, c: bootstrap.Container, hansen: CreatedOrganisation
    ) -> None:
        customer = make_customer(c, hansen, "Mette", phone="+4520123456")
        session = login(c, "+4520123456")
        with c.uow() as uow:
            assert inbox.identities(uow, session) == [customer]


class TestStatuses:
    def test_each_state_as_the_payer_sees_it(
        self, c: bootstrap.Container, clock: FrozenClock, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        paid = make_request(c, hansen, soeren, description="paid")
        settle(c, paid)
        pending = make_request(c, hansen, soeren, description="pending")
        start_payment(c, pending)
        failed = make_request(c, hansen, soeren, description="failed")
        settle(c, failed, PaymentStatus.FAILED)
        cancelled = make_request(c, hansen, soeren, description="cancelled")
        with c.uow() as uow:
            cancel_payment_request(uow, principal(hansen), cancelled.id)
        make_request(c, hansen, soeren, description="draft", status=RequestStatus.DRAFT)
        late = make_request(c, hansen, soeren, description="late", due_in_days=1)
        clock.advance(timedelta(days=3))
        session = login(c, EMAIL)
        with c.uow() as uow:
            statuses = {i.message.subject: i.status for i in inbox.inbox(uow, session)}
        assert statuses == {
            "paid": inbox.PayerStatus.PAID,
            "pending": inbox.PayerStatus.PENDING,
            "failed": inbox.PayerStatus.UNPAID,  # a failed attempt leaves it unpaid
            "cancelled": inbox.PayerStatus.CANCELLED,
            "late": inbox.PayerStatus.OVERDUE,
        }  # the draft is not shown
        with c.uow() as uow:
            request = uow.payment_requests.get_any(late.id)
            assert request is not None
            mark_overdue_requests(uow, hansen.organisation.id, [request])
        with c.uow() as uow:
            statuses = {i.message.subject: i.status for i in inbox.inbox(uow, session)}
        assert statuses["late"] is inbox.PayerStatus.OVERDUE

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            (RequestStatus.OPEN, inbox.PayerStatus.UNPAID),
            (RequestStatus.PARTIALLY_PAID, inbox.PayerStatus.UNPAID),
            (RequestStatus.OVERDUE, inbox.PayerStatus.OVERDUE),
            (RequestStatus.PAID, inbox.PayerStatus.PAID),
            (RequestStatus.REFUNDED, inbox.PayerStatus.REFUNDED),
            (RequestStatus.CANCELLED, inbox.PayerStatus.CANCELLED),
            (RequestStatus.DRAFT, inbox.PayerStatus.UNAVAILABLE),
        ],
    )
    def test_payer_status(
        self,
        c: bootstrap.Container,
        hansen: CreatedOrganisation,
        soeren: Customer,
        status: RequestStatus,
        expected: inbox.PayerStatus,
    ) -> None:
        request = replace(make_request(c, hansen, soeren), status=status)
        assert inbox.payer_status(request, [], START.date()) is expected


class TestMessage:
    def test_detail_marks_read_and_shows_the_request(
        self, c: bootstrap.Container, clock: FrozenClock, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren, methods=("fi_card", "card", "betalingsservice"))
        session = login(c, EMAIL)
        with c.uow() as uow:
            [item] = inbox.inbox(uow, session)
        assert item.message.read_at is None
        clock.advance(timedelta(minutes=1))
        with c.uow() as uow:
            detail = inbox.message(uow, session, item.message.id)
        assert detail.organisation_name == "Hansen & Co ApS"
        assert detail.view is not None
        assert detail.view.request.id == request.id
        assert detail.view.pay_methods == [Method.FI_CARD, Method.CARD]
        assert detail.view.enrollment is True
        assert detail.view.outstanding.format() == "1.234,50 DKK"
        with c.uow() as uow:
            [again] = inbox.inbox(uow, session)
        assert again.message.read_at == START + timedelta(minutes=1)

    def test_a_draft_is_not_found(
        self, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        make_request(c, hansen, soeren, status=RequestStatus.DRAFT)
        with c.uow() as uow:
            [draft] = uow.messages.list_for_customers([soeren.id], 5)
        session = login(c, EMAIL)
        with c.uow() as uow, pytest.raises(NotFound):
            inbox.message(uow, session, draft.id)


class TestViewByToken:
    def test_the_signed_link_shows_the_request(
        self, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren, methods=("betalingsservice",))
        with c.uow() as uow:
            view = inbox.view_by_token(uow, c.signer, pay_token(c, request.id))
        assert view.request.id == request.id
        assert view.organisation.name == "Hansen & Co ApS"
        assert view.betalingsservice_only is True
        assert view.pay_methods == []
        assert view.latest_payment is None

    def test_a_tampered_token_is_invalid(
        self, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        token = pay_token(c, make_request(c, hansen, soeren).id)
        with c.uow() as uow, pytest.raises(InvalidInput):
            inbox.view_by_token(uow, c.signer, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))

    def test_a_draft_is_not_found(
        self, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        draft = make_request(c, hansen, soeren, status=RequestStatus.DRAFT)
        with c.uow() as uow, pytest.raises(NotFound):
            inbox.view_by_token(uow, c.signer, pay_token(c, draft.id))

    def test_a_paid_request_has_nothing_to_pay(
        self, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        payment_id = settle(c, request)
        with c.uow() as uow:
            view = inbox.view_by_token(uow, c.signer, pay_token(c, request.id))
        assert view.status is inbox.PayerStatus.PAID
        assert view.pay_methods == []
        assert view.latest_payment is not None
        assert view.latest_payment.id == payment_id
