"""The webhook secret betal's provider simulators issue in sandbox mode, derived rather than stored.

Sandbox convention (docs/providers/mobilepay.md and docs/providers/card.md): the secret for a webhook URL is
``base64url(HMAC-SHA256(BETAL_SECRET_KEY, "betal-sandbox-webhook:" + URL))`` without padding, so betal's
adapters verify callbacks without a registration round trip being stored anywhere. Live mode never uses
it: there the provider issues the secret and it is configured in ``BETAL_PROVIDER_CREDENTIALS``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def sandbox_webhook_secret(secret_key: str, url: str) -> str:
    """The secret betal's simulators issue for a webhook URL (sandbox mode only)."""
    digest = hmac.new(secret_key.encode(), f"betal-sandbox-webhook:{url}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
