"""Customers: validation of every field at once, CPR encrypted and masked."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from betal.bootstrap import Container
from betal.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from betal.domain.tenancy import Principal, Role
from betal.services.customer import NewCustomer, create_customer, get_customer, list_customers
from betal.services.organisation import CreatedOrganisation
from tests.services.receivables_support import owner


class TestCreateCustomer:
    def test_cpr_is_encrypted_and_masked(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow:
            customer = create_customer(
                uow, container.cipher, owner(org),
                NewCustomer("Jens", email="jens@x.dk", phone="20304050", cpr="010190-1234", external_id="E1"),
            )  # fmt: skip
        assert customer.cpr_masked == "010190-XXXX"
        assert customer.phone == "+4520304050"
        with container.engine.connect() as conn:
            dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM customers")) for v in row)
        assert "0101901234" not in dump
        assert "010190-1234" not in dump
        with container.engine.connect() as conn:
            stored = conn.execute(text("SELECT cpr_ciphertext FROM customers")).scalar_one()
        assert container.cipher.decrypt(stored) == "0101901234"

    def test_every_bad_field_reported_at_once(self, container: Container, org: CreatedOrganisation) -> None:
        bad = NewCustomer("", email="nope", phone="12", cpr="321390-1234", cvr="12345678")
        with container.uow() as uow, pytest.raises(InvalidInput) as info:
            create_customer(uow, container.cipher, owner(org), bad)
        assert {p.field for p in info.value.errors} == {"name", "email", "phone", "cpr", "cvr"}
        with container.uow() as uow:
            assert list_customers(uow, owner(org), after_id=None, limit=10) == []

    def test_needs_a_channel_and_unique_external_id(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow, pytest.raises(InvalidInput, match="e-mail or a phone"):
            create_customer(uow, container.cipher, owner(org), NewCustomer("Jens"))
        with container.uow() as uow:
            create_customer(
                uow, container.cipher, owner(org), NewCustomer("A", email="a@x.dk", external_id="E1")
            )
        with container.uow() as uow, pytest.raises(Conflict):
            create_customer(
                uow, container.cipher, owner(org), NewCustomer("B", email="b@x.dk", external_id="E1")
            )

    def test_roles_and_tenancy(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        viewer = Principal(org.organisation.id, Role.VIEWER, "user", "u")
        with container.uow() as uow, pytest.raises(Forbidden):
            create_customer(uow, container.cipher, viewer, NewCustomer("A", email="a@x.dk"))
        with container.uow() as uow:
            mine = create_customer(uow, container.cipher, owner(org), NewCustomer("A", email="a@x.dk"))
        with container.uow() as uow:
            assert get_customer(uow, viewer, mine.id) == mine
            with pytest.raises(NotFound):
                get_customer(uow, owner(other_org), mine.id)
