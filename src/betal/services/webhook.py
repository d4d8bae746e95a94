"""Webhook endpoints: create, list, read, change, disable, delete, and rotate the signing secret.

Spec: API.md "Events and webhooks" (``POST /v1/webhook-endpoints`` ``{url, events}`` answers the endpoint
with its signing ``secret``, shown once); the webhooks issue, items 2 and 6; ``domain.webhook`` and
``domain.webhook_url``.

- Managing endpoints needs ``MANAGE_WEBHOOKS`` (owners and admins); reading needs ``READ``.
- The secret is stored encrypted with the installation's ``Cipher`` and returned only by
  ``create_endpoint`` and ``rotate_secret``. After a rotation the previous secret keeps signing beside the
  new one for 24 hours (two ``v1,`` entries), so receivers can switch without losing a delivery.
- In live mode the URL is ``https`` and neither names nor resolves to a loopback, private, link-local or
  metadata address (checked again on every delivery); sandbox mode allows ``http`` and this machine.
- Disabling an endpoint, by hand or by betal, cancels its pending deliveries; enabling it again clears
  the reason and the failure streak. Deleting it cancels them too and forgets its secrets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from betal.domain.errors import InvalidInput, NotFound
from betal.domain.ids import has_prefix, new_id
from betal.domain.tenancy import Permission, Principal
from betal.domain.webhook import (
    ROTATION_OVERLAP,
    EndpointStatus,
    StoredSecrets,
    WebhookEndpoint,
    new_secret,
    validate_description,
    validate_events,
)
from betal.domain.webhook_url import check_url, forbidden_address
from betal.ports import Cipher, UnitOfWork, WebhookTransport

MANUAL = "disabled by a user"
EDITABLE_STATUSES = frozenset({EndpointStatus.ACTIVE, EndpointStatus.DISABLED})


@dataclass(frozen=True)
class NewEndpoint:
    url: str
    events: tuple[str, ...] = ()  # empty: every event type
    description: str = ""
    ordered: bool = False


@dataclass(frozen=True)
class EndpointChange:
    """A partial change: None leaves a field as it is."""

    url: str | None = None
    events: tuple[str, ...] | None = None
    description: str | None = None
    status: EndpointStatus | None = None
    ordered: bool | None = None


@dataclass(frozen=True)
class EndpointWithSecret:
    """An endpoint with the only plaintext copy of its new secret (create and rotate)."""

    endpoint: WebhookEndpoint
    secret: str
    previous_secret_expires_at: datetime | None = None


def checked_url(transport: WebhookTransport, url: str, *, live: bool) -> str:
    """The URL when it may receive webhooks; in live mode its host must not resolve to a forbidden address.

    A name that does not resolve yet is accepted: every delivery checks it again.
    """
    clean = url.strip()
    target = check_url(clean, live=live)
    if live:
        refused = [a for a in transport.resolve(target.host, target.port) if forbidden_address(a)]
        if refused:
            raise InvalidInput(
                f"{target.host} resolves to {refused[0]}, a loopback, private or metadata address",
                field="url",
                code="webhook_endpoint.invalid_url",
            )
    return clean


def create_endpoint(
    uow: UnitOfWork,
    cipher: Cipher,
    transport: WebhookTransport,
    principal: Principal,
    data: NewEndpoint,
    *,
    live: bool,
) -> EndpointWithSecret:
    principal.require(Permission.MANAGE_WEBHOOKS)
    url = checked_url(transport, data.url, live=live)
    now = uow.clock.now()
    endpoint = WebhookEndpoint(
        id=new_id("whe"), organisation_id=principal.organisation_id, url=url,
        events=validate_events(data.events), description=validate_description(data.description),
        status=EndpointStatus.ACTIVE, ordered=data.ordered, created_at=now, updated_at=now,
    )  # fmt: skip
    secret = new_secret()
    uow.webhook_endpoints.add(endpoint, StoredSecrets(cipher.encrypt(secret)))
    uow.audit(endpoint.organisation_id, "webhook_endpoint.created", "webhook_endpoint", endpoint.id,
              url=url, events=list(endpoint.events), ordered=endpoint.ordered)  # fmt: skip
    uow.commit()
    return EndpointWithSecret(endpoint, secret)


def list_endpoints(
    uow: UnitOfWork, principal: Principal, *, after_id: str | None, limit: int
) -> list[WebhookEndpoint]:
    principal.require(Permission.READ)
    return uow.webhook_endpoints.list_page(principal.organisation_id, after_id, limit)


def get_endpoint(
    uow: UnitOfWork, principal: Principal, endpoint_id: str, *, for_update: bool = False
) -> WebhookEndpoint:
    principal.require(Permission.READ)
    endpoint = None
    if has_prefix(endpoint_id, "whe"):
        endpoint = uow.webhook_endpoints.get(principal.organisation_id, endpoint_id, for_update=for_update)
    if endpoint is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}", code="webhook_endpoint.not_found")
    return endpoint


def _changed_status(endpoint: WebhookEndpoint, status: EndpointStatus) -> WebhookEndpoint:
    if status not in EDITABLE_STATUSES:
        raise InvalidInput("must be active or disabled", field="status")
    if status is endpoint.status:
        return endpoint
    if status is EndpointStatus.ACTIVE:
        return replace(endpoint, status=status, disabled_reason=None, failing_since=None)
    return replace(endpoint, status=status, disabled_reason=MANUAL)


def update_endpoint(
    uow: UnitOfWork,
    transport: WebhookTransport,
    principal: Principal,
    endpoint_id: str,
    change: EndpointChange,
    *,
    live: bool,
) -> WebhookEndpoint:
    principal.require(Permission.MANAGE_WEBHOOKS)
    endpoint = get_endpoint(uow, principal, endpoint_id, for_update=True)
    updated = endpoint
    if change.url is not None:
        updated = replace(updated, url=checked_url(transport, change.url, live=live))
    if change.events is not None:
        updated = replace(updated, events=validate_events(change.events))
    if change.description is not None:
        updated = replace(updated, description=validate_description(change.description))
    if change.ordered is not None:
        updated = replace(updated, ordered=change.ordered)
    if change.status is not None:
        updated = _changed_status(updated, change.status)
    if updated == endpoint:
        return endpoint
    updated = replace(updated, updated_at=uow.clock.now())
    uow.webhook_endpoints.save(updated)
    cancelled = 0
    if updated.status is EndpointStatus.DISABLED and endpoint.status is EndpointStatus.ACTIVE:
        cancelled = uow.webhook_deliveries.cancel_pending(endpoint.id)
    uow.audit(updated.organisation_id, "webhook_endpoint.updated", "webhook_endpoint", updated.id,
              url=updated.url, events=list(updated.events), status=updated.status.value,
              ordered=updated.ordered, cancelled=cancelled)  # fmt: skip
    uow.commit()
    return updated


def delete_endpoint(uow: UnitOfWork, principal: Principal, endpoint_id: str) -> None:
    """Delete the endpoint: its pending deliveries are cancelled and its secrets forgotten."""
    principal.require(Permission.MANAGE_WEBHOOKS)
    endpoint = get_endpoint(uow, principal, endpoint_id, for_update=True)
    now = uow.clock.now()
    uow.webhook_endpoints.save(replace(endpoint, status=EndpointStatus.DELETED, updated_at=now))
    uow.webhook_endpoints.set_secrets(endpoint.id, StoredSecrets(""))
    cancelled = uow.webhook_deliveries.cancel_pending(endpoint.id)
    uow.audit(endpoint.organisation_id, "webhook_endpoint.deleted", "webhook_endpoint", endpoint.id,
              url=endpoint.url, cancelled=cancelled)  # fmt: skip
    uow.commit()


def rotate_secret(
    uow: UnitOfWork, cipher: Cipher, principal: Principal, endpoint_id: str
) -> EndpointWithSecret:
    """A new secret, shown once; the current one keeps signing beside it for 24 hours.

    Rotating again within those hours replaces the older one: at most two secrets sign.
    """
    principal.require(Permission.MANAGE_WEBHOOKS)
    endpoint = get_endpoint(uow, principal, endpoint_id, for_update=True)
    now = uow.clock.now()
    current = uow.webhook_endpoints.secrets(endpoint.id)
    secret = new_secret()
    expires = now + ROTATION_OVERLAP
    uow.webhook_endpoints.set_secrets(
        endpoint.id, StoredSecrets(cipher.encrypt(secret), current.secret, expires)
    )
    endpoint = replace(endpoint, updated_at=now)
    uow.webhook_endpoints.save(endpoint)
    uow.audit(endpoint.organisation_id, "webhook_endpoint.secret_rotated", "webhook_endpoint", endpoint.id,
              previous_expires_at=expires.isoformat())  # fmt: skip
    uow.commit()
    return EndpointWithSecret(endpoint, secret, expires)


def signing_secrets(cipher: Cipher, stored: StoredSecrets, now: datetime) -> tuple[str, ...]:
    """The secrets that sign now: the current one, and the previous one until its 24 hours are over."""
    secrets = [cipher.decrypt(stored.secret)]
    if stored.previous_secret and stored.previous_expires_at is not None and now < stored.previous_expires_at:
        secrets.append(cipher.decrypt(stored.previous_secret))
    return tuple(secrets)
