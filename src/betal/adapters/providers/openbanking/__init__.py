"""Account-to-account and FI-kort "pay now" payments through a Berlin Group NextGenPSD2 PIS bank API.

See docs/providers/openbanking.md and shared/standards/danish-payments.md §9.
"""

from betal.adapters.providers.openbanking.provider import OpenBankingProvider

PROVIDER = OpenBankingProvider

__all__ = ["PROVIDER", "OpenBankingProvider"]
