"""Customer and approver notifications: channel choice by preference, templates, dedupe, fallback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from betal import bootstrap
from betal.config import Settings
from betal.domain.notification import Channel, DeliveryStatus, Template
from betal.domain.tenancy import Role
from betal.jobs.worker import Worker
from betal.services.notify import (
    ApprovalNotice,
    Links,
    fallback,
    notify_approver,
    notify_customer,
    notify_request_created,
)
from betal.services.organisation import CreatedOrganisation, add_member, create_organisation
from betal.services.user import register_user
from tests.adapters.notify.smtp_server import REJECTED, Recorder, smtp_server
from tests.services.reminder_support import clocked, customer, request, state

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DUE = date(2026, 11, 20)


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, str]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def world(
    settings: Settings, smtp: tuple[Recorder, str]
) -> Iterator[tuple[bootstrap.Container, CreatedOrganisation]]:
    with clocked(settings.model_copy(update={"smtp_url": smtp[1]}), T0) as (container, _):
        with container.uow() as uow:
            org = create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")
        yield container, org


def links(container: bootstrap.Container) -> Links:
    return Links(container.signer, "https://betal.example")


def created(container: bootstrap.Container, org: CreatedOrganisation, request_id: str) -> int:
    with container.uow() as uow:
        return notify_request_created(
            uow, container.renderer(), links(container), org.organisation.id, request_id
        )


def drain(container: bootstrap.Container) -> None:
    while Worker(container, name="test").run_once():
        pass


class TestNewRequest:
    def test_goes_to_the_first_preferred_channel_in_the_customers_language(self, world: tuple) -> None:
        container, org = world
        payer = customer(container, org, phone="+4520123456", channels=["sms", "email"])
        req = request(container, org, payer, DUE)
        assert created(container, org, req.id) == 1
        assert created(container, org, req.id) == 0  # the same notice is queued once
        [message] = [m for m in state(container, org, req.id)[3] if m.template is Template.REQUEST_CREATED]
        assert (message.channel, message.recipient) == (Channel.SMS, "+4520123456")
        assert "https://betal.example/pay/" in message.body_text

    def test_the_email_names_the_organisations_sender_and_carries_html(
        self, world: tuple, smtp: tuple
    ) -> None:
        container, org = world
        recorder: Recorder = smtp[0]
        with container.uow() as uow:
            from betal.adapters.db.orm import OrganisationRow

            uow.session.get(OrganisationRow, org.organisation.id).sender_name = "Hansen Udlejning"  # type: ignore[attr-defined, union-attr]
            uow.commit()
        req = request(container, org, customer(container, org), DUE)
        drain(container)  # the request's notification job, then its delivery
        [mail] = recorder.messages()
        assert "Hansen Udlejning" in str(mail["From"])
        assert mail.get_body(preferencelist=("html",)) is not None
        text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert "1.000,00 kr." in text
        assert "20. november 2026" in text
        assert req.id  # the notification is about this request

    def test_a_cancelled_request_is_not_announced(self, world: tuple) -> None:
        container, org = world
        from betal.services.payment_request import cancel_payment_request
        from tests.services.receivables_support import owner

        req = request(container, org, customer(container, org), DUE)
        with container.uow() as uow:
            cancel_payment_request(uow, owner(org), req.id)
        assert created(container, org, req.id) == 0


class TestFallback:
    def test_a_bounced_email_falls_back_to_sms(self, world: tuple, smtp: tuple) -> None:
        container, org = world
        payer = customer(container, org, email=REJECTED, phone="+4520123456")
        req = request(container, org, payer, DUE)
        drain(container)
        messages = [m for m in state(container, org, req.id)[3] if m.template is Template.REQUEST_CREATED]
        assert [(m.channel, m.status) for m in messages] == [
            (Channel.EMAIL, DeliveryStatus.FAILED),
            (Channel.SMS, DeliveryStatus.QUEUED),  # the sandbox SMS gateway is not running in this test
        ]
        assert "550" in (messages[0].detail or "")

    def test_no_channel_left_means_no_fallback(self, world: tuple) -> None:
        container, org = world
        payer = customer(container, org, email=REJECTED)
        req = request(container, org, payer, DUE)
        drain(container)
        [failed] = [m for m in state(container, org, req.id)[3] if m.template is Template.REQUEST_CREATED]
        with container.uow() as uow:
            assert fallback(uow, container.renderer(), failed) is None


class TestReminderChannels:
    def test_each_rule_channel_the_customer_accepts_and_only_those(self, world: tuple) -> None:
        container, org = world
        payer = customer(container, org, phone="+4520123456", channels=["email"])
        req = request(container, org, payer, DUE)
        with container.uow() as uow:
            queued = notify_customer(
                uow, container.renderer(), payer, Template.REMINDER_ON_DUE, _context(container, org, req.id),
                related_id=req.id, dedupe_base=f"{req.id}:d0", channels=(Channel.EMAIL, Channel.SMS),
            )  # fmt: skip
            uow.commit()
        assert [m.channel for m in queued] == [Channel.EMAIL]  # the customer declined SMS

    def test_a_rule_on_a_channel_that_cannot_reach_the_customer_uses_the_first_that_can(
        self, world: tuple
    ) -> None:
        container, org = world
        payer = customer(container, org)  # e-mail only
        req = request(container, org, payer, DUE)
        with container.uow() as uow:
            queued = notify_customer(
                uow, container.renderer(), payer, Template.REMINDER_ON_DUE, _context(container, org, req.id),
                related_id=req.id, dedupe_base=f"{req.id}:d0", channels=(Channel.SMS,),
            )  # fmt: skip
            uow.commit()
        assert [m.channel for m in queued] == [Channel.EMAIL]


def _context(container: bootstrap.Container, org: CreatedOrganisation, request_id: str) -> dict[str, object]:
    from betal.services.notify import request_context

    with container.uow() as uow:
        req = uow.payment_requests.get(org.organisation.id, request_id)
        payer = uow.customers.get(org.organisation.id, req.customer_id)  # type: ignore[union-attr]
        organisation = uow.organisations.get(org.organisation.id)
        assert req is not None
        assert payer is not None
        assert organisation is not None
        return request_context(organisation, payer, req, [], links(container))


class TestApprovers:
    def test_an_approval_request_and_its_reminder_go_to_the_approver_once_each(self, world: tuple) -> None:
        container, org = world
        with container.uow() as uow:
            user = register_user(
                uow, container.hasher, email="godkender@hansen.dk", name="Gitte Godkender", password="x" * 12
            )
        with container.uow() as uow:
            add_member(uow, organisation_id=org.organisation.id, user_id=user.id, role=Role.APPROVER)
        member = user.id
        approval = "appr_01J0000000000000000000000"
        notice = ApprovalNotice(org.organisation.id, approval, member, 2, 250_000, "DKK", date(2026, 11, 24))
        with container.uow() as uow:
            first = notify_approver(uow, container.renderer(), links(container), notice)
            again = notify_approver(uow, container.renderer(), links(container), notice)
            reminder = notify_approver(
                uow, container.renderer(), links(container),
                ApprovalNotice(**{**notice.__dict__, "reminder_number": 1}),
            )  # fmt: skip
            uow.commit()
        assert first is not None
        assert again is None
        assert reminder is not None
        assert (first.template, reminder.template) == (
            Template.APPROVAL_REQUESTED,
            Template.APPROVAL_REMINDER,
        )
        assert first.recipient == "godkender@hansen.dk"
        assert "https://betal.example/approve/appr_01J0000000000000000000000" in first.body_text

    def test_a_user_outside_the_organisation_gets_nothing(self, world: tuple) -> None:
        container, org = world
        notice = ApprovalNotice(
            org.organisation.id, "appr_x", "usr_nobody", 1, 100, "DKK", date(2026, 11, 24)
        )
        with container.uow() as uow:
            assert notify_approver(uow, container.renderer(), links(container), notice) is None


def test_an_expired_push_subscription_falls_back_to_email(world: tuple, smtp: tuple) -> None:
    """The customer prefers push; the push service answers 410 Gone: the e-mail goes out instead."""
    from betal.domain.ids import new_id
    from betal.domain.push import PushSubscription, SubscriptionStatus
    from tests.adapters.notify.test_push import new_browser, push_service

    container, org = world
    recorder: Recorder = smtp[0]
    payer = customer(container, org, channels=["push", "email"])
    browser = new_browser()
    with push_service() as service:
        service.status = 410
        with container.uow() as uow:
            uow.push_subscriptions.upsert(
                PushSubscription(
                    new_id("psub"),
                    org.organisation.id,
                    payer.id,
                    f"{service.url}/push/1",
                    browser.p256dh,
                    b64url(browser.auth),
                    SubscriptionStatus.ACTIVE,
                    T0,
                )
            )
            uow.commit()
        req = request(container, org, payer, DUE)
        drain(container)
        assert len(service.received) == 1
    messages = [m for m in state(container, org, req.id)[3] if m.template is Template.REQUEST_CREATED]
    assert [(m.channel, m.status) for m in messages] == [
        (Channel.PUSH, DeliveryStatus.FAILED),
        (Channel.EMAIL, DeliveryStatus.SENT),
    ]
    assert [m["To"] for m in recorder.messages()] == ["jens@example.dk"]
    with container.uow() as uow:
        assert uow.push_subscriptions.list_active_for_customer(org.organisation.id, payer.id) == []


def b64url(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
