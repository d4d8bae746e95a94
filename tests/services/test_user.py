"""Users: registration rules and password login with argon2."""

from __future__ import annotations

import pytest

from betal.bootstrap import Container
from betal.domain.errors import Conflict, InvalidInput, Unauthenticated
from betal.services.user import authenticate_user, register_user


class TestRegisterUser:
    def test_password_is_hashed_with_argon2(self, container: Container) -> None:
        with container.uow() as uow:
            user = register_user(
                uow, container.hasher, email=" Mette@Hansen.DK ", name="Mette", password="correct horse"
            )
        assert user.email == "mette@hansen.dk"
        assert user.password_hash.startswith("$argon2id$")
        assert "correct horse" not in user.password_hash

    @pytest.mark.parametrize(
        ("email", "password", "locale", "field"),
        [
            ("not-an-email", "0123456789", "da", "email"),
            ("a@b.dk", "short", "da", "password"),
            ("a@b.dk", "0123456789", "fr", "locale"),
        ],
    )
    def test_bad_input(
        self, container: Container, email: str, password: str, locale: str, field: str
    ) -> None:
        with container.uow() as uow, pytest.raises(InvalidInput) as info:
            register_user(uow, container.hasher, email=email, name="N", password=password, locale=locale)
        assert info.value.errors[0].field == field

    def test_email_unique_case_insensitive(self, container: Container) -> None:
        with container.uow() as uow:
            register_user(uow, container.hasher, email="x@y.dk", name="X", password="0123456789")
        with container.uow() as uow, pytest.raises(Conflict):
            register_user(uow, container.hasher, email="X@Y.DK", name="X", password="0123456789")


class TestAuthenticateUser:
    def test_right_and_wrong_password(self, container: Container) -> None:
        with container.uow() as uow:
            user = register_user(uow, container.hasher, email="x@y.dk", name="X", password="0123456789")
        with container.uow() as uow:
            assert (
                authenticate_user(uow, container.hasher, email="X@y.dk", password="0123456789").id == user.id
            )
            with pytest.raises(Unauthenticated, match="wrong e-mail or password"):
                authenticate_user(uow, container.hasher, email="x@y.dk", password="0123456788")
            with pytest.raises(Unauthenticated, match="wrong e-mail or password"):
                authenticate_user(uow, container.hasher, email="nobody@y.dk", password="0123456789")
