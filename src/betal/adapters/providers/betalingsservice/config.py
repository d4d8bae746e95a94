"""Betalingsservice settings: the file exchange's base URL, betal's data supplier number, a token.

Live mode reads ``BETAL_PROVIDER_URLS["betalingsservice"]`` (the HTTPS file exchange standing in for
Nets' file transfer) and ``BETAL_PROVIDER_CREDENTIALS["betalingsservice"]`` = ``{data_supplier_number,
token}``. Without a data supplier number each creditor delivers as its own data supplier (its PBS
number goes into BS002 positions 6-13, danish-payments.md §3.4). Sandbox mode points at
``{base_url}/sandbox/betalingsservice`` and needs no credentials.
"""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from betal.config import Settings

KEY = "betalingsservice"


class BetalingsserviceConfig(BaseModel):
    model_config = {"frozen": True}

    base_url: str
    data_supplier_number: str | None = None
    token: SecretStr | None = None
    timeout_seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> BetalingsserviceConfig:
        supplier = settings.provider_credential(KEY, "data_supplier_number") or None
        token = settings.provider_credential(KEY, "token")
        return cls(
            base_url=settings.provider_url(KEY).rstrip("/"),
            data_supplier_number=supplier,
            token=SecretStr(token) if token else None,
        )
