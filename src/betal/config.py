"""Settings from the environment (``BETAL_*``), read once by the composition root.

The names are the public contract of API.md ("Environment"); pydantic-settings does the parsing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "betal-insecure-development-key-change-me"


class Mode(StrEnum):
    SANDBOX = "sandbox"
    LIVE = "live"


class ConfigError(ValueError):
    """The environment describes an installation that must not start."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BETAL_", extra="ignore", frozen=True)

    database_url: str = "sqlite:///./betal.db"
    mode: Mode = Mode.SANDBOX
    secret_key: str = Field(default=DEFAULT_SECRET_KEY, min_length=16)
    smtp_url: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 10 * 1024 * 1024
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _live_needs_real_secret(self) -> Self:
        if self.mode is Mode.LIVE and self.secret_key == DEFAULT_SECRET_KEY:
            raise ConfigError(
                "BETAL_MODE=live refuses to start with the default BETAL_SECRET_KEY; set a secret"
            )
        if self.mode is Mode.LIVE and len(self.secret_key) < 32:
            raise ConfigError("BETAL_SECRET_KEY must be at least 32 characters in live mode")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with the driver SQLAlchemy needs (psycopg 3 for PostgreSQL)."""
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def is_sandbox(self) -> bool:
        return self.mode is Mode.SANDBOX
