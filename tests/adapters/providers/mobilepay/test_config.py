"""MobilePay settings: sandbox credentials and derived webhook secret, live credentials."""

from __future__ import annotations

import pytest

from betal.adapters.providers.mobilepay.config import (
    SANDBOX_CLIENT_ID,
    MobilePayConfig,
    sandbox_webhook_secret,
)
from betal.config import ConfigError, Mode, Settings

SECRET = "test-secret-key-for-betal-tests-only-0123456789"


class TestSandbox:
    def test_points_at_the_simulator(self) -> None:
        config = MobilePayConfig.from_settings(Settings(secret_key=SECRET, base_url="http://localhost:9000/"))
        assert config.sandbox
        assert config.base_url == "http://localhost:9000/sandbox/mobilepay"
        assert config.client_id == SANDBOX_CLIENT_ID
        assert config.webhook_url == "http://localhost:9000/hooks/mobilepay"
        assert config.webhook_secret.get_secret_value() == sandbox_webhook_secret(SECRET, config.webhook_url)

    def test_the_derived_secret_is_a_fixed_function_of_key_and_url(self) -> None:
        # computed independently: printf 'betal-sandbox-webhook:<url>' | openssl dgst -sha256 -hmac "$SECRET"
        # -binary | base64 | tr '+/' '-_' | tr -d '='
        secret = sandbox_webhook_secret(SECRET, "http://localhost:9000/hooks/mobilepay")
        assert secret == "RyUo26ZGm14R7yPByln00RP9UwWhsmEnhi5GAjyvr6M"
        assert sandbox_webhook_secret(SECRET, "http://localhost:9001/hooks/mobilepay") != secret
        assert (
            sandbox_webhook_secret("another-secret-key-0123456789", "http://localhost:9000/hooks/mobilepay")
            != secret
        )

    def test_secrets_are_not_printed(self) -> None:
        config = MobilePayConfig.from_settings(Settings(secret_key=SECRET))
        assert config.client_secret.get_secret_value() not in repr(config)
        assert config.webhook_secret.get_secret_value() not in repr(config)


class TestLive:
    def test_credentials_from_settings(self) -> None:
        settings = Settings(
            mode=Mode.LIVE,
            secret_key=SECRET,
            base_url="https://betal.example",
            provider_urls={"mobilepay": "https://api.vipps.no"},
            provider_credentials={
                "mobilepay": {
                    "client_id": "cid",
                    "client_secret": "csecret",
                    "subscription_key": "sub",
                    "webhook_secret": "whsecret",
                }
            },
        )
        config = MobilePayConfig.from_settings(settings)
        assert not config.sandbox
        assert config.base_url == "https://api.vipps.no"
        assert (config.client_id, config.client_secret.get_secret_value()) == ("cid", "csecret")
        assert config.subscription_key.get_secret_value() == "sub"
        assert config.webhook_secret.get_secret_value() == "whsecret"
        assert config.webhook_url == "https://betal.example/hooks/mobilepay"

    def test_live_needs_a_base_url(self) -> None:
        with pytest.raises(ConfigError, match="mobilepay"):
            MobilePayConfig.from_settings(Settings(mode=Mode.LIVE, secret_key=SECRET))
