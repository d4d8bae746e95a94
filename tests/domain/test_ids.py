"""Prefixed, time-ordered ids."""

from __future__ import annotations

import pytest

from betal.domain.ids import PREFIXES, has_prefix, new_id


class TestNewId:
    def test_shape(self) -> None:
        value = new_id("org")
        assert value.startswith("org_")
        assert len(value) == 4 + 26
        assert has_prefix(value, "org")
        assert not has_prefix(value, "cus")

    def test_sorted_by_time(self) -> None:
        ids = [new_id("evt", now_ms=ms) for ms in (1, 2, 1000, 2**40)]
        assert ids == sorted(ids)

    def test_body_is_the_ulid_crockford_base32_of_time_and_randomness(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
        for ms, random_bits in (
            (0, 0),
            (1, 1),
            (2**48 - 1, 2**80 - 1),
            (1_763_800_000_000, 0x1234_5678_9ABC_DEF0_1357),
        ):
            monkeypatch.setattr("betal.domain.ids.secrets.randbits", lambda _bits, r=random_bits: r)
            body = new_id("pay", now_ms=ms).removeprefix("pay_")
            value = sum(alphabet.index(c) << (5 * (25 - i)) for i, c in enumerate(body))
            assert value == (ms << 80) | random_bits

    def test_unique(self) -> None:
        assert len({new_id("job", now_ms=5) for _ in range(1000)}) == 1000

    def test_unknown_prefix(self) -> None:
        with pytest.raises(ValueError, match="unknown id prefix"):
            new_id("foo")

    def test_api_prefixes_are_known(self) -> None:
        api_md = {
            "org",
            "cus",
            "preq",
            "pay",
            "man",
            "rcol",
            "sup",
            "sinv",
            "pord",
            "appr",
            "bfile",
            "stmt",
            "ent",
            "evt",
            "whe",
            "job",
        }
        assert api_md <= PREFIXES


class TestHasPrefix:
    @pytest.mark.parametrize(
        "value", ["org_", "org_short", "ORG_01M807SYZQH74SRZ8RMP288C15", "org_01M807SYZQH74SRZ8RMP288CIL"]
    )
    def test_malformed(self, value: str) -> None:
        assert not has_prefix(value, "org")
