"""MobilePay (Vipps MobilePay ePayment API): redirect payments, polling, signed callbacks.

Spec: developer.vippsmobilepay.com/api/epayment (ePayment API v1) and the webhooks API
(developer.vippsmobilepay.com/docs/APIs/webhooks-api); facts in standards/danish-payments.md §8.1.
"""

from __future__ import annotations

from betal.adapters.providers.mobilepay.provider import MobilePayProvider

PROVIDER = MobilePayProvider
