"""Web Push subscriptions: endpoint, p256dh and auth checks (RFC 8291 §3.1/§3.2), and the push payload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from betal.domain.errors import InvalidInput
from betal.domain.push import (
    MAX_PAYLOAD_BYTES,
    b64url_decode,
    b64url_encode,
    first_link,
    is_p256_point,
    push_payload,
    validate_subscription,
)

VECTORS: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "push_subscription.json").read_text())
P256DH = VECTORS["valid"]["p256dh"]
AUTH = VECTORS["valid"]["auth"]
ENDPOINT = "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b"


def _problems(**fields: object) -> dict[str, str]:
    values: dict[str, object] = {"endpoint": ENDPOINT, "p256dh": P256DH, "auth": AUTH, **fields}
    with pytest.raises(InvalidInput) as info:
        validate_subscription(values["endpoint"], values["p256dh"], values["auth"])
    assert info.value.code == "push_subscription.invalid"
    return {p.field: p.message for p in info.value.errors}


def _cryptography_accepts(raw: bytes) -> bool:
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


class TestValidateSubscription:
    def test_rfc_8291_keys_are_accepted_and_kept_unpadded(self) -> None:
        checked = validate_subscription(ENDPOINT, P256DH + "=", AUTH + "==")
        assert (checked.endpoint, checked.p256dh, checked.auth) == (ENDPOINT, P256DH, AUTH)

    @pytest.mark.parametrize("case", VECTORS["invalid_p256dh"], ids=lambda c: c["case"])
    def test_bad_p256dh_names_the_field(self, case: dict[str, str]) -> None:
        problems = _problems(p256dh=case["value"])
        assert list(problems) == ["keys.p256dh"]
        assert case["message"] in problems["keys.p256dh"]

    @pytest.mark.parametrize("case", VECTORS["invalid_auth"], ids=lambda c: c["case"])
    def test_bad_auth_names_the_field(self, case: dict[str, str]) -> None:
        problems = _problems(auth=case["value"])
        assert list(problems) == ["keys.auth"]
        assert case["message"] in problems["keys.auth"]

    @pytest.mark.parametrize(
        ("endpoint", "message"),
        [("http://push.example.com/x", "https"), ("ftp://push.example.com/x", "https"),
         ("https:///no-host", "host"), ("https://user:pw@push.example.com/x", "credentials"),
         ("https://push.example.com/x#frag", "fragment"), ("https://push.example.com:99999/x", "not a URL"),
         ("https://push.example.com/a b", "spaces"), ("https://push.example.com/" + "a" * 1000, "at most"),
         ("", "required"), (None, "required"), (42, "required")],
    )  # fmt: skip
    def test_bad_endpoint(self, endpoint: object, message: str) -> None:
        problems = _problems(endpoint=endpoint)
        assert list(problems) == ["endpoint"]
        assert message in problems["endpoint"]

    def test_every_bad_field_is_reported_at_once(self) -> None:
        problems = _problems(endpoint="http://x.example", p256dh=None, auth="!!")
        assert set(problems) == {"endpoint", "keys.p256dh", "keys.auth"}

    def test_local_http_only_when_allowed(self) -> None:
        for host in ("127.0.0.1:8123", "localhost"):
            url = f"http://{host}/push/1"
            assert validate_subscription(url, P256DH, AUTH, allow_local_http=True).endpoint == url
            with pytest.raises(InvalidInput):
                validate_subscription(url, P256DH, AUTH)
        with pytest.raises(InvalidInput):
            validate_subscription("http://push.example.com/1", P256DH, AUTH, allow_local_http=True)


class TestIsP256Point:
    def test_agrees_with_cryptography_on_the_uncompressed_vectors(self) -> None:
        values = [P256DH] + [c["value"] for c in VECTORS["invalid_p256dh"]]
        for value in values:
            raw = b64url_decode(value)
            if raw is not None and len(raw) == 65 and raw[0] == 4:
                assert is_p256_point(raw) == _cryptography_accepts(raw), value

    def test_only_uncompressed_points(self) -> None:
        raw = b64url_decode(P256DH)
        assert raw is not None
        compressed = bytes([2 + raw[-1] % 2]) + raw[1:33]
        assert _cryptography_accepts(compressed)
        assert not is_p256_point(compressed)

    def test_fresh_keys_are_points(self) -> None:
        from cryptography.hazmat.primitives import serialization

        for _ in range(5):
            point = (
                ec.generate_private_key(ec.SECP256R1())
                .public_key()
                .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
            )
            assert is_p256_point(point)

    @given(st.binary(min_size=64, max_size=64))
    def test_random_coordinates_agree_with_cryptography(self, body: bytes) -> None:
        raw = b"\x04" + body
        assert is_p256_point(raw) == _cryptography_accepts(raw)


class TestBase64Url:
    @given(st.binary(min_size=1, max_size=80))
    def test_round_trip_with_and_without_padding(self, raw: bytes) -> None:
        text = b64url_encode(raw)
        assert "=" not in text
        assert b64url_decode(text) == raw
        assert b64url_decode(text + "=" * (-len(text) % 4)) == raw

    @pytest.mark.parametrize("text", ["a+b/", "abc$", "a", "ab=c", "abc==="])
    def test_rejects_other_alphabets_and_bad_padding(self, text: str) -> None:
        assert b64url_decode(text) is None


class TestNotification:
    def test_links_to_the_first_url_in_the_text(self) -> None:
        body = "Betal her: https://betal.example/pay/abc.def. Tak!\nSe også https://other.example"
        payload = push_payload("Husleje", body, "https://betal.example/inbox")
        assert payload == {"title": "Husleje", "body": body, "url": "https://betal.example/pay/abc.def"}

    def test_falls_back_to_the_inbox(self) -> None:
        assert (
            push_payload("Hej", "Ingen link", "https://b.example/inbox")["url"] == "https://b.example/inbox"
        )
        assert first_link("(se http://127.0.0.1:8000/pay/x)") == "http://127.0.0.1:8000/pay/x"

    def test_a_long_body_is_shortened_to_fit_one_push(self) -> None:
        body = 'Æøå "citat" ' * 600
        payload = push_payload("Påmindelse", body, "https://b.example/inbox")
        size = len(json.dumps(payload, ensure_ascii=False).encode())
        assert size <= MAX_PAYLOAD_BYTES
        assert payload["body"].endswith("…")
        assert body.startswith(payload["body"][:-1])
