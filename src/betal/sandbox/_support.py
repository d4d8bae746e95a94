"""What the provider simulators share: their pages, the sandbox-only guard, form tokens, derived webhook
secrets, request bodies, refusals, documents created once, idempotent replay and callback delivery.

The simulators are the outside world (pyproject.toml, "Simulators are the outside world"), so they render
with their own Jinja environment over the portal's templates, static files and catalogues
(``web/i18n/<language>/LC_MESSAGES/messages.po``, compiled in memory) and never import betal's web layer.
Idempotency follows each provider's documented ``Idempotency-Key`` contract (developer.vippsmobilepay.com
/docs/common-topics/http-headers, docs.stripe.com/api/idempotent_requests): a repeated key answers the
stored response. The derived webhook secret is the sandbox convention of docs/providers/mobilepay.md and
docs/providers/card.md. The module's leading underscore keeps it out of route discovery.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Annotated, Any, ParamSpec
from zoneinfo import ZoneInfo

import httpx
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.exc import IntegrityError

from betal.bootstrap import Container

WEB = Path(__file__).resolve().parents[1] / "web"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self' "
    "http: https:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
P = ParamSpec("P")
Operation = Callable[[], tuple[int, dict[str, Any]]]


# --- pages ---------------------------------------------------------------------------------------------


def translations(language: str) -> NullTranslations:
    """The portal's catalogue for ``language``, compiled in memory (the source strings without one)."""
    path = WEB / "i18n" / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    buffer = BytesIO()
    with path.open("rb") as po:
        write_mo(buffer, read_po(po, locale=language))
    buffer.seek(0)
    return Translations(fp=buffer)


@functools.cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(WEB / "templates"), autoescape=True, undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(language=language, static_url=static_url)
    env.filters["money"] = money
    return env


@functools.cache
def static_url(path: str) -> str:
    return f"/app/static/{path}?v={hashlib.sha256((WEB / 'static' / path).read_bytes()).hexdigest()[:12]}"


def money(value: int, currency: str) -> str:
    """Minor units as Danish text: ``123450, "DKK"`` -> ``1.234,50 kr.``."""
    kroner, ore = divmod(value, 100)
    return f"{kroner:,}".replace(",", ".") + f",{ore:02d} " + ("kr." if currency == "DKK" else currency)


def language_of(request: Request) -> str:
    """The portal's language (cookie ``betal_lang``): English when chosen, else Danish."""
    return "en" if request.cookies.get("betal_lang") == "en" else "da"


def render_page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A simulator page in the portal's language; ``context`` may override ``current_path``."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    values = {"request": request, "current_path": path, **context}
    html = environment(language_of(request)).get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers=HEADERS if headers is None else headers)


# --- requests ------------------------------------------------------------------------------------------


def sandbox_only(request: Request) -> Container:
    container: Container = request.app.state.container
    if not container.settings.is_sandbox:
        raise HTTPException(404)  # a live installation has no simulators
    return container


Sandbox = Annotated[Container, Depends(sandbox_only)]


async def body_of(request: Request) -> bytes:
    return await request.body()


def today(container: Container) -> date:
    """The business date in Copenhagen, where the simulated banks keep their books."""
    return container.clock.now().astimezone(COPENHAGEN).date()


def mac(container: Container, message: str) -> str:
    """Hex HMAC-SHA256 of ``message`` under ``BETAL_SECRET_KEY``: tokens the simulator checks itself."""
    return hmac.new(container.settings.secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def form_token(request: Request, object_id: str) -> str:
    """The simulator's own anti-forgery token for a page's form (the page belongs to the provider)."""
    return mac(request.app.state.container, f"sandbox-form:{request.url.path}:{object_id}")


def derived_secret(container: Container, url: str) -> str:
    """The webhook secret issued for ``url``, derived from ``BETAL_SECRET_KEY`` so betal derives the same
    without storing it: ``base64url(HMAC-SHA256(key, "betal-sandbox-webhook:" + url))`` (sandbox only)."""
    key = container.settings.secret_key.encode()
    digest = hmac.new(key, f"betal-sandbox-webhook:{url}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


# --- refusals ------------------------------------------------------------------------------------------


class Refusal(Exception):
    """Stop a simulator route with this response (the provider's own error shape)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def answers(route: Callable[P, Response]) -> Callable[P, Response]:
    """A route that may raise ``Refusal``: the refusal's response is the answer."""

    @functools.wraps(route)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return route(*args, **kwargs)
        except Refusal as refusal:
            return refusal.response

    return wrapper


# --- state ---------------------------------------------------------------------------------------------


def create_once(container: Container, provider: str, kind: str, object_id: str, doc: dict[str, Any]) -> bool:
    """Create a document; False when one with this id exists already (also under a concurrent twin)."""
    try:
        container.sandbox_store().create(provider, kind, object_id, doc)
    except IntegrityError:
        return False
    return True


def put(container: Container, provider: str, kind: str, object_id: str, doc: dict[str, Any]) -> None:
    """Store ``doc`` under ``object_id``: merged into the existing document, or created."""
    store = container.sandbox_store()
    if store.update(provider, object_id, lambda old: old | doc) is None:
        store.create(provider, kind, object_id, doc)


def once(container: Container, provider: str, scope: str, operation: Operation, busy: Refusal) -> Response:
    """Run ``operation`` once per idempotency ``scope``: a repeated key, even a concurrent one, answers
    the stored response. A refused operation stores nothing, so the caller may fix it and retry."""
    store, object_id = container.sandbox_store(), "idem:" + hashlib.sha256(scope.encode()).hexdigest()
    claimed: list[bool] = []

    def claim(doc: dict[str, Any]) -> dict[str, Any]:
        claimed.append(doc["state"] == "free")
        return {"state": "running"} if doc["state"] == "free" else doc

    if store.update(provider, object_id, claim) is None:  # else a concurrent twin claimed it first
        claimed.append(create_once(container, provider, "idempotency", object_id, {"state": "running"}))
    if not claimed[-1]:
        return _replay(container, provider, object_id, busy)
    try:
        status, body = operation()
    except BaseException:
        store.update(provider, object_id, lambda _doc: {"state": "free"})
        raise
    store.update(provider, object_id, lambda _doc: {"state": "done", "status": status, "body": body})
    return JSONResponse(body, status_code=status)


def _replay(container: Container, provider: str, object_id: str, busy: Refusal) -> Response:
    """The stored response, once the twin request that claimed the key has finished (or ``busy``)."""
    deadline = time.monotonic() + 10
    doc = container.sandbox_store().get(provider, object_id) or {}
    while doc.get("state") == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
        doc = container.sandbox_store().get(provider, object_id) or {}
    if doc.get("state") != "done":
        raise busy
    return JSONResponse(doc["body"], status_code=doc["status"])


# --- callbacks -----------------------------------------------------------------------------------------


def deliver(provider: str, request: httpx.Request) -> None:
    """Send a signed callback; a failed delivery is only logged (betal's polling still settles)."""
    log = logging.getLogger(f"betal.sandbox.{provider}")
    try:
        with httpx.Client(timeout=10) as http:
            response = http.send(request)
    except httpx.HTTPError as exc:
        log.warning("%s webhook to %s failed: %s", provider, request.url, exc.__class__.__name__)
        return
    if response.status_code >= 300:
        log.warning("%s webhook to %s answered %s", provider, request.url, response.status_code)
