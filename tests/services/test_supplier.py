"""Suppliers: bank details validated (every problem at once), CVR unique per organisation, and a change of
bank details recorded with before/after and who, marking the supplier for two approvals."""

from __future__ import annotations

from dataclasses import replace

import pytest

from betal import bootstrap
from betal.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from betal.domain.payables import Supplier
from betal.domain.tenancy import Role
from betal.services import supplier as suppliers
from betal.services.organisation import CreatedOrganisation
from betal.services.supplier import SupplierInput
from tests.services.payables_support import counts, make_supplier, principal


def _events(container: bootstrap.Container, org: CreatedOrganisation) -> list[tuple[str, dict[str, object]]]:
    with container.uow() as uow:
        return [(e.type, e.data) for e in uow.events.list_after(org.organisation.id, 0, 100)]


class TestValidated:
    def test_clean_forms(self) -> None:
        clean = suppliers.validated(
            SupplierInput(
                "  Kontorland   A/S ", cvr="DK 13 74 81 36", iban="dk50 0040 0440 1162 43", bic="ndeadkkk",
                dk_reg_no="0040", dk_account_no="440116243", fi_creditor_number="8579 9665",
            )
        )  # fmt: skip
        assert clean == SupplierInput(
            "Kontorland A/S",
            "13748136",
            "DK5000400440116243",
            "NDEADKKK",
            "0040",
            "0440116243",
            "85799665",
            "DK",
        )

    @pytest.mark.parametrize(
        ("given", "country"),
        [
            (SupplierInput("A", iban="DE89370400440532013000"), "DE"),
            (SupplierInput("A", fi_creditor_number="85799665"), "DK"),
            (SupplierInput("A", cvr="13748136"), "DK"),
            (SupplierInput("A"), None),
            (SupplierInput("A", iban="DE89370400440532013000", country="AT"), "AT"),
        ],
    )
    def test_country_from_the_details(self, given: SupplierInput, country: str | None) -> None:
        assert suppliers.validated(given).country == country

    def test_every_problem_at_once(self) -> None:
        bad = SupplierInput(
            "", cvr="13748137", iban="DK5000400440116244", bic="NOPE", dk_reg_no="40", dk_account_no="1",
            fi_creditor_number="1234", country="dk",
        )  # fmt: skip
        with pytest.raises(InvalidInput) as caught:
            suppliers.validated(bad)
        assert caught.value.code == "supplier.invalid"
        assert [p.field for p in caught.value.errors] == [
            "name", "cvr", "iban", "bic", "dk_account", "fi_creditor_number", "country",
        ]  # fmt: skip

    @pytest.mark.parametrize(
        ("given", "field"),
        [
            (SupplierInput("A", bic="NDEADKKK"), "bic"),
            (SupplierInput("A", dk_reg_no="0040"), "dk_account"),
            (SupplierInput("A", dk_account_no="0440116243"), "dk_account"),
            (SupplierInput(None), "name"),
        ],
    )
    def test_half_given_details(self, given: SupplierInput, field: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            suppliers.validated(given)
        assert [p.field for p in caught.value.errors] == [field]


class TestCreateSupplier:
    def test_created_with_event_and_audit(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = make_supplier(container, org, iban="DK5000400440116243")
        assert supplier.id.startswith("sup_")
        assert (supplier.needs_dual_approval, supplier.bank_details_changed_at) == (False, None)
        assert ("supplier.created", {"id": supplier.id, "name": "Kontorland A/S"}) in _events(container, org)
        with container.uow() as uow:
            assert [a.action for a in uow.audit_log.list_for_target(org.organisation.id, supplier.id)] == [
                "supplier.created"
            ]

    def test_a_cvr_once_per_organisation(
        self, container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        first = make_supplier(container, org)
        make_supplier(container, other_org)  # another organisation's supplier may have it too
        before = counts(container)
        with pytest.raises(Conflict) as caught:
            make_supplier(container, org, name="Kontorland igen")
        assert caught.value.code == "supplier.duplicate_cvr"
        assert first.id in caught.value.detail
        assert counts(container) == before

    def test_bad_details_write_nothing(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        before = counts(container)
        with pytest.raises(InvalidInput):
            make_supplier(container, org, iban="DK5000400440116244")
        assert counts(container) == before

    @pytest.mark.parametrize("role", [Role.VIEWER, Role.APPROVER])
    def test_only_roles_that_book(
        self, container: bootstrap.Container, org: CreatedOrganisation, role: Role
    ) -> None:
        with container.uow() as uow, pytest.raises(Forbidden):
            suppliers.create_supplier(uow, principal(org, role), SupplierInput("A"))
        with container.uow() as uow:
            assert suppliers.list_suppliers(uow, principal(org, role), after_id=None, limit=5) == []


class TestUpdateSupplier:
    def _update(
        self,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        supplier_id: str,
        **changes: str | None,
    ) -> Supplier:
        with container.uow() as uow:
            current = suppliers.get_supplier(uow, principal(org), supplier_id)
        with container.uow() as uow:
            return suppliers.update_supplier(
                uow, principal(org), supplier_id, suppliers.merged(current, changes)
            )

    def test_a_bank_change_is_recorded_and_needs_two_approvals(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = make_supplier(container, org, dk_reg_no="0040", dk_account_no="0440116243")
        changed = self._update(container, org, supplier.id, dk_reg_no="5301", dk_account_no="0123456789")
        assert changed.needs_dual_approval
        assert changed.bank_details_changed_at is not None
        with container.uow() as uow:
            (change,) = suppliers.bank_changes(uow, principal(org), supplier.id)
            stored = uow.suppliers.get(org.organisation.id, supplier.id)
        assert changed.bank_details_changed_at == changed.updated_at == change.created_at
        assert stored == changed
        assert change.before == dict.fromkeys(suppliers.BANK_FIELDS) | {
            "dk_reg_no": "0040",
            "dk_account_no": "0440116243",
        }
        assert change.after["dk_reg_no"] == "5301"
        assert change.after["dk_account_no"] == "0123456789"
        assert change.changed_by == "usr_bookkeeper"
        event = ("supplier.bank_details_changed", {"id": supplier.id, "change_id": change.id,
                                                   "fields": ["dk_reg_no", "dk_account_no"]})  # fmt: skip
        assert event in _events(container, org)
        with container.uow() as uow:
            actions = [a.action for a in uow.audit_log.list_for_target(org.organisation.id, supplier.id)]
        assert actions[0] == "supplier.created"
        assert sorted(actions[1:]) == ["supplier.bank_details_changed", "supplier.updated"]  # one commit

    def test_details_given_for_the_first_time_count_as_a_change(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = make_supplier(container, org)
        changed = self._update(container, org, supplier.id, fi_creditor_number="85799665")
        assert changed.needs_dual_approval
        with container.uow() as uow:
            assert len(suppliers.bank_changes(uow, principal(org), supplier.id)) == 1

    def test_other_changes_are_not_bank_changes(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = make_supplier(container, org, iban="DK5000400440116243")
        changed = self._update(container, org, supplier.id, name="Kontorland Danmark A/S", cvr=None)
        assert (changed.name, changed.cvr, changed.needs_dual_approval) == (
            "Kontorland Danmark A/S",
            None,
            False,
        )
        with container.uow() as uow:
            assert suppliers.bank_changes(uow, principal(org), supplier.id) == []
        assert ("supplier.updated", {"id": supplier.id, "fields": ["cvr", "name"]}) in _events(container, org)

    def test_the_same_details_again_change_nothing(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = make_supplier(container, org, iban="DK50 0040 0440 1162 43")
        before = counts(container)
        assert self._update(container, org, supplier.id, iban="DK5000400440116243") == supplier
        assert counts(container) == before

    def test_refused_changes_write_nothing(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = make_supplier(container, org)
        make_supplier(container, org, name="Andet", cvr="10150817")
        before = counts(container)
        with pytest.raises(InvalidInput):
            self._update(container, org, supplier.id, iban="DK5000400440116244")
        with pytest.raises(Conflict):
            self._update(container, org, supplier.id, cvr="10150817")
        assert counts(container) == before

    def test_another_organisations_supplier_is_not_found(
        self, container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        theirs = make_supplier(container, other_org)
        with container.uow() as uow, pytest.raises(NotFound):
            suppliers.update_supplier(uow, principal(org), theirs.id, SupplierInput("A"))
        with container.uow() as uow, pytest.raises(NotFound):
            suppliers.bank_changes(uow, principal(org), theirs.id)


class TestMerged:
    def test_changes_replace_and_none_removes(
        self, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        supplier = make_supplier(container, org, iban="DK5000400440116243", bic="NDEADKKK")
        merged = suppliers.merged(supplier, {"bic": None, "name": "Ny"})
        assert merged == replace(suppliers.input_of(supplier), bic=None, name="Ny")
        assert merged.country is None  # derived again from the details
