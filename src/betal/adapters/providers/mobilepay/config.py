"""MobilePay settings: base URL, API credentials and the webhook secret, from ``Settings``.

Live mode reads ``BETAL_PROVIDER_URLS["mobilepay"]`` (e.g. ``https://api.vipps.no``) and
``BETAL_PROVIDER_CREDENTIALS["mobilepay"]`` = ``{client_id, client_secret, subscription_key,
webhook_secret}``. Sandbox mode talks to betal's own simulator with the fixed, documented sandbox
credentials below, and derives the webhook secret the simulator issues (docs/providers/mobilepay.md):
``base64url(HMAC-SHA256(BETAL_SECRET_KEY, "betal-sandbox-webhook:" + webhook URL))`` — a sandbox-only
convenience, so callbacks verify without a registration round trip being stored anywhere
(``betal.adapters.providers.sandbox_secret``).
"""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from betal.adapters.providers.sandbox_secret import sandbox_webhook_secret
from betal.config import Settings

KEY = "mobilepay"
SANDBOX_CLIENT_ID = "betal-sandbox-client"
SANDBOX_CLIENT_SECRET = "betal-sandbox-client-secret"
SANDBOX_SUBSCRIPTION_KEY = "betal-sandbox-subscription-key"
WEBHOOK_PATH = "/hooks/mobilepay"


class MobilePayConfig(BaseModel):
    model_config = {"frozen": True}

    base_url: str
    client_id: str
    client_secret: SecretStr
    subscription_key: SecretStr
    webhook_url: str
    webhook_secret: SecretStr
    sandbox: bool
    timeout_seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> MobilePayConfig:
        webhook_url = settings.base_url.rstrip("/") + WEBHOOK_PATH
        if settings.is_sandbox:
            return cls(
                base_url=settings.provider_url(KEY),
                client_id=SANDBOX_CLIENT_ID,
                client_secret=SecretStr(SANDBOX_CLIENT_SECRET),
                subscription_key=SecretStr(SANDBOX_SUBSCRIPTION_KEY),
                webhook_url=webhook_url,
                webhook_secret=SecretStr(sandbox_webhook_secret(settings.secret_key, webhook_url)),
                sandbox=True,
            )

        def credential(name: str) -> str:
            return settings.provider_credential(KEY, name)

        return cls(
            base_url=settings.provider_url(KEY),
            client_id=credential("client_id"),
            client_secret=SecretStr(credential("client_secret")),
            subscription_key=SecretStr(credential("subscription_key")),
            webhook_url=webhook_url,
            webhook_secret=SecretStr(credential("webhook_secret")),
            sandbox=False,
        )
