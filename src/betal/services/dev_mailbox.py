"""The dev mailbox: the e-mails and SMS betal "sent" while no SMTP server is configured.

Spec: DESIGN.md "Components and how they start" (SMTP: ``BETAL_SMTP_URL`` unset = e-mails written to the
outbox table and shown in the portal's dev mailbox) and "Sandbox mode" (a newcomer pays by every method
with no account anywhere, so the payer's one-time login code must be readable somewhere).

Tenancy (DESIGN.md "Scale-out": tenant data carries ``organisation_id``): a portal user sees the messages
of the organisation the session looks at, plus the messages that belong to no organisation (the payer
inbox's login codes) only when they went to an e-mail address or phone number of one of that
organisation's customers. Another organisation's payers' codes are never shown.
"""

from __future__ import annotations

from betal.domain.notification import Channel, OutboxMessage
from betal.ports import UnitOfWork

LIMIT = 100
SCAN = 500  # organisation-less messages looked at to find the ones for this organisation's customers


def is_available(*, is_sandbox: bool, smtp_url: str | None) -> bool:
    """Whether the installation shows the dev mailbox: in sandbox mode, or when nothing delivers e-mail."""
    return is_sandbox or smtp_url is None


def _customers_reach(uow: UnitOfWork, organisation_id: str, messages: list[OutboxMessage]) -> set[str]:
    """The addresses among ``messages`` that belong to a customer of ``organisation_id``."""
    emails = sorted({m.recipient for m in messages if m.channel is Channel.EMAIL})
    phones = sorted({m.recipient for m in messages if m.channel is Channel.SMS})
    reach: set[str] = set()
    for customer in uow.customers.find_matching(emails, phones, []):
        if customer.organisation_id == organisation_id:
            reach.update(a for a in (customer.email, customer.phone) if a is not None)
    return reach


def recent_messages(uow: UnitOfWork, organisation_id: str, limit: int = LIMIT) -> list[OutboxMessage]:
    """The newest ``limit`` outbox messages an organisation's portal user may read, newest first."""
    own = uow.outbox.list_recent(limit, organisation_id=organisation_id)
    unaddressed = [m for m in uow.outbox.list_recent(SCAN) if m.organisation_id is None]
    reach = _customers_reach(uow, organisation_id, unaddressed)
    theirs = [m for m in unaddressed if m.recipient in reach]
    merged = sorted([*own, *theirs], key=lambda m: (m.created_at, m.id), reverse=True)
    return merged[:limit]
