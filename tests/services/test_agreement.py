"""Every new sandbox organisation holds an agreement for every method."""

from __future__ import annotations

from betal.bootstrap import Container
from betal.domain.identifiers import is_valid_fi_creditor_number, is_valid_iban
from betal.domain.payment_method import AgreementStatus, Method
from betal.services.agreement import list_agreements
from betal.services.organisation import CreatedOrganisation, create_organisation
from tests.services.receivables_support import owner


class TestSandboxAgreements:
    def test_all_methods_with_valid_identifiers(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow:
            agreements = {a.method: a for a in list_agreements(uow, owner(org))}
        assert set(agreements) == set(Method)
        assert all(a.status is AgreementStatus.ACTIVE for a in agreements.values())
        assert is_valid_iban(str(agreements[Method.ACCOUNT_TO_ACCOUNT].config["creditor_iban"]))
        assert is_valid_fi_creditor_number(str(agreements[Method.FI_CARD].config["creditor_number"]))
        assert agreements[Method.FI_CARD].config["card_type"] == "71"
        assert len(str(agreements[Method.BETALINGSSERVICE].config["pbs_number"])) == 8

    def test_live_organisations_get_none(self, container: Container) -> None:
        with container.uow() as uow:
            live = create_organisation(uow, name="Live ApS", cvr="30604806", live=True)
        with container.uow() as uow:
            assert uow.agreements.list_for_organisation(live.organisation.id) == []
