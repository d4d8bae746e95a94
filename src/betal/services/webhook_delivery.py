"""Delivering one webhook attempt: sign, check where it goes, POST, record, and plan what comes next.

Spec: Standard Webhooks (standards notes §10): headers ``webhook-id`` (the delivery id, the same on every
attempt), ``webhook-timestamp`` (Unix seconds of the attempt) and ``webhook-signature`` over
``id.timestamp.body`` with the raw bytes sent; success is any 2xx, a 3xx fails, ``410 Gone`` disables the
endpoint, 429/502/504 throttle and ``Retry-After`` is honoured. The webhooks issue, items 4 and 6.

One run of the ``webhooks.deliver`` job makes at most one attempt:

1. It reads the delivery, its endpoint and event in a short unit of work of its own. A delivery that is
   no longer pending is left alone; one whose endpoint is disabled or deleted is cancelled. On an
   ``ordered`` endpoint, a delivery waits while one of an earlier event is pending (not an attempt).
2. Live mode: the URL is checked again and the host resolved; a forbidden address fails the attempt
   without a connection, and the connection goes to the address checked. Sandbox mode allows any host.
3. The POST runs outside any transaction; then the attempt, the delivery's new state, the endpoint's
   failure streak and the next job are written in the job's own unit of work, which commits together with
   the job's completion (an attempt is recorded once, or the job runs again). Like every writer of
   webhook rows, it locks the endpoint before its deliveries.
4. After a failure the next attempt follows ``RETRY_SCHEDULE`` with jitter (``Retry-After`` when
   throttled, if later); after the last one the delivery is ``failed``. An endpoint failing for 3 days, or
   answering 410, is disabled, its pending deliveries cancelled and the organisation's owners e-mailed.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from betal.domain.errors import InvalidInput
from betal.domain.ids import new_id
from betal.domain.webhook import (
    DeliveryAttempt,
    DeliveryStatus,
    DisableReason,
    EndpointStatus,
    Outcome,
    WebhookDelivery,
    WebhookEndpoint,
    after_failure,
    after_success,
    deliver_job,
    disabled,
    event_payload,
    excerpt,
    outcome_of,
    parse_retry_after,
    retry_delay,
)
from betal.domain.webhook_url import check_url, forbidden_address
from betal.ports import (
    Cipher,
    MessageRenderer,
    UnitOfWork,
    WebhookRequest,
    WebhookResponse,
    WebhookSigner,
    WebhookTransport,
)
from betal.services.webhook import signing_secrets
from betal.services.webhook_notice import notify_owners

CANCEL = "cancel"
MIN_WAIT = timedelta(seconds=1)
MAX_WAIT = timedelta(hours=1)  # an ordered delivery looks again at least this often
NewUow = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class Outbound:
    """What a delivery needs from outside: HTTP, signing, the secrets' cipher, mode and mail."""

    transport: WebhookTransport
    signer: WebhookSigner
    cipher: Cipher
    live: bool
    renderer: MessageRenderer
    base_url: str
    random: Callable[[], float] = field(default=_random.random)


@dataclass(frozen=True)
class _Send:
    delivery: WebhookDelivery
    endpoint: WebhookEndpoint
    secrets: tuple[str, ...]
    body: bytes


def _prepare(uow: UnitOfWork, out: Outbound, org: str, delivery_id: str) -> _Send | WebhookDelivery | str:
    """What to send; or the delivery an ordered one waits for; or why nothing is sent."""
    delivery = uow.webhook_deliveries.get(org, delivery_id)
    if delivery is None:
        return "missing"
    if delivery.status is not DeliveryStatus.PENDING:
        return delivery.status.value
    endpoint = uow.webhook_endpoints.get(org, delivery.endpoint_id)
    event = uow.webhook_deliveries.event(org, delivery.event_id)
    if endpoint is None or endpoint.status is not EndpointStatus.ACTIVE or event is None:
        return CANCEL
    if endpoint.ordered:
        earlier = uow.webhook_deliveries.earliest_pending_before(endpoint.id, delivery.event_sequence)
        if earlier is not None:
            return earlier
    secrets = signing_secrets(out.cipher, uow.webhook_endpoints.secrets(endpoint.id), uow.clock.now())
    return _Send(delivery, endpoint, secrets, event_payload(event))


def deliver(new_uow: NewUow, uow: UnitOfWork, out: Outbound, organisation_id: str, delivery_id: str) -> str:
    """Make one attempt of a pending delivery (see the module docstring); ``uow`` is the job's own unit,
    committed by the caller. Returns what happened: delivered, retry, failed, gone, deferred, cancelled,
    or the status of a delivery that was not pending."""
    with new_uow() as reader:
        plan = _prepare(reader, out, organisation_id, delivery_id)
    if plan == CANCEL:
        return _cancel(uow, organisation_id, delivery_id)
    if isinstance(plan, str):
        return plan
    if isinstance(plan, WebhookDelivery):
        return _wait(uow, organisation_id, delivery_id, plan)
    now = uow.clock.now()
    response = _attempt(out, plan, now)
    return _record(uow, out, plan, response, now)


def _cancel(uow: UnitOfWork, org: str, delivery_id: str) -> str:
    delivery = uow.webhook_deliveries.get(org, delivery_id, for_update=True)
    if delivery is not None and delivery.status is DeliveryStatus.PENDING:
        uow.webhook_deliveries.save(replace(delivery, status=DeliveryStatus.CANCELLED, next_attempt_at=None))
        uow.commit()
    return "cancelled"


