"""Tests for betal.formats.ubl.party: names, CVR numbers from each place they are written, endpoints."""

from __future__ import annotations

import pytest

from betal.formats.ubl.model import Party
from betal.formats.ubl.party import cvr, read_party
from betal.formats.ubl.tree import Doc, find
from tests.formats.ubl.fragments import element


def legal(company_id: str) -> str:
    return f"<cac:PartyLegalEntity>{company_id}</cac:PartyLegalEntity>"


def tax_scheme(company_id: str) -> str:
    return f"<cac:PartyTaxScheme>{company_id}</cac:PartyTaxScheme>"


def party_cvr(inner: str, country: str | None = "DK") -> str | None:
    party = find(element(f"<cac:Party>{inner}</cac:Party>"), "cac:Party")
    assert party is not None
    return cvr(party, country)


class TestCvr:
    @pytest.mark.parametrize(
        ("inner", "country", "expected"),
        [
            (
                legal('<cbc:CompanyID schemeID="0184">31000009</cbc:CompanyID>'),
                "DK",
                "31000009",
            ),
            (
                legal('<cbc:CompanyID schemeID="DK:CVR">DK31000009</cbc:CompanyID>'),
                "DK",
                "31000009",
            ),
            (
                legal("<cbc:CompanyID>dk 3100 0009</cbc:CompanyID>"),
                None,
                "31000009",
            ),
            (
                legal("<cbc:CompanyID>31000009</cbc:CompanyID>"),
                "DK",
                "31000009",
            ),
            ('<cbc:EndpointID schemeID="0184">42000019</cbc:EndpointID>', "DK", "42000019"),
            ('<cbc:EndpointID schemeID="DK:CVR">DK42000019</cbc:EndpointID>', "DK", "42000019"),
            (
                '<cac:PartyIdentification><cbc:ID schemeID="0184">42000019</cbc:ID>'
                "</cac:PartyIdentification>",
                "DK",
                "42000019",
            ),
            (
                tax_scheme('<cbc:CompanyID schemeID="DK:SE">DK13748136</cbc:CompanyID>'),
                "DK",
                "13748136",
            ),
        ],
    )
    def test_found(self, inner: str, country: str | None, expected: str) -> None:
        assert party_cvr(inner, country) == expected

    @pytest.mark.parametrize(
        ("inner", "country"),
        [
            (legal("<cbc:CompanyID>31000009</cbc:CompanyID>"), "NO"),
            (legal("<cbc:CompanyID>HRB 4711 FL</cbc:CompanyID>"), "DE"),
            ('<cbc:EndpointID schemeID="0088">5790000435968</cbc:EndpointID>', "DK"),
            ("<cac:PartyIdentification><cbc:ID>12345678</cbc:ID></cac:PartyIdentification>", "DK"),
            (tax_scheme("<cbc:CompanyID>DE123456789</cbc:CompanyID>"), "DE"),
            ('<cbc:EndpointID schemeID="0184">3100000</cbc:EndpointID>', "DK"),
            ("", "DK"),
        ],
    )
    def test_not_found(self, inner: str, country: str | None) -> None:
        """A bare number abroad, a GLN, a customer number without scheme, a foreign VAT id: no CVR."""
        assert party_cvr(inner, country) is None

    def test_the_legal_entity_wins_over_a_tax_scheme_se_number(self) -> None:
        inner = tax_scheme('<cbc:CompanyID schemeID="DK:SE">DK13748136</cbc:CompanyID>') + legal(
            '<cbc:CompanyID schemeID="DK:CVR">DK31000009</cbc:CompanyID>'
        )
        assert party_cvr(inner) == "31000009"


class TestReadParty:
    def test_every_field(self) -> None:
        root = element(
            "<cac:AccountingSupplierParty><cac:Party>"
            '<cbc:EndpointID schemeID=" 0184 ">31000009</cbc:EndpointID>'
            "<cac:PartyName><cbc:Name>Nordlys Software ApS</cbc:Name></cac:PartyName>"
            "<cac:PostalAddress><cac:Country><cbc:IdentificationCode>DK</cbc:IdentificationCode></cac:Country>"
            "</cac:PostalAddress>"
            "<cac:PartyTaxScheme><cbc:CompanyID>DK31000009</cbc:CompanyID></cac:PartyTaxScheme>"
            "</cac:Party></cac:AccountingSupplierParty>"
        )
        doc = Doc("DKK")
        party = read_party(doc, root, "cac:AccountingSupplierParty", name_required=True)
        assert party == Party("Nordlys Software ApS", "31000009", "31000009", "0184", "DK31000009", "DK")
        assert doc.problems == []

    def test_registration_name_when_there_is_no_party_name(self) -> None:
        root = element(
            "<cac:AccountingCustomerParty><cac:Party><cbc:EndpointID>x</cbc:EndpointID><cac:PartyLegalEntity>"
            "<cbc:RegistrationName>Fjordhandel A/S</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party>"
            "</cac:AccountingCustomerParty>"
        )
        party = read_party(Doc("DKK"), root, "cac:AccountingCustomerParty", name_required=False)
        assert party == Party("Fjordhandel A/S", endpoint_id="x")

    def test_a_buyer_may_be_nameless(self) -> None:
        root = element("<cac:AccountingCustomerParty><cac:Party/></cac:AccountingCustomerParty>")
        doc = Doc("DKK")
        assert read_party(doc, root, "cac:AccountingCustomerParty", name_required=False) == Party("")
        assert doc.problems == []

    def test_a_supplier_needs_a_name(self) -> None:
        root = element("<cac:AccountingSupplierParty><cac:Party/></cac:AccountingSupplierParty>")
        doc = Doc("DKK")
        assert read_party(doc, root, "cac:AccountingSupplierParty", name_required=True) == Party("")
        assert [(p.code, p.field, p.reason) for p in doc.problems] == [
            (
                "missing",
                "AccountingSupplierParty/Name",
                "AccountingSupplierParty has no name (PartyName or RegistrationName)",
            )
        ]

    def test_a_missing_party_is_a_problem(self) -> None:
        doc = Doc("DKK")
        assert read_party(doc, element(""), "cac:AccountingCustomerParty", name_required=False) == Party("")
        assert [(p.line, p.reason) for p in doc.problems] == [(1, "AccountingCustomerParty is missing")]
