"""The provider registry: every method maps to a provider key and class."""

from __future__ import annotations

import pytest

from betal.adapters.providers.registry import PAYMENT_PROVIDERS, ConfiguredProviders, provider_key
from betal.config import Settings
from betal.domain.payment_method import Method
from betal.domain.provider import NotSupported


class TestRegistry:
    def test_every_method_has_a_provider(self) -> None:
        assert set(PAYMENT_PROVIDERS) == set(Method)
        assert provider_key(Method.FI_CARD) == provider_key(Method.ACCOUNT_TO_ACCOUNT) == "openbanking"
        assert provider_key(Method.BETALINGSSERVICE) == "betalingsservice"

    def test_unknown_key(self) -> None:
        with pytest.raises(NotSupported):
            ConfiguredProviders(Settings()).by_key("paypal")

    def test_sandbox_urls_point_at_the_simulators(self) -> None:
        settings = Settings(base_url="http://localhost:9000/")
        assert settings.provider_url("mobilepay") == "http://localhost:9000/sandbox/mobilepay"
