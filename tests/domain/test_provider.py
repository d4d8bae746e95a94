"""Errors that cross the provider port."""

from __future__ import annotations

from betal.domain.errors import BetalError
from betal.domain.provider import NotSupported, ProviderRateLimited, ProviderRejected, ProviderUnavailable


class TestProviderErrors:
    def test_kinds_and_details(self) -> None:
        assert ProviderRateLimited("slow", retry_after=7).retry_after == 7
        assert ProviderRejected("no", provider_code="6080").provider_code == "6080"
        for error in (ProviderUnavailable("x"), NotSupported("x")):
            assert isinstance(error, BetalError)
        assert {ProviderUnavailable.code, ProviderRejected.code, NotSupported.code} == {
            "provider.unavailable", "provider.rejected", "provider.not_supported",
        }  # fmt: skip
