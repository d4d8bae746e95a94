"""Telling an organisation's owners that betal disabled one of its webhook endpoints.

Spec: the webhooks issue, item 4 (an endpoint failing for 3 days is disabled and its organisation's
owners are notified); docs/notifications.md (every e-mail goes through the outbox, in the transaction of
the change that causes it). Template ``webhook.disabled``, by e-mail, in each owner's portal language,
once per owner and disabling (the dedupe key carries the time it was disabled).

Context: ``sender_name`` ("betal"), ``organisation_name``, ``url`` (the endpoint's URL), ``reason``
(``gone``: the receiver answered 410; ``failing``: every attempt failed for 3 days) and ``endpoint_url``
(the endpoint's page in the portal, ``/app/webhooks/<id>``).
"""

from __future__ import annotations

from datetime import datetime

from betal.domain.ids import new_id
from betal.domain.notification import LANGUAGES, Channel, DeliveryStatus, OutboxMessage, Template
from betal.domain.tenancy import Role
from betal.domain.webhook import DisableReason, WebhookEndpoint
from betal.ports import MessageRenderer, UnitOfWork
from betal.services.notification import queue_message


def portal_link(base_url: str, endpoint_id: str) -> str:
    return f"{base_url.rstrip('/')}/app/webhooks/{endpoint_id}"


def notify_owners(
    uow: UnitOfWork,
    renderer: MessageRenderer,
    base_url: str,
    endpoint: WebhookEndpoint,
    reason: DisableReason,
    disabled_at: datetime,
) -> list[OutboxMessage]:
    """Queue one e-mail per owner of the endpoint's organisation, in the caller's transaction; once per
    owner and disabling (``disabled_at`` names it)."""
    organisation = uow.organisations.get(endpoint.organisation_id)
    if organisation is None:
        return []
    now = uow.clock.now()
    context = {
        "sender_name": "betal",
        "organisation_name": organisation.name,
        "url": endpoint.url,
        "reason": reason.value,
        "endpoint_url": portal_link(base_url, endpoint.id),
    }
    queued = []
    for membership in uow.memberships.list_for_organisation(organisation.id):
        user = uow.users.get(membership.user_id)
        if membership.role is not Role.OWNER or user is None:
            continue
        key = f"{endpoint.id}:disabled:{disabled_at:%Y%m%dT%H%M%S%f}:{user.id}:{Channel.EMAIL.value}"
        if uow.outbox.exists(key):
            continue
        language = user.locale if user.locale in LANGUAGES else "da"
        rendered = renderer.render(Template.WEBHOOK_DISABLED, Channel.EMAIL, language, context)
        message = OutboxMessage(
            id=new_id("out"), organisation_id=organisation.id, channel=Channel.EMAIL, recipient=user.email,
            subject=rendered.subject, body_text=rendered.text, body_html=rendered.html,
            status=DeliveryStatus.QUEUED, created_at=now, related_id=endpoint.id,
            template=Template.WEBHOOK_DISABLED, language=language, dedupe_key=key, context=context,
        )  # fmt: skip
        queue_message(uow, message)
        queued.append(message)
    return queued
