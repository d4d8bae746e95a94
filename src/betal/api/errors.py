"""RFC 9457 problem+json for every failure: our error kinds, validation, 404/405, and bugs (500)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from betal.domain.errors import (
    BetalError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from betal.domain.provider import NotSupported, ProviderRateLimited, ProviderRejected, ProviderUnavailable

log = logging.getLogger("betal.api")
PROBLEM = "application/problem+json"
TYPE_BASE = "https://betal.dk/problems/"

STATUS_OF: list[tuple[type[BetalError], int]] = [
    (ProviderUnavailable, 503),
    (ProviderRateLimited, 429),
    (ProviderRejected, 422),
    (NotSupported, 409),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 422),
    (Forbidden, 403),
    (Unauthenticated, 401),
    (RateLimited, 429),
]


def status_for(error: BetalError) -> int:
    for kind, status in STATUS_OF:
        if isinstance(error, kind):
            return status
    return 400


def problem(
    status: int,
    title: str,
    detail: str,
    code: str,
    *,
    errors: list[dict[str, str]] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def problem_for(error: BetalError) -> JSONResponse:
    status = status_for(error)
    errors = (
        [{"field": p.field, "message": p.message} for p in error.errors]
        if isinstance(error, InvalidInput)
        else None
    )
    response = problem(status, error.title, error.detail, error.code, errors=errors)
    if isinstance(error, RateLimited | ProviderRateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    elif isinstance(error, ProviderUnavailable):
        response.headers["Retry-After"] = "30"
    return response


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_problem(exc: RequestValidationError) -> JSONResponse:
    errors = []
    for err in exc.errors():
        message = str(err.get("msg", "is invalid"))
        if err.get("type") == "extra_forbidden":
            message = "is not a known field"
        elif err.get("type") == "json_invalid":
            message = "is not valid JSON"
        errors.append({"field": _field_name(tuple(err.get("loc", ()))), "message": message})
    return problem(
        422, "Invalid input", "the request does not match the schema", "invalid_input", errors=errors
    )


API_PATHS = ("/v1", "/openapi.json", "/docs", "/redoc")
_NOT_COPIED = frozenset({"content-type", "content-length", "www-authenticate"})


def is_api_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in API_PATHS)


def _for_path(request: Request, response: JSONResponse, code: str) -> Response:
    """The problem for API paths; elsewhere the HTML page of ``app.state.html_error_page`` (web/errors.py)."""
    hook = getattr(request.app.state, "html_error_page", None)
    if hook is None or is_api_path(request.url.path):
        return response
    page: Response = hook(request, response.status_code, code)
    for key, value in response.headers.items():
        if key not in _NOT_COPIED:
            page.headers[key] = value
    return page


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}


def install(app: FastAPI) -> None:
    @app.exception_handler(BetalError)
    def _betal(request: Request, exc: BetalError) -> Response:
        return _for_path(request, problem_for(exc), exc.code)

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, exc: RequestValidationError) -> Response:
        return _for_path(request, validation_problem(exc), "invalid_input")

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        response = problem(exc.status_code, detail, detail, code)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return _for_path(request, response, code)

    @app.exception_handler(Exception)
    def _bug(request: Request, exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc)
        response = problem(
            500, "Internal error", "an unexpected error happened; it has been logged", "internal_error"
        )
        return _for_path(request, response, "internal_error")
