"""``/v1/webhook-endpoints`` and ``/v1/webhook-deliveries``: where events go, and how their delivery went.

API.md "Events and webhooks" (``POST /v1/webhook-endpoints`` ``{url, events}`` → the endpoint with its
``secret``, shown once); docs/webhooks.md. The rules are in ``services/webhook.py`` and
``services/webhook_log.py``; an id of another organisation answers 404 before the body is read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from betal.api.deps import ContainerDep, PrincipalDep, UowDep
from betal.api.idempotency import respond, run_idempotent
from betal.api.pagination import CursorQuery, LimitQuery, ListOf, page
from betal.api.schemas.webhook import (
    RedeliverRange,
    Redelivery,
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)
from betal.domain.webhook import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint
from betal.services import webhook as endpoints
from betal.services import webhook_log as log

router = APIRouter(prefix="/v1", tags=["webhooks"])
PATH = "/webhook-endpoints"
ONE = PATH + "/{endpoint_id}"


def _existing(endpoint_id: str, uow: UowDep, principal: PrincipalDep) -> WebhookEndpoint:
    return endpoints.get_endpoint(uow, principal, endpoint_id)


def _existing_delivery(delivery_id: str, uow: UowDep, principal: PrincipalDep) -> WebhookDelivery:
    return log.get_delivery(uow, principal, delivery_id)


ExistingEndpoint = Annotated[WebhookEndpoint, Depends(_existing)]
ExistingDelivery = Annotated[WebhookDelivery, Depends(_existing_delivery)]


@router.post(PATH, status_code=201, response_model=WebhookEndpointWithSecret)
def create_webhook_endpoint(
    body: WebhookEndpointCreate,
    request: Request,
    uow: UowDep,
    principal: PrincipalDep,
    container: ContainerDep,
) -> Response:
    def action() -> tuple[int, object]:
        data = endpoints.NewEndpoint(body.url, tuple(body.events), body.description, body.ordered)
        live = not container.settings.is_sandbox
        made = endpoints.create_endpoint(
            uow, container.cipher, container.webhook_transport(), principal, data, live=live
        )
        return respond(201, WebhookEndpointWithSecret.created(made))

    return run_idempotent(request, uow, principal, body, action)


@router.get(PATH, response_model=ListOf[WebhookEndpointRead])
def list_webhook_endpoints(
    uow: UowDep, principal: PrincipalDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> ListOf[WebhookEndpointRead]:
    data, next_cursor = page(
        lambda after, n: endpoints.list_endpoints(uow, principal, after_id=after, limit=n),
        cursor,
        limit,
        WebhookEndpointRead.of,
        lambda e: e.id,
    )
    return ListOf[WebhookEndpointRead](data=data, next_cursor=next_cursor)


@router.get(ONE, response_model=WebhookEndpointRead)
def get_webhook_endpoint(endpoint: ExistingEndpoint) -> WebhookEndpointRead:
    return WebhookEndpointRead.of(endpoint)


@router.patch(ONE, response_model=WebhookEndpointRead)
def update_webhook_endpoint(
    endpoint: ExistingEndpoint,
    body: WebhookEndpointUpdate,
    uow: UowDep,
    principal: PrincipalDep,
    container: ContainerDep,
) -> WebhookEndpointRead:
    change = endpoints.EndpointChange(
        url=body.url,
        events=None if body.events is None else tuple(body.events),
        description=body.description,
        status=None if body.status is None else EndpointStatus(body.status),
        ordered=body.ordered,
    )
    live = not container.settings.is_sandbox
    updated = endpoints.update_endpoint(
        uow, container.webhook_transport(), principal, endpoint.id, change, live=live
    )
    return WebhookEndpointRead.of(updated)


@router.delete(ONE, status_code=204)
def delete_webhook_endpoint(endpoint: ExistingEndpoint, uow: UowDep, principal: PrincipalDep) -> Response:
    endpoints.delete_endpoint(uow, principal, endpoint.id)
    return Response(status_code=204)


@router.post(ONE + "/rotate-secret", response_model=WebhookEndpointWithSecret)
def rotate_webhook_secret(
    endpoint: ExistingEndpoint,
    request: Request,
    uow: UowDep,
    principal: PrincipalDep,
    container: ContainerDep,
) -> Response:
    def action() -> tuple[int, object]:
        rotated = endpoints.rotate_secret(uow, container.cipher, principal, endpoint.id)
        return respond(200, WebhookEndpointWithSecret.created(rotated))

    return run_idempotent(request, uow, principal, None, action)


@router.get(ONE + "/deliveries", response_model=ListOf[WebhookDeliveryRead])
def list_webhook_deliveries(
    endpoint: ExistingEndpoint,
    uow: UowDep,
    principal: PrincipalDep,
    status: Annotated[
        DeliveryStatus | None, Query(description="pending, delivered, failed, cancelled")
    ] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> ListOf[WebhookDeliveryRead]:
    data, next_cursor = page(
        lambda after, n: log.list_deliveries(
            uow, principal, endpoint.id, status=status, after_id=after, limit=n
        ),
        cursor,
        limit,
        WebhookDeliveryRead.of,
        lambda d: d.delivery.id,
    )
    return ListOf[WebhookDeliveryRead](data=data, next_cursor=next_cursor)


@router.post(ONE + "/redeliver", status_code=202, response_model=Redelivery)
def redeliver_webhook_range(
    endpoint: ExistingEndpoint, body: RedeliverRange, request: Request, uow: UowDep, principal: PrincipalDep
) -> Response:
    def action() -> tuple[int, object]:
        done = log.redeliver_range(uow, principal, endpoint.id, body.start, body.end)
        result = Redelivery(
            redelivered=len(done.delivery_ids), delivery_ids=list(done.delivery_ids), more=done.more
        )
        return respond(202, result)

    return run_idempotent(request, uow, principal, body, action)


@router.post(
    "/webhook-deliveries/{delivery_id}/redeliver", status_code=202, response_model=WebhookDeliveryRead
)
def redeliver_webhook(
    delivery: ExistingDelivery, request: Request, uow: UowDep, principal: PrincipalDep
) -> Response:
    def action() -> tuple[int, object]:
        return respond(202, WebhookDeliveryRead.of(log.redeliver(uow, principal, delivery.id)))

    return run_idempotent(request, uow, principal, None, action)
