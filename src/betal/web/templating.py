"""Jinja2 rendering for the portal: one environment per language, with gettext installed.

Templates live in ``web/templates/<area>/<page>.html`` and extend ``base.html``. Every HTML response gets
the same security headers (a strict Content-Security-Policy: no inline script or style, no framing).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from betal.domain.money import Money, currency
from betal.domain.tenancy import Permission, Role, permissions_of
from betal.web import cookies, translation

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/app/static"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@cache
def static_url(path: str) -> str:
    """The URL of a static file with a content hash, so browsers refetch it when it changes."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]
    return f"{STATIC_PREFIX}/{path}?v={digest}"


def _local_time(language: str) -> Any:
    """A timestamp as Copenhagen wall-clock time: "22. nov. 2026 09.41" / "Nov 22, 2026 09:41"."""

    def render(value: datetime) -> str:
        day = format_skeleton("yMMMd", value, tzinfo=COPENHAGEN, locale=language)
        return f"{day} {format_skeleton('Hm', value, tzinfo=COPENHAGEN, locale=language)}"

    return render


def _local_date(language: str) -> Any:
    def render(value: datetime) -> str:
        return format_date(value.astimezone(COPENHAGEN).date(), "long", locale=language)

    return render


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translation.translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["local_time"] = _local_time(language)
    env.filters["local_date"] = _local_date(language)
    env.globals["static_url"] = static_url
    env.globals["language"] = language
    return env


def money_formatter(language: str) -> Callable[[int, str], str]:
    """Minor units as the portal shows them: "1.234,50 DKK" in Danish, "1,234.50 DKK" in English."""

    def money(minor: int, code: str) -> str:
        digits = currency(code).exponent
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return f"{format_decimal(Money(minor, code).to_decimal(), pattern, locale=language)} {code}"

    return money


def language_of(request: Request) -> str:
    return translation.pick(request.cookies.get(cookies.LANGUAGE))


def portal_values(request: Request, role: Role) -> dict[str, Any]:
    """What every portal section's pages get: money and dates in the reader's language, and what the
    member's role may do (``can_book``, ``can_bill``, ``can_manage``)."""
    language = language_of(request)
    permissions = permissions_of(role)
    return {
        "money": money_formatter(language),
        "day": lambda d: "" if d is None else format_date(d, "medium", locale=language),
        "can_book": Permission.BOOK in permissions,
        "can_bill": Permission.BILL in permissions,
        "can_manage": Permission.MANAGE_ORGANISATION in permissions,
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` in the request's language as a complete HTML response."""
    language = language_of(request)
    values = {"request": request, "current_path": _current_path(request), **(context or {})}
    html = environment(language).get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def _current_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")
