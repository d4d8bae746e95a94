"""Payment accounts: added by the owner, checked, the first one the default; listed by any role."""

from __future__ import annotations

import pytest

from betal.domain.errors import Conflict, Forbidden, InvalidInput
from betal.domain.tenancy import Role
from betal.services.payment_account import PaymentAccountInput, create_payment_account, list_payment_accounts
from tests.services.approval_support import World


def add(world: World, data: PaymentAccountInput, role: Role | None = None) -> object:
    with world.container.uow() as uow:
        return create_payment_account(uow, world.principal(None, role), data)


class TestCreatePaymentAccount:
    def test_a_danish_account_gets_its_iban_and_the_first_is_the_default(self, world: World) -> None:
        first = add(world, PaymentAccountInput("Drift", reg_no="0040", account_no="440116254"))
        second = add(world, PaymentAccountInput("Løn", iban="DK95 5301 0000 2440 41", is_default=True))
        with world.container.uow() as uow:
            accounts = list_payment_accounts(uow, world.principal(world.anna))
        assert [(a.name, a.iban, a.account_no, a.is_default) for a in accounts] == [
            ("Drift", "DK4400400440116254", "0440116254", False),
            ("Løn", "DK9553010000244041", "0000244041", True),
        ]
        assert first != second

    def test_every_problem_at_once(self, world: World) -> None:
        with pytest.raises(InvalidInput) as caught:
            add(world, PaymentAccountInput("Drift", iban="DK0000400440116254", bic="NOPE", currency="XXY"))
        assert [p.field for p in caught.value.errors] == ["iban", "bic", "currency"]

    def test_the_same_account_twice_is_refused(self, world: World) -> None:
        add(world, PaymentAccountInput("Drift", iban="DK4400400440116254"))
        with pytest.raises(Conflict):
            add(world, PaymentAccountInput("Igen", reg_no="0040", account_no="0440116254"))

    def test_only_the_owner_adds_an_account(self, world: World) -> None:
        with pytest.raises(Forbidden):
            add(world, PaymentAccountInput("Drift", iban="DK4400400440116254"), Role.ADMIN)
