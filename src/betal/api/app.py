"""The ASGI application: JSON API under ``/v1``, portal and payer pages mounted beside it."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute

from betal import __version__, sandbox, web
from betal.api import errors
from betal.api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from betal.bootstrap import Container
from betal.discovery import routers_in

DESCRIPTION = """betal: payment requests, supplier payments, ledger and reconciliation for Danish businesses.

Authenticate with `Authorization: Bearer <api key>`. Amounts are integers in minor units.
Errors are RFC 9457 `application/problem+json`. Send an `Idempotency-Key` header on every POST."""


ROUTERS = tuple(routers_in("betal.api.routers"))  # every module of api/routers with a `router`


def route_table() -> list[tuple[str, str]]:
    """Every (method, path) of the JSON API, for generic tests such as tenancy and OpenAPI coverage."""
    return sorted(
        (method, route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    )


def create_app(container: Container) -> FastAPI:
    app = FastAPI(title="betal", version=__version__, description=DESCRIPTION)
    app.state.container = container
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    for router in routers_in("betal.api.hooks"):
        app.include_router(router)
    if container.settings.is_sandbox:  # the simulated providers exist only in sandbox mode
        sandbox.mount(app)
    web.mount(app, container)
    app.add_middleware(BodyLimitMiddleware, max_bytes=container.settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app
