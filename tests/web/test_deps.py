"""Portal dependencies: safe redirect targets and the login URL."""

from __future__ import annotations

import pytest

from betal.web.deps import HOME, login_url, safe_next


class TestSafeNext:
    @pytest.mark.parametrize("value", ["/app/", "/app/?tab=members", "/app/x#top", "/inbox"])
    def test_keeps_local_paths(self, value: str) -> None:
        assert safe_next(value) == value

    @pytest.mark.parametrize(
        "value",
        [
            None,
            "",
            "app/",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "https://evil.example/app/",
            "javascript:alert(1)",
            "/app/\r\nSet-Cookie: x=1",
            "/app/\x7f",
            " /app/",
        ],
    )
    def test_refuses_anything_else(self, value: str | None) -> None:
        assert safe_next(value) == HOME


class TestLoginUrl:
    def test_home_needs_no_next(self) -> None:
        assert login_url("/app/") == "/app/login"

    def test_quotes_the_target(self) -> None:
        assert login_url("/app/?a=1&b=2") == "/app/login?next=/app/%3Fa%3D1%26b%3D2"

    def test_drops_foreign_targets(self) -> None:
        assert login_url("//evil.example") == "/app/login"
