"""Telling customers and approvers: choose the channels, render the template, queue one message each.

Spec: the notifications issue, items 2, 3 and 7; docs/notifications.md "Preferences and fallback".

- A customer's channels are tried in the customer's order of preference (``Customer.channel_order``);
  a channel counts only when it reaches the customer (an e-mail address, a phone number, an active push
  subscription). A new request goes to the first such channel; a reminder to each channel its rule names
  that the customer accepts, or, if none does, to the first channel that reaches the customer.
- Every message carries a dedupe key (``<request>:<reminder>:<channel>[:<subscription>]``, unique in the
  outbox), so the same reminder never goes out twice on a channel, whatever retries happen.
- When a channel fails for good (a bounce, an invalid number, an expired push subscription), ``fallback``
  queues the same message on the next channel of the customer's order that has not been used for it.
- Templates are rendered when queued, with a JSON context kept on the message so a fallback can render
  the same message for another channel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from betal.domain.customer import Customer
from betal.domain.dunning import Charge
from betal.domain.ids import new_id
from betal.domain.notification import Channel, DeliveryStatus, OutboxMessage, Template
from betal.domain.payment_request import PaymentRequest
from betal.domain.tenancy import Organisation
from betal.ports import MessageRenderer, Signer, UnitOfWork
from betal.services.notification import queue_message
from betal.services.payment_request import pay_url

_DATE_KEYS = ("due_date", "earliest_execution_date")


@dataclass(frozen=True)
class Links:
    """How messages link back to betal: signed pay links under ``base_url``."""

    signer: Signer
    base_url: str

    def pay(self, request_id: str) -> str:
        return pay_url(self.signer, self.base_url, request_id)

    def page(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}"


def request_context(
    organisation: Organisation,
    customer: Customer,
    request: PaymentRequest,
    charges: Sequence[Charge],
    links: Links,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON context of a customer template: the request, its lines of the amount due, the pay link."""
    lines = [{"label_key": "amount", "amount": request.amount_minor}]
    lines += [{"label_key": c.kind.value, "amount": c.amount_minor} for c in charges]
    return {
        "sender_name": organisation.display_sender,
        "customer_name": customer.name,
        "description": request.description,
        "reference": request.reference,
        "amount": request.amount_minor,
        "currency": request.currency,
        "due_date": request.due_date.isoformat(),
        "pay_url": links.pay(request.id),
        "lines": lines,
        "total_due": request.outstanding_minor,
        "org_contact": None,
    } | extra


