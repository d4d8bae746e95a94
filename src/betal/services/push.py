"""Web Push for payers: the key a browser subscribes with, and registering its subscription.

Spec: W3C Push API (``PushManager.subscribe({applicationServerKey})`` and ``PushSubscription.toJSON()``),
RFC 8292 §3.2 (the application server key is the VAPID public key) and ``domain.push`` (what a valid
subscription is). A device serves the person behind the payer session: one subscription row per customer
the session matches, in every organisation (``services.inbox.identities``). A device belongs to one person
at a time, so registering an endpoint removes its rows for customers the session does not match (a
shared browser where someone else logged in before). The same endpoint registered again updates its keys
and makes it active again. Invalid input is ``InvalidInput`` and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping

from betal.domain.errors import InvalidInput, NotFound
from betal.domain.ids import new_id
from betal.domain.inbox import PayerSession
from betal.domain.push import PushSubscription, SubscriptionStatus, validate_subscription
from betal.ports import PushKeys, UnitOfWork
from betal.services.inbox import identities

REGISTERED = "push_subscription.registered"
REMOVED = "push_subscription.removed"


def application_server_key(keys: PushKeys) -> str:
    """The installation's VAPID public key, base64url: the browser's ``applicationServerKey``."""
    return keys.public_key()


def _keys_of(data: Mapping[str, object]) -> Mapping[str, object]:
    keys = data.get("keys")
    if isinstance(keys, Mapping):
        return keys
    return {}


def register_subscription(
    uow: UnitOfWork, session: PayerSession, data: object, *, allow_local_http: bool = False
) -> list[PushSubscription]:
    """Store the browser's subscription (``{endpoint, keys: {p256dh, auth}}``) for every customer the
    payer session matches; ``InvalidInput`` with the bad fields, ``NotFound`` when it matches none."""
    if not isinstance(data, Mapping):
        raise InvalidInput("the body must be a JSON object", field="body", code="push_subscription.invalid")
    keys = _keys_of(data)
    checked = validate_subscription(
        data.get("endpoint"), keys.get("p256dh"), keys.get("auth"), allow_local_http=allow_local_http
    )
    customers = identities(uow, session)
    if not customers:
        raise NotFound("no customer matches this login", code="push_subscription.no_customer")
    owners = {(c.organisation_id, c.id) for c in customers}
    for other in uow.push_subscriptions.list_for_endpoint(checked.endpoint):
        if (other.organisation_id, other.customer_id) not in owners:
            uow.push_subscriptions.delete(other.id)
            uow.audit(other.organisation_id, REMOVED, "push_subscription", other.id, reason="device_reused")
    now = uow.clock.now()
    stored = []
    for customer in customers:
        subscription = PushSubscription(
            new_id("psub"), customer.organisation_id, customer.id, checked.endpoint, checked.p256dh,
            checked.auth, SubscriptionStatus.ACTIVE, now,
        )  # fmt: skip
        saved = uow.push_subscriptions.upsert(subscription)
        uow.audit(customer.organisation_id, REGISTERED, "push_subscription", saved.id)
        stored.append(saved)
    uow.commit()
    return stored


def unregister_subscription(uow: UnitOfWork, session: PayerSession, endpoint: object) -> int:
    """Forget the endpoint for the session's customers (the payer turned notifications off); the count."""
    if not isinstance(endpoint, str) or not endpoint:
        raise InvalidInput("is required", field="endpoint", code="push_subscription.invalid")
    owners = {(c.organisation_id, c.id) for c in identities(uow, session)}
    removed = 0
    for found in uow.push_subscriptions.list_for_endpoint(endpoint):
        if (found.organisation_id, found.customer_id) in owners:
            uow.push_subscriptions.delete(found.id)
            uow.audit(found.organisation_id, REMOVED, "push_subscription", found.id, reason="payer")
            removed += 1
    uow.commit()
    return removed
