"""argon2id password hashing."""

from __future__ import annotations

from betal.adapters.security import Argon2PasswordHasher


class TestArgon2PasswordHasher:
    def test_hash_and_verify(self) -> None:
        hasher = Argon2PasswordHasher(fast=True)
        digest = hasher.hash("correct horse battery")
        assert digest.startswith("$argon2id$")
        assert hasher.verify(digest, "correct horse battery")
        assert not hasher.verify(digest, "correct horse batterY")

    def test_salted(self) -> None:
        hasher = Argon2PasswordHasher(fast=True)
        assert hasher.hash("same") != hasher.hash("same")

    def test_garbage_hash_is_false_not_an_error(self) -> None:
        assert not Argon2PasswordHasher(fast=True).verify("not-a-hash", "x")

    def test_fast_hashes_need_rehash_under_production_parameters(self) -> None:
        fast = Argon2PasswordHasher(fast=True).hash("pw")
        assert Argon2PasswordHasher().needs_rehash(fast)
        assert not Argon2PasswordHasher(fast=True).needs_rehash(fast)
