"""The derived sandbox webhook secret: a fixed function of BETAL_SECRET_KEY and the webhook URL."""

from __future__ import annotations

import re

from betal.adapters.providers.sandbox_secret import sandbox_webhook_secret

SECRET = "test-secret-key-for-betal-tests-only-0123456789"
URL = "http://localhost:9000/hooks/card"


class TestSandboxWebhookSecret:
    def test_known_vectors(self) -> None:
        # computed independently: printf 'betal-sandbox-webhook:<url>' | openssl dgst -sha256 -hmac "$SECRET"
        # -binary | base64 | tr '+/' '-_' | tr -d '='
        assert sandbox_webhook_secret(SECRET, URL) == "DHEPdzY7_OV8lFM5e8lZtimpZ7I5i2NqIqaamL1rNoY"
        mobilepay = "http://localhost:9000/hooks/mobilepay"
        assert sandbox_webhook_secret(SECRET, mobilepay) == "RyUo26ZGm14R7yPByln00RP9UwWhsmEnhi5GAjyvr6M"

    def test_depends_on_key_and_url(self) -> None:
        secret = sandbox_webhook_secret(SECRET, URL)
        assert sandbox_webhook_secret(SECRET, URL + "/") != secret
        assert sandbox_webhook_secret("another-secret-key-0123456789", URL) != secret

    def test_base64url_without_padding(self) -> None:
        for url in (URL, "https://betal.example/hooks/mobilepay?x=1", ""):
            assert re.fullmatch(r"[A-Za-z0-9_-]{43}", sandbox_webhook_secret(SECRET, url))
