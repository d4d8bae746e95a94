"""The business portal under ``/app``: server-rendered Jinja2 pages in Danish (default) and English.

``mount`` adds the portal's routes, its static files, the HTML error pages for non-API paths and the
redirect from ``/`` to the portal to the ASGI app built by ``betal.api.app.create_app``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from betal.bootstrap import Container
from betal.discovery import routers_in
from betal.web import errors, translation
from betal.web.templating import STATIC_DIR, STATIC_PREFIX


def _home() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=303)


def mount(app: FastAPI, container: Container) -> None:
    """Add the portal to ``app``; ``container`` is the one ``create_app`` put on ``app.state``."""
    for code in translation.LANGUAGES:  # compile the catalogues now, so a broken .po fails at start-up
        translation.translations(code)
    if app.state.container is not container:
        raise ValueError("mount the portal with the app's own container")
    errors.install(app)
    app.add_api_route("/", _home, methods=["GET"], include_in_schema=False)
    for router in routers_in("betal.web.routers"):
        app.include_router(router)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="static")
