"""Configuration from BETAL_* variables; live mode refuses the default secret key."""

from __future__ import annotations

import pytest

from betal.config import DEFAULT_SECRET_KEY, Mode, Settings


class TestSettings:
    def test_defaults(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in ("DATABASE_URL", "MODE", "SECRET_KEY", "SMTP_URL", "BASE_URL"):
            monkeypatch.delenv(f"BETAL_{name}", raising=False)
        settings = Settings()
        assert settings.database_url == "sqlite:///./betal.db"
        assert settings.mode is Mode.SANDBOX
        assert settings.smtp_url is None
        assert settings.is_sandbox

    def test_reads_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("BETAL_DATABASE_URL", "postgresql://u@db/betal")
        monkeypatch.setenv("BETAL_SMTP_URL", "smtp://mail:25")
        monkeypatch.setenv("BETAL_BASE_URL", "https://pay.example.dk")
        settings = Settings()
        assert settings.sqlalchemy_url == "postgresql+psycopg://u@db/betal"
        assert settings.smtp_url == "smtp://mail:25"
        assert settings.base_url == "https://pay.example.dk"

    def test_live_mode_refuses_default_secret(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("BETAL_MODE", "live")
        monkeypatch.delenv("BETAL_SECRET_KEY", raising=False)
        with pytest.raises(ValueError, match="default BETAL_SECRET_KEY"):
            Settings()

    def test_live_mode_refuses_short_secret(self) -> None:
        with pytest.raises(ValueError, match="at least 32"):
            Settings(mode=Mode.LIVE, secret_key="sixteen-chars-ok")

    def test_live_mode_with_real_secret(self) -> None:
        settings = Settings(mode=Mode.LIVE, secret_key="x" * 40)
        assert not settings.is_sandbox
        assert settings.secret_key != DEFAULT_SECRET_KEY

    def test_unknown_mode_rejected(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("BETAL_MODE", "production")
        with pytest.raises(ValueError, match="mode"):
            Settings()

    def test_postgres_url_spellings(self) -> None:
        assert Settings(database_url="postgres://h/d").sqlalchemy_url == "postgresql+psycopg://h/d"
        assert Settings(database_url="postgresql+psycopg://h/d").sqlalchemy_url == "postgresql+psycopg://h/d"
