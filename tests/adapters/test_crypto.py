"""Encryption at rest and blind indexes derived from the installation secret."""

from __future__ import annotations

import pytest

from betal.adapters.crypto import AesGcmCipher, derive_key
from betal.domain.errors import InvalidInput


class TestAesGcmCipher:
    def test_round_trip_and_randomised(self) -> None:
        cipher = AesGcmCipher("secret-one-0123456789")
        a, b = cipher.encrypt("0101901234"), cipher.encrypt("0101901234")
        assert a != b
        assert "0101901234" not in a
        assert cipher.decrypt(a) == cipher.decrypt(b) == "0101901234"

    def test_other_key_or_tampering_fails(self) -> None:
        token = AesGcmCipher("secret-one-0123456789").encrypt("0101901234")
        with pytest.raises(InvalidInput):
            AesGcmCipher("secret-two-0123456789").decrypt(token)
        with pytest.raises(InvalidInput):
            AesGcmCipher("secret-one-0123456789").decrypt(token[:-4] + "AAAA")
        with pytest.raises(InvalidInput, match="version"):
            AesGcmCipher("secret-one-0123456789").decrypt("v0:" + token[3:])

    def test_blind_index_is_stable_per_key(self) -> None:
        one, two = AesGcmCipher("secret-one-0123456789"), AesGcmCipher("secret-two-0123456789")
        assert one.blind_index("0101901234") == one.blind_index("0101901234")
        assert one.blind_index("0101901234") != two.blind_index("0101901234")
        assert one.blind_index("0101901234") != one.blind_index("0101901235")

    def test_keys_per_purpose_differ(self) -> None:
        assert derive_key("s" * 20, "a") != derive_key("s" * 20, "b")
        assert len(derive_key("s" * 20, "a")) == 32
