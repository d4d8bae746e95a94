"""Owners hear when betal disables a webhook endpoint: one e-mail each, in their language, queued with
the change, never twice for the same disabling."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from betal.bootstrap import Container
from betal.domain.notification import Channel, DeliveryStatus, Template
from betal.domain.tenancy import Role
from betal.domain.webhook import DisableReason
from betal.services.organisation import CreatedOrganisation
from betal.services.webhook_notice import notify_owners, portal_link
from tests.services.webhook_support import add_endpoint, add_user

BASE = "https://betal.example.dk/"


class TestNotifyOwners:
    def test_each_owner_gets_one_e_mail_in_their_language(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        add_user(container, org, "ejer@hansen.dk", Role.OWNER)
        add_user(container, org, "owner@hansen.dk", Role.OWNER, locale="en")
        add_user(container, org, "admin@hansen.dk", Role.ADMIN)
        endpoint = add_endpoint(container, org).endpoint
        with container.uow() as uow:
            at = container.clock.now()
            queued = notify_owners(uow, container.renderer(), BASE, endpoint, DisableReason.FAILING, at)
            again = notify_owners(uow, container.renderer(), BASE, endpoint, DisableReason.FAILING, at)
            later = at + timedelta(days=4)
            disabled_again = notify_owners(
                uow, container.renderer(), BASE, endpoint, DisableReason.GONE, later
            )
            uow.commit()
        assert again == []
        assert len(disabled_again) == 2
        by_recipient = {m.recipient: m for m in queued}
        assert sorted(by_recipient) == ["ejer@hansen.dk", "owner@hansen.dk"]
        danish, english = by_recipient["ejer@hansen.dk"], by_recipient["owner@hansen.dk"]
        assert (danish.language, english.language) == ("da", "en")
        for message in queued:
            assert (message.channel, message.status, message.template) == (
                Channel.EMAIL,
                DeliveryStatus.QUEUED,
                Template.WEBHOOK_DISABLED,
            )
            assert message.related_id == endpoint.id
            assert endpoint.url in message.body_text
            assert f"https://betal.example.dk/app/webhooks/{endpoint.id}" in message.body_text
            assert message.body_html is not None
        assert "3 dage" in danish.body_text
        assert "3 days" in english.body_text
        assert "Hansen & Co ApS" in danish.subject
        with container.uow() as uow:
            assert uow.outbox.exists(str(danish.dedupe_key))

    def test_410_is_named_as_the_reason(self, container: Container, org: CreatedOrganisation) -> None:
        add_user(container, org, "ejer@hansen.dk", Role.OWNER)
        endpoint = add_endpoint(container, org).endpoint
        with container.uow() as uow:
            at = container.clock.now()
            [message] = notify_owners(uow, container.renderer(), BASE, endpoint, DisableReason.GONE, at)
        assert "410 Gone" in message.body_text

    def test_an_organisation_without_users_or_gone_gets_nothing(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        endpoint = add_endpoint(container, org).endpoint
        with container.uow() as uow:
            at = container.clock.now()
            assert notify_owners(uow, container.renderer(), BASE, endpoint, DisableReason.GONE, at) == []
            missing = replace(endpoint, organisation_id="org_01JQ3Z8K6V4N2B7C9D0E1F2G3H")
            assert notify_owners(uow, container.renderer(), BASE, missing, DisableReason.GONE, at) == []

    def test_the_portal_link(self) -> None:
        assert portal_link(BASE, "whe_1") == "https://betal.example.dk/app/webhooks/whe_1"
