"""Signed link tokens: tamper-evident, one purpose each, optionally expiring."""

from __future__ import annotations

import pytest

from betal.adapters.signing import ItsdangerousSigner
from betal.domain.errors import InvalidInput


class TestItsdangerousSigner:
    def test_round_trip(self) -> None:
        signer = ItsdangerousSigner("k" * 32)
        assert signer.unsign(signer.sign("preq_1", purpose="pay"), purpose="pay") == "preq_1"

    def test_tampered_foreign_and_other_purpose(self) -> None:
        signer = ItsdangerousSigner("k" * 32)
        token = signer.sign("preq_1", purpose="pay")
        for bad, purpose in ((token[:-2] + "xx", "pay"), (token, "approve"), ("junk", "pay")):
            with pytest.raises(InvalidInput) as info:
                signer.unsign(bad, purpose=purpose)
            assert info.value.code == "token.invalid"
        with pytest.raises(InvalidInput):
            ItsdangerousSigner("z" * 32).unsign(token, purpose="pay")

    def test_expiry(self) -> None:
        signer = ItsdangerousSigner("k" * 32)
        token = signer.sign("x", purpose="approve")
        with pytest.raises(InvalidInput) as info:
            signer.unsign(token, purpose="approve", max_age_seconds=-1)
        assert info.value.code == "token.expired"
