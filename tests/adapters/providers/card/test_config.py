"""Card acquirer settings: the sandbox secret key and derived webhook secret, live credentials."""

from __future__ import annotations

import pytest

from betal.adapters.providers.card.config import SANDBOX_SECRET_KEY, CardConfig
from betal.config import ConfigError, Mode, Settings

SECRET = "test-secret-key-for-betal-tests-only-0123456789"


class TestCardConfig:
    def test_sandbox(self) -> None:
        config = CardConfig.from_settings(Settings(secret_key=SECRET, base_url="http://localhost:9000"))
        assert config.sandbox
        assert config.base_url == "http://localhost:9000/sandbox/card"
        assert config.secret_key.get_secret_value() == SANDBOX_SECRET_KEY
        assert config.webhook_url == "http://localhost:9000/hooks/card"
        # computed independently: printf 'betal-sandbox-webhook:http://localhost:9000/hooks/card' |
        # openssl dgst -sha256 -hmac "$SECRET" -binary | base64 | tr '+/' '-_' | tr -d '='
        assert config.webhook_secret.get_secret_value() == "DHEPdzY7_OV8lFM5e8lZtimpZ7I5i2NqIqaamL1rNoY"

    def test_live(self) -> None:
        settings = Settings(
            mode=Mode.LIVE,
            secret_key=SECRET,
            base_url="https://betal.example",
            provider_urls={"card": "https://api.acquirer.example"},
            provider_credentials={"card": {"secret_key": "sk_live_1", "webhook_secret": "whsec_1"}},
        )
        config = CardConfig.from_settings(settings)
        assert (config.sandbox, config.base_url) == (False, "https://api.acquirer.example")
        assert config.secret_key.get_secret_value() == "sk_live_1"
        assert config.webhook_secret.get_secret_value() == "whsec_1"
        assert "sk_live_1" not in repr(config)

    def test_live_needs_a_base_url(self) -> None:
        with pytest.raises(ConfigError, match="card"):
            CardConfig.from_settings(Settings(mode=Mode.LIVE, secret_key=SECRET))
