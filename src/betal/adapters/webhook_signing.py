"""Standard Webhooks signatures with the ``standardwebhooks`` library (``ports.WebhookSigner``).

Spec: Standard Webhooks (standard-webhooks/standard-webhooks:spec/standard-webhooks.md), "Signature
scheme": the signed content is ``{webhook-id}.{webhook-timestamp}.{raw body}``, HMAC-SHA256 keyed with
base64-decode of the secret without its ``whsec_`` prefix, sent as ``v1,<base64>``; several signatures
(during a secret rotation) are space-separated. The library is ``standardwebhooks`` 1.1.0
(``Webhook(secret).sign(msg_id, timestamp, data)``); the standards notes §10 give the test vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook


class StandardWebhooksSigner:
    def sign(self, secrets: Sequence[str], message_id: str, timestamp: datetime, body: bytes) -> str:
        """One ``v1,`` entry per secret, in the order given, over the exact bytes sent."""
        if not secrets:
            raise ValueError("signing needs at least one secret")
        if timestamp.tzinfo is None:
            raise ValueError("the timestamp must be timezone-aware")
        at = timestamp.astimezone(UTC)
        text = body.decode("utf-8")
        return " ".join(Webhook(secret).sign(message_id, at, text) for secret in secrets)
