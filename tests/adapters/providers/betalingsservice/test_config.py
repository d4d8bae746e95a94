"""Betalingsservice settings from Settings: the simulator in sandbox mode, the configured exchange live."""

from __future__ import annotations

from betal.adapters.providers.betalingsservice.config import BetalingsserviceConfig
from betal.config import Settings
from tests.conftest import TEST_SECRET

LIVE_SECRET = "live-secret-key-for-betal-tests-0123456789abcdef"


class TestFromSettings:
    def test_sandbox_points_at_the_simulator(self) -> None:
        config = BetalingsserviceConfig.from_settings(
            Settings(secret_key=TEST_SECRET, base_url="http://h:1/")
        )
        assert config.base_url == "http://h:1/sandbox/betalingsservice"
        assert (config.data_supplier_number, config.token) == (None, None)

    def test_live_reads_url_and_credentials(self) -> None:
        settings = Settings(
            mode="live", secret_key=LIVE_SECRET,
            provider_urls={"betalingsservice": "https://files.example/bs/"},
            provider_credentials={"betalingsservice": {"data_supplier_number": "25313763", "token": "t0k"}},
        )  # type: ignore[arg-type]  # fmt: skip
        config = BetalingsserviceConfig.from_settings(settings)
        assert config.base_url == "https://files.example/bs"
        assert config.data_supplier_number == "25313763"
        assert config.token is not None
        assert config.token.get_secret_value() == "t0k"
        assert "t0k" not in repr(config)
