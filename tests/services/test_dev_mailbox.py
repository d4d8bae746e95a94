"""The dev mailbox service: an organisation's own messages and its customers' login codes, newest
first, never another organisation's payers' codes; availability by mode and SMTP URL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from betal import bootstrap
from betal.domain.ids import new_id
from betal.domain.notification import Channel, DeliveryStatus, OutboxMessage
from betal.services import dev_mailbox, inbox
from betal.services.organisation import CreatedOrganisation
from tests.services.test_inbox import make_customer

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _org_message(org: CreatedOrganisation, subject: str, at: datetime) -> OutboxMessage:
    return OutboxMessage(
        id=new_id("out", now_ms=int(at.timestamp() * 1000)), organisation_id=org.organisation.id,
        channel=Channel.EMAIL,
        recipient="kunde@hansen.example", subject=subject, body_text=f"{subject} body", body_html=None,
        status=DeliveryStatus.QUEUED, created_at=at,
    )  # fmt: skip


def _add(container: bootstrap.Container, *messages: OutboxMessage) -> None:
    with container.uow() as uow:
        for message in messages:
            uow.outbox.add(message)
        uow.commit()


def _subjects(container: bootstrap.Container, org: CreatedOrganisation, limit: int = 100) -> list[str]:
    with container.uow() as uow:
        return [
            f"{m.recipient}: {m.subject}"
            for m in dev_mailbox.recent_messages(uow, org.organisation.id, limit)
        ]


class TestIsAvailable:
    def test_sandbox_or_no_smtp_shows_it_live_with_smtp_does_not(self) -> None:
        assert dev_mailbox.is_available(is_sandbox=True, smtp_url="smtp://mail.example")
        assert dev_mailbox.is_available(is_sandbox=False, smtp_url=None)
        assert not dev_mailbox.is_available(is_sandbox=False, smtp_url="smtp://mail.example")


class TestRecentMessages:
    def test_a_customers_login_code_shows_for_its_organisation_only(
        self, container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        make_customer(container, org, "Anna Jensen", email="anna@kunde.example", phone="20304050")
        make_customer(container, other_org, "Bo Berg", email="bo@kunde.example")
        for destination in ("anna@kunde.example", "20 30 40 50", "bo@kunde.example", "nobody@x.example"):
            with container.uow() as uow:
                inbox.request_code(uow, container.cipher, container.renderer(), destination)
        code = "Din kode til betal"
        assert _subjects(container, org) == [f"+4520304050: {code}", f"anna@kunde.example: {code}"]
        assert _subjects(container, other_org) == [f"bo@kunde.example: {code}"]
        with container.uow() as uow:
            [sms, email] = dev_mailbox.recent_messages(uow, org.organisation.id)
        assert sms.channel is Channel.SMS
        assert "Din engangskode til indbakken i betal er" in email.body_text

    def test_own_messages_newest_first_and_limited(
        self, container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        first = _org_message(org, "Faktura 1", NOW)
        _add(
            container,
            first,
            _org_message(org, "Faktura 2", NOW + timedelta(minutes=1)),
            replace(_org_message(other_org, "Andet firma", NOW + timedelta(minutes=2)), recipient="x@y.dk"),
            _org_message(org, "Faktura 3", NOW + timedelta(minutes=3)),
        )
        assert _subjects(container, org) == [
            "kunde@hansen.example: Faktura 3",
            "kunde@hansen.example: Faktura 2",
            "kunde@hansen.example: Faktura 1",
        ]
        assert _subjects(container, org, limit=2) == [
            "kunde@hansen.example: Faktura 3",
            "kunde@hansen.example: Faktura 2",
        ]
        assert _subjects(container, other_org) == ["x@y.dk: Andet firma"]

    def test_an_empty_outbox(self, container: bootstrap.Container, org: CreatedOrganisation) -> None:
        assert _subjects(container, org) == []
