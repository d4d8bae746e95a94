"""Request dependencies: the container, the authenticated principal, and a unit of work per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from betal.bootstrap import Container
from betal.domain.errors import Unauthenticated
from betal.domain.tenancy import Principal
from betal.ports import Actor, UnitOfWork
from betal.services.api_key import authenticate_api_key


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def get_principal(request: Request, container: Annotated[Container, Depends(get_container)]) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an API key as 'Authorization: Bearer <key>'", code="api_key.missing")
    with container.uow() as uow:
        return authenticate_api_key(uow, token.strip())


def get_uow(
    request: Request,
    container: Annotated[Container, Depends(get_container)],
    principal: Annotated[Principal, Depends(get_principal)],
) -> Iterator[UnitOfWork]:
    actor = Actor(principal.actor_type, principal.actor_id, _client_ip(request), request.state.request_id)
    with container.uow(actor) as uow:
        yield uow


ContainerDep = Annotated[Container, Depends(get_container)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
