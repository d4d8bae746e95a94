"""``POST /hooks/card``: the card acquirer's signed callbacks (docs/providers/card.md "Webhooks").

``Card-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">`` covers the raw body; betal then reads
the payment back from the acquirer and settles it once per event id.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from betal.api.hooks._common import handle_callback, raw_body

router = APIRouter(include_in_schema=False)


@router.post("/hooks/card")
def card_callback(request: Request, body: bytes = Depends(raw_body)) -> Response:
    return handle_callback(request, "card", body)
