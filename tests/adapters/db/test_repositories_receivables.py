"""Receivables queries: counters, provider events, inbox matching across organisations."""

from __future__ import annotations

import threading

from betal.bootstrap import Container
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from tests.services.receivables_support import owner


class TestCounters:
    def test_sequences_per_organisation_and_name(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            values = [uow.counters.next(org.organisation.id, "fi") for _ in range(3)]
            other = uow.counters.next(other_org.organisation.id, "fi")
            named = uow.counters.next(org.organisation.id, "other")
            uow.commit()
        assert (values, other, named) == ([1, 2, 3], 1, 1)

    def test_concurrent_takers_get_distinct_values(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        taken: list[int] = []
        lock = threading.Lock()

        def take() -> None:
            for _ in range(10):
                with container.uow() as uow:
                    value = uow.counters.next(org.organisation.id, "race")
                    uow.commit()
                with lock:
                    taken.append(value)

        threads = [threading.Thread(target=take) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(taken) == list(range(1, 41))


class TestProviderEvents:
    def test_first_time_only(self, container: Container) -> None:
        now = container.clock.now()
        with container.uow() as uow:
            assert uow.provider_events.first_time("card", "evt-1", None, now)
            assert not uow.provider_events.first_time("card", "evt-1", None, now)
            assert uow.provider_events.first_time("mobilepay", "evt-1", None, now)
            uow.commit()


class TestCustomerMatching:
    def test_by_email_phone_or_cpr_in_any_organisation(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            a = create_customer(
                uow, container.cipher, owner(org), NewCustomer("A", email="p@x.dk", cpr="0101901234")
            )
        with container.uow() as uow:
            b = create_customer(
                uow, container.cipher, owner(other_org), NewCustomer("B", phone="20304050", cpr="0101901234")
            )
        with container.uow() as uow:
            by_email = uow.customers.find_matching(["p@x.dk"], [], [])
            indexes = uow.customers.cpr_indexes([c.id for c in by_email])
            by_cpr = uow.customers.find_matching([], [], indexes)
            by_phone = uow.customers.find_matching([], ["+4520304050"], [])
            assert uow.customers.find_matching([], [], []) == []
        assert [c.id for c in by_email] == [a.id]
        assert sorted(c.id for c in by_cpr) == sorted([a.id, b.id])
        assert [c.id for c in by_phone] == [b.id]
