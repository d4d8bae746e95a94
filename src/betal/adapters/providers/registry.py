"""The configured payment providers, one per method, built lazily from settings.

Sandbox mode points every provider at betal's own simulators (``{base_url}/sandbox/<key>``), which
speak the provider's protocol; live mode changes only base URLs and credentials.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

from betal.config import Settings
from betal.domain.payment_method import Method
from betal.domain.provider import Capability, NotSupported
from betal.ports import CallbackProvider, MandateProvider, PaymentProvider

# method -> (provider key, "module:Class"); the module is imported on first use.
_OPENBANKING = ("openbanking", "betal.adapters.providers.openbanking.provider:OpenBankingProvider")
PAYMENT_PROVIDERS: dict[Method, tuple[str, str]] = {
    Method.ACCOUNT_TO_ACCOUNT: _OPENBANKING,
    Method.FI_CARD: _OPENBANKING,
    Method.MOBILEPAY: ("mobilepay", "betal.adapters.providers.mobilepay.provider:MobilePayProvider"),
    Method.CARD: ("card", "betal.adapters.providers.card.provider:CardProvider"),
}
MANDATE_PROVIDER = (
    "betalingsservice",
    "betal.adapters.providers.betalingsservice.provider:BetalingsserviceProvider",
)
PAYMENT_PROVIDERS[Method.BETALINGSSERVICE] = MANDATE_PROVIDER  # collections on a mandate are payments too


def provider_key(method: Method) -> str:
    return PAYMENT_PROVIDERS[method][0]


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class ConfiguredProviders:
    """Implements ``ports.Providers``; each provider class is built with ``(settings)``."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._built: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _get(self, key: str, path: str) -> Any:
        with self._lock:
            if key not in self._built:
                self._built[key] = _load(path)(self._settings)
            return self._built[key]

    def for_method(self, method: Method) -> PaymentProvider:
        if method not in PAYMENT_PROVIDERS:
            raise NotSupported(f"{method.value} is not paid through a payment provider")
        key, path = PAYMENT_PROVIDERS[method]
        provider: PaymentProvider = self._get(key, path)
        return provider

    def mandates(self) -> MandateProvider:
        provider: MandateProvider = self._get(*MANDATE_PROVIDER)
        return provider

    def callbacks(self, key: str) -> CallbackProvider:
        provider = self.by_key(key)
        if Capability.WEBHOOK not in getattr(provider, "capabilities", frozenset()):
            raise NotSupported(f"{key} sends no callbacks")
        callback_provider: CallbackProvider = provider
        return callback_provider

    def by_key(self, key: str) -> Any:
        """A provider by its key (for callbacks that name the provider in their path)."""
        for method_key, path in PAYMENT_PROVIDERS.values():
            if method_key == key:
                return self._get(key, path)
        raise NotSupported(f"no provider {key!r}")
