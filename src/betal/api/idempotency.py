"""``Idempotency-Key`` on POST: replay the stored response for 24 h, 409 for another body.

The stored response is written in the same transaction as the change it describes (see
``adapters/db/idempotency.py``), so a retry after a crash either finds it or redoes the whole call.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from betal.domain.errors import Conflict, InvalidInput
from betal.domain.tenancy import Principal
from betal.ports import UnitOfWork

HEADER = "idempotency-key"
TTL = timedelta(hours=24)
MAX_KEY = 255
_RETRIES = 5


def fingerprint(request: Request, payload: BaseModel | bytes | None) -> str:
    """What "the same request" means: method, path and the body (canonical JSON for models)."""
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    if isinstance(payload, BaseModel):
        digest.update(payload.model_dump_json(exclude_unset=False).encode())
    elif payload is not None:
        digest.update(payload)
    return digest.hexdigest()


def _key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise InvalidInput(f"must be 1 to {MAX_KEY} printable characters", field="Idempotency-Key")
    return key


def _render(status: int, content: Any) -> tuple[int, str]:
    return status, json.dumps(content, separators=(",", ":"), ensure_ascii=False, default=str)


def _replay(status: int, body: str) -> Response:
    return Response(
        body, status_code=status, media_type="application/json", headers={"Idempotent-Replayed": "true"}
    )


def run_idempotent(
    request: Request,
    uow: UnitOfWork,
    principal: Principal,
    payload: BaseModel | bytes | None,
    action: Callable[[], tuple[int, Any]],
) -> Response:
    """Run ``action`` (which calls one service) once per key; ``action`` returns (status, JSON content)."""
    key = _key(request)
    uow.defer_commit = True  # one request, one transaction, however many services the action calls
    if key is None:
        status, body = _render(*action())
        uow.commit_deferred()
        return Response(body, status_code=status, media_type="application/json")
    request_hash = fingerprint(request, payload)
    org = principal.organisation_id
    for _ in range(_RETRIES):
        stored = uow.idempotency.get(org, key)
        now = uow.clock.now()
        if stored is not None and stored.created_at + TTL < now:
            uow.idempotency.delete(org, key)
            stored = None
        if stored is not None:
            if stored.request_hash != request_hash:
                raise Conflict(
                    "this Idempotency-Key was used with a different request", code="idempotency.key_reused"
                )
            return _replay(stored.status, stored.body)
        if uow.idempotency.reserve(org, key, request_hash, now):
            break
        uow.rollback()  # another request committed this key meanwhile: read what it stored
    else:  # pragma: no cover - needs a key that keeps expiring under us
        raise Conflict("the request is being processed; retry", code="idempotency.in_progress")
    status, body = _render(*action())
    uow.idempotency.complete(org, key, status, body)
    uow.commit_deferred()
    return Response(body, status_code=status, media_type="application/json")


def respond(status: int, model: BaseModel | dict[str, Any]) -> tuple[int, Any]:
    content = model.model_dump(mode="json") if isinstance(model, BaseModel) else model
    return status, content
