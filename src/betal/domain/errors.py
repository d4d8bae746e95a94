"""The error tree every layer raises and every entry point maps (STYLE.md "Errors").

Kinds: ``NotFound`` (404), ``Conflict`` (409), ``InvalidInput`` (422), ``Forbidden`` (403),
``Unauthenticated`` (401), ``RateLimited`` (429). A concrete error carries a stable ``code``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one input field, reported together with the others."""

    field: str
    message: str


class BetalError(Exception):
    """Root of every error betal raises on purpose."""

    code = "error"
    title = "Error"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class NotFound(BetalError):
    code = "not_found"
    title = "Not found"


class Conflict(BetalError):
    code = "conflict"
    title = "Conflict"


class Forbidden(BetalError):
    code = "forbidden"
    title = "Forbidden"


class Unauthenticated(BetalError):
    code = "unauthenticated"
    title = "Unauthenticated"


class RateLimited(BetalError):
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = retry_after


class InvalidInput(BetalError):
    code = "invalid_input"
    title = "Invalid input"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        errors: list[FieldProblem] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail, code=code)
        problems = list(errors or [])
        if field is not None and not problems:
            problems.append(FieldProblem(field, detail))
        self.errors = problems


class IllegalTransition(Conflict):
    """A state machine was asked for a move it does not allow."""

    code = "illegal_state_change"

    def __init__(self, entity: str, current: str, target: str) -> None:
        super().__init__(
            f"a {entity} cannot go from {current} to {target}", code=f"{entity}.illegal_state_change"
        )
        self.entity = entity
        self.current = current
        self.target = target
