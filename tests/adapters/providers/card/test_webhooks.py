"""Card-Signature verification over a signed sample with a fixed secret (data/)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from betal.adapters.providers.card import webhooks
from betal.domain.errors import InvalidInput

SAMPLE: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "webhook_payment_captured.json").read_text()
)
SIGNED_AT = datetime.fromisoformat(SAMPLE["signed_at"])
BODY = SAMPLE["body"].encode()
HEADER = SAMPLE["headers"]["Card-Signature"]


class TestVerify:
    def test_the_sample_verifies(self) -> None:
        webhooks.verify(SAMPLE["secret"], HEADER, BODY, SIGNED_AT)
        webhooks.verify(SAMPLE["secret"], HEADER, BODY, SIGNED_AT + timedelta(seconds=300))

    def test_the_sample_follows_the_scheme(self) -> None:
        timestamp = str(int(SIGNED_AT.timestamp()))
        mac = hmac.new(SAMPLE["secret"].encode(), f"{timestamp}.".encode() + BODY, hashlib.sha256).hexdigest()
        assert f"t={timestamp},v1={mac}" == HEADER

    def test_a_rotated_secret_may_sign_twice(self) -> None:
        other = webhooks.sign("old-secret", BODY, SIGNED_AT).split(",")[1]
        webhooks.verify(SAMPLE["secret"], f"{HEADER},{other}", BODY, SIGNED_AT)
        webhooks.verify("old-secret", f"{HEADER},{other}", BODY, SIGNED_AT)

    def test_tampered_body(self) -> None:
        with pytest.raises(webhooks.InvalidSignature, match="does not match"):
            webhooks.verify(SAMPLE["secret"], HEADER, BODY.replace(b"CAPTURED", b"REFUNDED"), SIGNED_AT)

    def test_wrong_secret(self) -> None:
        with pytest.raises(webhooks.InvalidSignature, match="does not match"):
            webhooks.verify("another-secret", HEADER, BODY, SIGNED_AT)

    def test_no_secret(self) -> None:
        with pytest.raises(webhooks.InvalidSignature, match="no card webhook secret"):
            webhooks.verify("", HEADER, BODY, SIGNED_AT)

    @pytest.mark.parametrize("shift", [timedelta(seconds=301), -timedelta(minutes=10)])
    def test_stale_or_future(self, shift: timedelta) -> None:
        with pytest.raises(webhooks.InvalidSignature, match="too old or in the future"):
            webhooks.verify(SAMPLE["secret"], HEADER, BODY, SIGNED_AT + shift)

    def test_a_replayed_timestamp_cannot_be_moved(self) -> None:
        forged = HEADER.replace(f"t={int(SIGNED_AT.timestamp())}", f"t={int(SIGNED_AT.timestamp()) + 600}")
        with pytest.raises(webhooks.InvalidSignature, match="does not match"):
            webhooks.verify(SAMPLE["secret"], forged, BODY, SIGNED_AT + timedelta(seconds=600))

    @pytest.mark.parametrize("header", ["", "v1=abc", "t=abc,v1=abc", "t=1,t=2,v1=abc", "t=1795340460"])
    def test_malformed(self, header: str) -> None:
        with pytest.raises(webhooks.InvalidSignature, match="missing or malformed"):
            webhooks.verify(SAMPLE["secret"], header, BODY, SIGNED_AT)


class TestParse:
    def test_the_sample(self) -> None:
        callback = webhooks.parse(BODY)
        assert callback == webhooks.Callback(
            "evt_5f0c2a9be1d34c7a8e6b1f20", "payment.captured", callback.payment_id
        )
        assert callback.provider_reference == json.loads(BODY)["data"]["paymentId"]

    @pytest.mark.parametrize(
        "body", [b"", b"[]", b'{"id": "evt_1"}', b'{"id": "e", "type": "t", "data": {}}']
    )
    def test_malformed(self, body: bytes) -> None:
        with pytest.raises(InvalidInput, match="not a card acquirer event"):
            webhooks.parse(body)

    def test_only_payment_events(self) -> None:
        body = json.dumps({"id": "evt_1", "type": "payout.paid", "data": {"paymentId": "p"}}).encode()
        with pytest.raises(InvalidInput, match="unexpected event type"):
            webhooks.parse(body)
