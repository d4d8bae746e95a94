"""Betalingsservice (Nets / Mastercard Payment Services) direct debit: mandates and collections.

docs/providers/betalingsservice.md; file formats in ``betal.formats.dk_betalingsservice``.
"""

from __future__ import annotations

from betal.adapters.providers.betalingsservice.provider import BetalingsserviceProvider

PROVIDER = BetalingsserviceProvider

__all__ = ["PROVIDER", "BetalingsserviceProvider"]
