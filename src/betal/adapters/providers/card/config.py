"""Card acquirer settings: base URL, secret API key and webhook secret, from ``Settings``.

Live mode reads ``BETAL_PROVIDER_URLS["card"]`` and ``BETAL_PROVIDER_CREDENTIALS["card"]`` =
``{secret_key, webhook_secret}``. Sandbox mode uses the simulator's documented secret key and derives
the webhook secret the simulator issues for betal's callback URL (the same sandbox-only convention as
MobilePay: ``base64url(HMAC-SHA256(BETAL_SECRET_KEY, "betal-sandbox-webhook:" + URL))``).
"""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from betal.adapters.providers.sandbox_secret import sandbox_webhook_secret
from betal.config import Settings

KEY = "card"
SANDBOX_SECRET_KEY = "sk_sandbox_betal"
WEBHOOK_PATH = "/hooks/card"


class CardConfig(BaseModel):
    model_config = {"frozen": True}

    base_url: str
    secret_key: SecretStr
    webhook_url: str
    webhook_secret: SecretStr
    sandbox: bool
    timeout_seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> CardConfig:
        webhook_url = settings.base_url.rstrip("/") + WEBHOOK_PATH
        if settings.is_sandbox:
            secret = sandbox_webhook_secret(settings.secret_key, webhook_url)
            key = SANDBOX_SECRET_KEY
        else:
            secret = settings.provider_credential(KEY, "webhook_secret")
            key = settings.provider_credential(KEY, "secret_key")
        return cls(
            base_url=settings.provider_url(KEY),
            secret_key=SecretStr(key),
            webhook_url=webhook_url,
            webhook_secret=SecretStr(secret),
            sandbox=settings.is_sandbox,
        )
