"""Open banking settings: the sandbox bank by default, live URL and credentials from the environment."""

from __future__ import annotations

import pytest

from betal.adapters.providers.openbanking.config import DEFAULT_PSU_IP_ADDRESS, OpenBankingConfig
from betal.config import ConfigError, Mode, Settings

LIVE_SECRET = "a-live-secret-key-that-is-long-enough-0123456789"


class TestFromSettings:
    def test_sandbox_points_at_the_sandbox_bank(self) -> None:
        config = OpenBankingConfig.from_settings(Settings(base_url="http://localhost:8000/"))
        assert config.base_url == "http://localhost:8000/sandbox/openbanking"
        assert config.timeout_seconds == 10.0
        assert config.psu_ip_address == DEFAULT_PSU_IP_ADDRESS
        assert (config.access_token, config.client_cert) == (None, None)

    def test_live_url_and_credentials(self) -> None:
        settings = Settings(
            mode=Mode.LIVE,
            secret_key=LIVE_SECRET,
            provider_urls={"openbanking": "https://psd2.bank.example/berlingroup"},
            provider_credentials={
                "openbanking": {
                    "access_token": "s3cret-token",
                    "client_cert_file": "/etc/betal/qwac.pem",
                    "client_key_file": "/etc/betal/qwac.key",
                    "psu_ip_address": "192.0.2.10",
                }
            },
        )
        config = OpenBankingConfig.from_settings(settings)
        assert config.base_url == "https://psd2.bank.example/berlingroup"
        assert config.access_token is not None
        assert config.access_token.get_secret_value() == "s3cret-token"
        assert "s3cret-token" not in repr(config)
        assert config.client_cert == ("/etc/betal/qwac.pem", "/etc/betal/qwac.key")
        assert config.psu_ip_address == "192.0.2.10"

    def test_live_needs_a_url(self) -> None:
        with pytest.raises(ConfigError, match="openbanking"):
            OpenBankingConfig.from_settings(Settings(mode=Mode.LIVE, secret_key=LIVE_SECRET))

    def test_one_pem_file_with_certificate_and_key(self) -> None:
        config = OpenBankingConfig(base_url="https://bank.example", client_cert_file="/etc/betal/qwac.pem")
        assert config.client_cert == ("/etc/betal/qwac.pem", "/etc/betal/qwac.pem")
