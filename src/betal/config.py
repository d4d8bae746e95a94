"""Settings from the environment (``BETAL_*``), read once by the composition root.

The names are the public contract of API.md ("Environment"); pydantic-settings does the parsing.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
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
    # Live mode: each provider's base URL and credentials, as JSON objects keyed by provider key, e.g.
    # BETAL_PROVIDER_URLS='{"mobilepay": "https://api.vipps.no/epayment"}'. Sandbox mode ignores them
    # and points every provider at betal's own simulators under {base_url}/sandbox/<key>.
    provider_urls: dict[str, str] = Field(default_factory=dict)
    provider_credentials: dict[str, dict[str, str]] = Field(default_factory=dict)
    # The bank's host-to-host file API (pain.001 out, pain.002 and camt.053 in); unset means the sandbox
    # bank under {base_url}/sandbox/bank in sandbox mode, and is required in live mode.
    bank_files_url: str | None = None
    log_level: str = "INFO"
    # renteloven § 5: a CSV of Nationalbanken's reference rates (effective_from,rate_percent) replacing the
    # table betal ships (docs/notifications.md "Interest").
    reference_rates: Path | None = None

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

    def provider_url(self, key: str) -> str:
        if self.is_sandbox:
            return f"{self.base_url.rstrip('/')}/sandbox/{key}"
        if key not in self.provider_urls:
            raise ConfigError(f"live mode needs BETAL_PROVIDER_URLS to name a base URL for {key}")
        return self.provider_urls[key]

    def provider_credential(self, key: str, name: str, default: str = "") -> str:
        return self.provider_credentials.get(key, {}).get(name, default)

    @property
    def is_sandbox(self) -> bool:
        return self.mode is Mode.SANDBOX
