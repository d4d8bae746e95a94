"""Provider simulators under ``/sandbox/<key>``: each speaks its provider's real protocol shape.

In sandbox mode every provider adapter points here, so a fresh install can take payments by every
method with no account anywhere. Simulators are the outside world: they keep their own state in
``sandbox_objects`` (through ``Container.sandbox_store()``) and never call betal's services; they
reach betal only over HTTP, like the real provider would.
"""

from __future__ import annotations

from fastapi import FastAPI

from betal.discovery import routers_in


def mount(app: FastAPI) -> None:
    for router in routers_in("betal.sandbox"):
        app.include_router(router)
