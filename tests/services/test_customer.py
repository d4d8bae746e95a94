"""Customers: validation of every field at once, CPR encrypted and masked."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from betal.bootstrap import Container
from betal.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from betal.domain.notification import Channel
from betal.domain.tenancy import Principal, Role
from betal.services.customer import NewCustomer, Preferences, create_customer, get_customer, list_customers
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


class TestPreferences:
    def test_language_and_channel_order_are_stored(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        data = NewCustomer("Jens", email="jens@x.dk", phone="20304050")
        with container.uow() as uow:
            created = create_customer(
                uow, container.cipher, owner(org), data, Preferences("EN", ["sms", "email"])
            )
        with container.uow() as uow:
            stored = get_customer(uow, owner(org), created.id)
        assert (stored.language, stored.notification_channels) == ("en", (Channel.SMS, Channel.EMAIL))
        assert stored.channel_order() == (Channel.SMS, Channel.EMAIL)

    def test_without_preferences_danish_and_the_default_order(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            created = create_customer(uow, container.cipher, owner(org), NewCustomer("Jens", email="j@x.dk"))
        assert (created.language, created.notification_channels) == ("da", ())
        assert created.channel_order() == (Channel.EMAIL, Channel.SMS, Channel.PUSH)

    @pytest.mark.parametrize(
        ("preferences", "field", "message"),
        [
            (Preferences("sv"), "language", "must be one of da, en"),
            (Preferences(None, ["email", "fax"]), "notification_channels", "channels are email, sms, push"),
            (Preferences(None, ["email", "email"]), "notification_channels", "a channel appears twice"),
            (Preferences(None, ["sms"]), "notification_channels", "sms is listed, but the customer has no"),
        ],
    )  # fmt: skip
    def test_bad_preferences_are_reported_with_the_other_fields(
        self,
        container: Container,
        org: CreatedOrganisation,
        preferences: Preferences,
        field: str,
        message: str,
    ) -> None:
        with container.uow() as uow, pytest.raises(InvalidInput) as info:
            create_customer(uow, container.cipher, owner(org), NewCustomer("", email="j@x.dk"), preferences)
        assert [(p.field, message in p.message) for p in info.value.errors] == [
            ("name", False),
            (field, True),
        ]
        with container.uow() as uow:
            assert list_customers(uow, owner(org), after_id=None, limit=10) == []

    def test_a_push_preference_needs_no_address(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow:
            created = create_customer(
                uow,
                container.cipher,
                owner(org),
                NewCustomer("Jens", phone="20304050"),
                Preferences(None, ["push"]),
            )
        assert created.notification_channels == (Channel.PUSH,)
