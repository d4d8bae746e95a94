"""What every provider callback endpoint does: verify the signature over the raw request, then let
``services.checkout.settle_callback`` apply it once per provider event id.

Answers: 200 ``{"received": true, "applied": bool}``; 401 for a bad, stale or missing signature; 404
for a payment betal did not make; 503 with ``Retry-After`` while the provider cannot be reached (the
provider retries its callback). Nothing changes on any error.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from betal.api.errors import problem_for
from betal.bootstrap import Container
from betal.domain.errors import BetalError
from betal.ports import Actor
from betal.services.checkout import settle_callback


async def raw_body(request: Request) -> bytes:
    """The body exactly as sent: signatures cover the raw bytes, never re-serialised JSON."""
    return await request.body()


def handle_callback(request: Request, key: str, body: bytes) -> Response:
    container: Container = request.app.state.container
    actor = Actor("system", f"hooks/{key}", ip=request.client.host if request.client else None)
    query = request.url.query
    try:
        callback = container.providers.callbacks(key).verify_callback(
            path_and_query=request.url.path + (f"?{query}" if query else ""),
            headers=request.headers,
            body=body,
        )
        payment = settle_callback(lambda: container.uow(actor), container.providers, key, callback)
    except BetalError as exc:
        return problem_for(exc)
    return JSONResponse({"received": True, "applied": payment is not None})
