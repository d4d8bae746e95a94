"""Free-text fields: names and descriptions are trimmed, non-empty and bounded."""

from __future__ import annotations

from betal.domain.errors import InvalidInput


def validate_name(name: str, *, field: str = "name", max_length: int = 200) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise InvalidInput("must not be empty", field=field)
    if len(clean) > max_length:
        raise InvalidInput(f"must be at most {max_length} characters", field=field)
    if not clean.isprintable():
        raise InvalidInput("must not contain control characters", field=field)
    return clean