def _wait(uow: UnitOfWork, org: str, delivery_id: str, earlier: WebhookDelivery) -> str:
    """Look again when the earlier delivery's next attempt is due (within a second to an hour)."""
    now = uow.clock.now()
    due = earlier.next_attempt_at or now
    at = max(now + MIN_WAIT, min(due + MIN_WAIT, now + MAX_WAIT))
    delivery = uow.webhook_deliveries.get(org, delivery_id, for_update=True)
    if delivery is None or delivery.status is not DeliveryStatus.PENDING:
        return "deferred"
    uow.webhook_deliveries.save(replace(delivery, next_attempt_at=at))
    uow.enqueue(deliver_job(org, delivery_id, run_at=at))
    uow.commit()
    return "deferred"


def _refusal(out: Outbound, url: str) -> tuple[str | None, str | None]:
    """(address to connect to, None) in live mode, or (None, why the attempt is refused)."""
    try:
        target = check_url(url, live=out.live)
    except InvalidInput as exc:
        return None, f"refused: the URL {exc.detail}"
    if not out.live:
        return None, None
    addresses = out.transport.resolve(target.host, target.port)
    if not addresses:
        return None, f"refused: {target.host} does not resolve"
    bad = [a for a in addresses if forbidden_address(a)]
    if bad:
        return None, f"refused: {target.host} resolves to {bad[0]}, a loopback, private or metadata address"
    return addresses[0], None


def _attempt(out: Outbound, send: _Send, now: datetime) -> WebhookResponse:
    address, refused = _refusal(out, send.endpoint.url)
    if refused is not None:
        return WebhookResponse(status_code=None, latency_ms=0, error=refused)
    headers = {
        "content-type": "application/json",
        "webhook-id": send.delivery.id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": out.signer.sign(send.secrets, send.delivery.id, now, send.body),
    }
    return out.transport.post(WebhookRequest(send.endpoint.url, headers, send.body, address))


def _error(response: WebhookResponse) -> str | None:
    code = response.status_code
    if code is not None and 300 <= code < 400:
        return f"redirect to {response.location or '(no Location)'} not followed"
    return response.error


def _record(uow: UnitOfWork, out: Outbound, send: _Send, response: WebhookResponse, now: datetime) -> str:
    org = send.delivery.organisation_id
    endpoint = uow.webhook_endpoints.get(org, send.endpoint.id, for_update=True)  # endpoint, then delivery:
    delivery = uow.webhook_deliveries.get(org, send.delivery.id, for_update=True)  # the order of every writer
    if delivery is None:
        return "missing"
    outcome = outcome_of(response.status_code)
    uow.webhook_deliveries.add_attempt(
        DeliveryAttempt(
            id=new_id("watt"), organisation_id=org, delivery_id=delivery.id, endpoint_id=send.endpoint.id,
            number=delivery.attempts + 1, attempted_at=now, outcome=outcome, status_code=response.status_code,
            latency_ms=response.latency_ms, response_excerpt=excerpt(response.body), error=_error(response),
        )
    )  # fmt: skip
    delivery = replace(delivery, attempts=delivery.attempts + 1)
    if endpoint is None and delivery.status is DeliveryStatus.PENDING:  # deleted while the POST ran
        delivery = replace(delivery, status=DeliveryStatus.CANCELLED, next_attempt_at=None)
    if endpoint is None or delivery.status is not DeliveryStatus.PENDING:
        uow.webhook_deliveries.save(delivery)
        uow.commit()
        return outcome.value
    result = _next(uow, out, delivery, endpoint, outcome, response, now)
    uow.commit()
    return result


def _next(
    uow: UnitOfWork,
    out: Outbound,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    outcome: Outcome,
    response: WebhookResponse,
    now: datetime,
) -> str:
    if outcome is Outcome.DELIVERED:
        uow.webhook_deliveries.save(
            replace(delivery, status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None)
        )
        if endpoint.failing_since is not None:
            uow.webhook_endpoints.save(after_success(endpoint))
        return "delivered"
    failed = replace(delivery, status=DeliveryStatus.FAILED, next_attempt_at=None)
    if outcome is Outcome.GONE:
        uow.webhook_deliveries.save(failed)
        _disable(uow, out, endpoint, DisableReason.GONE, now)
        return "gone"
    streak, expired = after_failure(endpoint, now)
    if expired:
        uow.webhook_deliveries.save(failed)
        _disable(uow, out, streak, DisableReason.FAILING, now)
        return "failed"
    if streak != endpoint:
        uow.webhook_endpoints.save(streak)
    wait = retry_delay(delivery.scheduled_attempts, out.random)
    if wait is None:
        uow.webhook_deliveries.save(failed)
        return "failed"
    if outcome is Outcome.THROTTLED:
        wait = max(wait, parse_retry_after(response.retry_after, now) or wait)
    at = now + wait
    uow.webhook_deliveries.save(replace(delivery, next_attempt_at=at))
    uow.enqueue(deliver_job(delivery.organisation_id, delivery.id, run_at=at))
    return "retry"


def _disable(
    uow: UnitOfWork, out: Outbound, endpoint: WebhookEndpoint, reason: DisableReason, now: datetime
) -> None:
    uow.webhook_endpoints.save(disabled(endpoint, reason.value, now))
    cancelled = uow.webhook_deliveries.cancel_pending(endpoint.id)
    uow.audit(endpoint.organisation_id, "webhook_endpoint.disabled", "webhook_endpoint", endpoint.id,
              reason=reason.value, cancelled=cancelled)  # fmt: skip
    notify_owners(uow, out.renderer, out.base_url, endpoint, reason, now)
