"""Demo data: two organisations, an owner, an accountant in both, an approver; idempotent."""

from __future__ import annotations

from betal.bootstrap import Container
from betal.domain.tenancy import Role
from betal.services.demo import DEMO_PASSWORD, seed_demo, seed_demo_customers, seed_demo_suppliers
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

    def test_one_payer_billed_by_both_organisations(self, container: Container) -> None:
        with container.uow() as uow:
            seed_demo(uow, container.hasher)
        for _ in range(2):  # idempotent
            with container.uow() as uow:
                payer = seed_demo_customers(uow, container.cipher)
        with container.uow() as uow:
            by_email = uow.customers.find_matching([payer], [], [])
            everyone = uow.customers.find_matching(
                [], [], uow.customers.cpr_indexes([c.id for c in by_email])
            )
            requests = uow.payment_requests.list_for_customers([c.id for c in everyone], 10)
        assert len({c.organisation_id for c in everyone}) == 2
        assert sorted(r.description for r in requests) == [
            "Husleje december", "Kaffeabonnement november", "Vinduespolering, abonnement",
        ]  # fmt: skip

    def test_suppliers_paid_three_ways(self, container: Container) -> None:
        with container.uow() as uow:
            seed_demo(uow, container.hasher)
        for _ in range(2):  # idempotent
            with container.uow() as uow:
                seed_demo_suppliers(uow)
        with container.uow() as uow:
            org = uow.organisations.get_by_cvr("25313763")
            assert org is not None
            suppliers = uow.suppliers.list_page(org.id, None, 10)
        assert sorted(s.name for s in suppliers) == ["Elforsyningen A/S", "Kontorland A/S", "Papierwerk GmbH"]
        routes = {
            (s.dk_reg_no is not None, s.fi_creditor_number is not None, s.iban is not None) for s in suppliers
        }
        assert routes == {(True, False, False), (False, True, False), (False, False, True)}
