"""Card payments through an acquirer's hosted payment page (docs/providers/card.md).

The API is the common shape of Nets Easy / Nexi Checkout (developer.nexigroup.com/nexi-checkout) and
Stripe Checkout (docs.stripe.com/api/checkout/sessions): create a payment, send the payer to the
acquirer's page, read the payment back, refund, cancel, and signed callbacks.
"""

from __future__ import annotations

from betal.adapters.providers.card.provider import CardProvider

PROVIDER = CardProvider