def _for_render(context: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(context)
    for key in _DATE_KEYS:
        if isinstance(out.get(key), str):
            out[key] = date.fromisoformat(out[key])
    return out


def _key(base: str, channel: Channel, recipient: str) -> str:
    return f"{base}:{channel.value}" + (f":{recipient}" if channel is Channel.PUSH else "")


def _recipients(uow: UnitOfWork, customer: Customer, channel: Channel) -> list[str]:
    if channel is Channel.PUSH:
        subs = uow.push_subscriptions.list_active_for_customer(customer.organisation_id, customer.id)
        return [s.id for s in subs]
    address = customer.address(channel)
    return [] if address is None else [address]


def _queue(
    uow: UnitOfWork,
    renderer: MessageRenderer,
    template: Template,
    context: dict[str, Any],
    channel: Channel,
    recipient: str,
    *,
    organisation_id: str | None,
    language: str,
    customer_id: str | None,
    related_id: str | None,
    reminder_id: str | None,
    dedupe_key: str,
) -> OutboxMessage | None:
    if uow.outbox.exists(dedupe_key):
        return None
    rendered = renderer.render(template, channel, language, _for_render(context))
    message = OutboxMessage(
        id=new_id("out"),
        organisation_id=organisation_id,
        channel=channel,
        recipient=recipient,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        status=DeliveryStatus.QUEUED,
        created_at=uow.clock.now(),
        related_id=related_id,
        template=template,
        language=language,
        customer_id=customer_id,
        reminder_id=reminder_id,
        dedupe_key=dedupe_key,
        context=context,
    )
    queue_message(uow, message)
    return message


def notify_customer(
    uow: UnitOfWork,
    renderer: MessageRenderer,
    customer: Customer,
    template: Template,
    context: dict[str, Any],
    *,
    related_id: str,
    dedupe_base: str,
    channels: Sequence[Channel] | None = None,
    reminder_id: str | None = None,
) -> list[OutboxMessage]:
    """Queue ``template`` to ``customer`` in the caller's transaction (see the module docstring).

    ``channels`` None: the first channel that reaches the customer; else each of them the customer accepts.
    Returns the messages queued (none when every one of them was queued before, or nothing reaches them).
    """
    order = customer.channel_order()
    reachable = [(c, r) for c in order if (r := _recipients(uow, customer, c))]
    if channels is None:
        chosen = reachable[:1]
    else:
        chosen = [(c, r) for c, r in reachable if c in channels] or reachable[:1]
    queued: list[OutboxMessage] = []
    for channel, recipients in chosen:
        for recipient in recipients:
            message = _queue(
                uow,
                renderer,
                template,
                context,
                channel,
                recipient,
                organisation_id=customer.organisation_id,
                language=customer.language,
                customer_id=customer.id,
                related_id=related_id,
                reminder_id=reminder_id,
                dedupe_key=_key(dedupe_base, channel, recipient),
            )
            if message is not None:
                queued.append(message)
    return queued


def fallback(uow: UnitOfWork, renderer: MessageRenderer, failed: OutboxMessage) -> OutboxMessage | None:
    """After ``failed`` failed for good, queue the same message on the customer's next channel, if any."""
    if failed.customer_id is None or failed.template is None or failed.context is None:
        return None
    if failed.organisation_id is None or failed.dedupe_key is None:
        return None
    customer = uow.customers.get(failed.organisation_id, failed.customer_id)
    if customer is None:
        return None
    base = failed.dedupe_key.split(f":{failed.channel.value}", 1)[0]
    order = customer.channel_order()
    later = order[order.index(failed.channel) + 1 :] if failed.channel in order else order
    for channel in later:
        for recipient in _recipients(uow, customer, channel):
            message = _queue(
                uow,
                renderer,
                failed.template,
                failed.context,
                channel,
                recipient,
                organisation_id=failed.organisation_id,
                language=failed.language,
                customer_id=customer.id,
                related_id=failed.related_id,
                reminder_id=failed.reminder_id,
                dedupe_key=_key(base, channel, recipient),
            )
            if message is not None:
                return message
    return None


def notify_request_created(
    uow: UnitOfWork, renderer: MessageRenderer, links: Links, organisation_id: str, request_id: str
) -> int:
    """Tell the customer about a new request (the ``notifications.request_created`` job); messages queued."""
    request = uow.payment_requests.get(organisation_id, request_id)
    organisation = uow.organisations.get(organisation_id)
    if request is None or organisation is None or not request.is_payable:
        return 0
    customer = uow.customers.get(organisation_id, request.customer_id)
    if customer is None:
        return 0
    charges = uow.charges.list_for_request(organisation_id, request_id)
    context = request_context(organisation, customer, request, charges, links)
    queued = notify_customer(
        uow,
        renderer,
        customer,
        Template.REQUEST_CREATED,
        context,
        related_id=request.id,
        dedupe_base=f"{request.id}:created",
    )
    uow.commit()
    return len(queued)


@dataclass(frozen=True)
class ApprovalNotice:
    """An approval request (or its reminder) for one approver (payables)."""

    organisation_id: str
    approval_id: str
    approver_user_id: str
    order_count: int
    total_minor: int
    currency: str
    earliest_execution_date: date
    reminder_number: int = 0  # 0: the request itself; 1, 2, ...: reminders
    approve_path: str | None = None  # a signed single-use link (services.approval_notice); None: the
    reject_path: str | None = None  # approval request's page, which asks the approver to log in


def notify_approver(
    uow: UnitOfWork, renderer: MessageRenderer, links: Links, notice: ApprovalNotice
) -> OutboxMessage | None:
    """Queue an approval request or reminder to one approver by e-mail, in the caller's transaction.

    Once per approval, approver and reminder number (the dedupe key), in the approver's portal language.
    """
    user = uow.users.get(notice.approver_user_id)
    organisation = uow.organisations.get(notice.organisation_id)
    if user is None or organisation is None or uow.memberships.get(user.id, organisation.id) is None:
        return None
    template = Template.APPROVAL_REMINDER if notice.reminder_number else Template.APPROVAL_REQUESTED
    context = {
        "sender_name": organisation.display_sender,
        "approver_name": user.name,
        "organisation_name": organisation.name,
        "order_count": notice.order_count,
        "total": notice.total_minor,
        "currency": notice.currency,
        "earliest_execution_date": notice.earliest_execution_date.isoformat(),
        "approve_url": links.page(notice.approve_path or f"/approve/{notice.approval_id}?decision=approve"),
        "reject_url": links.page(notice.reject_path or f"/approve/{notice.approval_id}?decision=reject"),
    }
    key = f"{notice.approval_id}:{user.id}:r{notice.reminder_number}:{Channel.EMAIL.value}"
    return _queue(
        uow,
        renderer,
        template,
        context,
        Channel.EMAIL,
        user.email,
        organisation_id=organisation.id,
        language=user.locale if user.locale in ("da", "en") else "da",
        customer_id=None,
        related_id=notice.approval_id,
        reminder_id=None,
        dedupe_key=key,
    )
