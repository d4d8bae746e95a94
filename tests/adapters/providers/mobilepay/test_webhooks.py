"""MobilePay callback signatures (standards §8.1) over a signed sample with a fixed secret (data/)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from betal.adapters.providers.mobilepay import webhooks
from betal.domain.errors import InvalidInput

SAMPLE: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "webhook_authorized.json").read_text())
SIGNED_AT = datetime.fromisoformat(SAMPLE["signed_at"])
BODY = SAMPLE["body"].encode()


def check(
    *,
    secret: str = SAMPLE["secret"],
    headers: dict[str, str] | None = None,
    body: bytes = BODY,
    now: datetime = SIGNED_AT,
    path: str = SAMPLE["path_and_query"],
) -> None:
    webhooks.verify(secret, path_and_query=path, headers=headers or SAMPLE["headers"], body=body, now=now)


class TestVerify:
    def test_the_sample_verifies(self) -> None:
        check()
        check(now=SIGNED_AT + timedelta(minutes=4, seconds=59))
        check(headers={k.upper(): v for k, v in SAMPLE["headers"].items()})  # header names are case-blind

    def test_the_sample_follows_the_spec_string_to_sign(self) -> None:
        headers = SAMPLE["headers"]
        digest = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
        message = f"POST\n/hooks/mobilepay\n{headers['x-ms-date']};betal.example;{digest}"
        mac = hmac.new(SAMPLE["secret"].encode(), message.encode(), hashlib.sha256).digest()
        assert headers["x-ms-content-sha256"] == digest
        assert headers["Authorization"] == (
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="
            + base64.b64encode(mac).decode()
        )

    def test_sign_round_trip(self) -> None:
        now = SIGNED_AT + timedelta(days=3)
        headers = webhooks.sign(
            "s3cret", path_and_query="/hooks/mobilepay?x=1", host="h:8000", body=b"{}", now=now
        )
        webhooks.verify(
            "s3cret",
            path_and_query="/hooks/mobilepay?x=1",
            headers=headers | {"host": "h:8000"},
            body=b"{}",
            now=now,
        )

    def test_tampered_body(self) -> None:
        with pytest.raises(webhooks.InvalidSignature, match="does not match the body"):
            check(body=BODY.replace(b"12500", b"99999"))

    def test_tampered_body_with_a_matching_hash(self) -> None:
        body = BODY.replace(b"12500", b"99999")
        headers = SAMPLE["headers"] | {"x-ms-content-sha256": webhooks.content_hash(body)}
        with pytest.raises(webhooks.InvalidSignature, match="signature does not match"):
            check(body=body, headers=headers)

    def test_wrong_secret(self) -> None:
        with pytest.raises(webhooks.InvalidSignature, match="signature does not match"):
            check(secret="another-secret")

    def test_no_secret(self) -> None:
        with pytest.raises(webhooks.InvalidSignature, match="no MobilePay webhook secret"):
            check(secret="")

    def test_another_path_or_host(self) -> None:
        with pytest.raises(webhooks.InvalidSignature):
            check(path="/hooks/card")
        with pytest.raises(webhooks.InvalidSignature):
            check(headers=SAMPLE["headers"] | {"Host": "evil.example"})

    @pytest.mark.parametrize("shift", [timedelta(minutes=5, seconds=1), -timedelta(minutes=6)])
    def test_stale_or_future_date(self, shift: timedelta) -> None:
        with pytest.raises(webhooks.InvalidSignature, match="too old or in the future"):
            check(now=SIGNED_AT + shift)

    @pytest.mark.parametrize("date", ["", "yesterday", "2026-11-22T09:41:00"])
    def test_malformed_date(self, date: str) -> None:
        with pytest.raises(webhooks.InvalidSignature, match="x-ms-date"):
            check(headers=SAMPLE["headers"] | {"x-ms-date": date})

    @pytest.mark.parametrize(
        "authorization",
        ["", "Bearer abc", "HMAC-SHA256 SignedHeaders=host&Signature=x", "HMAC-SHA256 Signature=abc"],
    )
    def test_malformed_authorization(self, authorization: str) -> None:
        with pytest.raises(webhooks.InvalidSignature):
            check(headers=SAMPLE["headers"] | {"Authorization": authorization})


class TestParse:
    def test_the_sample(self) -> None:
        callback = webhooks.parse(BODY)
        assert callback == webhooks.Callback(
            "123456", "pay-01JD5Z8Q3W0000000000000001", "7686f7788898767977", "AUTHORIZED"
        )
        assert callback.event_id == "7686f7788898767977:AUTHORIZED"
        assert callback.provider_reference == "123456:pay-01JD5Z8Q3W0000000000000001"

    @pytest.mark.parametrize("body", [b"", b"[]", b"{}", b'{"msn": "1"}', b"not json"])
    def test_malformed(self, body: bytes) -> None:
        with pytest.raises(InvalidInput, match="not a MobilePay ePayment webhook"):
            webhooks.parse(body)

    def test_unknown_event_name(self) -> None:
        body = json.dumps(json.loads(BODY) | {"name": "PAID"}).encode()
        with pytest.raises(InvalidInput, match="unknown event name"):
            webhooks.parse(body)
