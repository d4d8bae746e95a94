"""HTML error pages for everything outside the JSON API, and the redirect to the login page.

``api/errors.py`` maps every error to a status as for the API, then asks ``error_page`` (registered on
``app.state.html_error_page``) for the body when the path is not an API path.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from betal.web.deps import LoginRequired, login_url
from betal.web.templating import render


def error_page(request: Request, status: int, code: str) -> Response:
    # The language links come back to this page only when it can be fetched again with GET.
    context = {"status": status, "code": code}
    if request.method != "GET":
        context["current_path"] = "/app/"
    return render(request, "errors/error.html", context, status=status)


def _login_required(_request: Request, exc: Exception) -> Response:
    next_path = exc.next_path if isinstance(exc, LoginRequired) else "/app/"
    return RedirectResponse(login_url(next_path), status_code=303)


def install(app: FastAPI) -> None:
    app.state.html_error_page = error_page
    app.add_exception_handler(LoginRequired, _login_required)
