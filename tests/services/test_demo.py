"""Demo data: two organisations, an owner, an accountant in both, an approver; idempotent."""

from __future__ import annotations

from betal.bootstrap import Container
from betal.domain.tenancy import Role
from betal.services.demo import DEMO_PASSWORD, seed_demo
from betal.services.user import authenticate_user, organisations_of


class TestSeedDemo:
    def test_seeds_once_and_logins_work(self, container: Container) -> None:
        with container.uow() as uow:
            first = seed_demo(uow, container.hasher)
        with container.uow() as uow:
            again = seed_demo(uow, container.hasher)
        assert first == again
        with container.uow() as uow:
            accountant = authenticate_user(
                uow, container.hasher, email="revisor@tal.example", password=DEMO_PASSWORD
            )
            orgs = organisations_of(uow, accountant.id)
        assert len(orgs) == 2
        assert {m.role for _, m in orgs} == {Role.BOOKKEEPER}
        assert [label for label, _, _ in first] == ["owner", "accountant", "approver"]
