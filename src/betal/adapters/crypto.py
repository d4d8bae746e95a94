"""Encryption at rest (AES-256-GCM) and keyed blind indexes (HMAC-SHA256), keys derived from
``BETAL_SECRET_KEY`` with HKDF so one secret yields independent keys per purpose."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from betal.domain.errors import InvalidInput

_VERSION = "v1"


def derive_key(secret: str, purpose: str, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"betal", info=purpose.encode()).derive(
        secret.encode()
    )


class AesGcmCipher:
    def __init__(self, secret_key: str) -> None:
        self._aead = AESGCM(derive_key(secret_key, "encryption-at-rest"))
        self._index_key = derive_key(secret_key, "blind-index")

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), _VERSION.encode())
        return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str) -> str:
        version, _, body = token.partition(":")
        if version != _VERSION:
            raise InvalidInput("unknown ciphertext version", field="ciphertext")
        try:
            raw = base64.urlsafe_b64decode(body)
            return self._aead.decrypt(raw[:12], raw[12:], _VERSION.encode()).decode()
        except (InvalidTag, ValueError):
            raise InvalidInput("the ciphertext does not decrypt with this key", field="ciphertext") from None

    def blind_index(self, value: str) -> str:
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()
