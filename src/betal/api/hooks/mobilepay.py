"""``POST /hooks/mobilepay``: MobilePay ePayment webhooks (standards §8.1; developer.vippsmobilepay.com
/docs/APIs/webhooks-api).

The signature (``x-ms-date``, ``x-ms-content-sha256``, ``Authorization: HMAC-SHA256 ...``) covers the raw
body, this path and the ``Host`` header. The callback only says *that* something happened: betal reads
the payment back from MobilePay (``get_payment``, which also captures an authorised payment) and settles
once per event id (``pspReference:name``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from betal.api.hooks._common import handle_callback, raw_body

router = APIRouter(include_in_schema=False)


@router.post("/hooks/mobilepay")
def mobilepay_callback(request: Request, body: bytes = Depends(raw_body)) -> Response:
    return handle_callback(request, "mobilepay", body)
