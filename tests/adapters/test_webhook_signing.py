from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from betal.adapters.webhook_signing import StandardWebhooksSigner
from betal.domain.webhook import new_secret

VECTOR = json.loads((Path(__file__).parent / "data" / "standard_webhooks_vector.json").read_text("utf-8"))
SIGNER = StandardWebhooksSigner()


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


class TestSign:
    def test_the_specification_test_vector(self) -> None:
        signature = SIGNER.sign(
            [VECTOR["secret"]], VECTOR["id"], at(VECTOR["timestamp"]), VECTOR["body"].encode()
        )
        assert signature == VECTOR["signature"]

    def test_it_is_hmac_sha256_of_id_timestamp_body_keyed_by_the_secret(self) -> None:
        secret = new_secret()
        body = '{"id":"evt_1","data":{"name":"Søren Ærø"}}'.encode()
        key = base64.b64decode(secret.removeprefix("whsec_"))
        digest = hmac.new(key, b"del_1.1772442000." + body, hashlib.sha256).digest()
        assert (
            SIGNER.sign([secret], "del_1", at(1772442000), body) == "v1," + base64.b64encode(digest).decode()
        )

    def test_the_library_verifies_the_raw_body(self) -> None:
        secret = new_secret()
        now = datetime.now(UTC)
        body = '{"type":"payment.succeeded","data":{"amount":12500,"by":"Åse"}}'.encode()
        headers = {
            "webhook-id": "del_01JQ3Z8K6V4N2B7C9D0E1F2G3H",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": SIGNER.sign([secret], "del_01JQ3Z8K6V4N2B7C9D0E1F2G3H", now, body),
        }
        assert Webhook(secret).verify(body, headers)["data"]["by"] == "Åse"
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(body.replace(b"12500", b"12501"), headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(new_secret()).verify(body, headers)

    def test_two_secrets_give_two_entries_either_verifies(self) -> None:
        new, old = new_secret(), new_secret()
        now = datetime.now(UTC)
        signature = SIGNER.sign([new, old], "del_1", now, b"{}")
        entries = signature.split(" ")
        assert len(entries) == 2
        assert all(e.startswith("v1,") for e in entries)
        headers = {
            "webhook-id": "del_1",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
        }
        for secret in (new, old):
            Webhook(secret).verify(b"{}", headers)

    def test_the_timestamp_is_taken_in_utc(self) -> None:
        copenhagen = at(VECTOR["timestamp"]).astimezone(timezone(timedelta(hours=1)))
        assert (
            SIGNER.sign([VECTOR["secret"]], VECTOR["id"], copenhagen, VECTOR["body"].encode())
            == VECTOR["signature"]
        )

    def test_no_secret_or_a_naive_time_is_refused(self) -> None:
        with pytest.raises(ValueError, match="at least one secret"):
            SIGNER.sign([], "del_1", datetime.now(UTC), b"{}")
        with pytest.raises(ValueError, match="timezone-aware"):
            SIGNER.sign([new_secret()], "del_1", datetime(2026, 3, 2, 9, 0), b"{}")
