"""pain.001 writer: every kind of transfer, both versions valid against the official XSDs, Danish conventions
(BBAN, FI-kort OCR and SCOR references, LclInstrm, CtgyPurp SUPP), texts cleaned, totals, golden files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from betal.formats.fi_line import make_payment_id
from betal.formats.iso20022 import pain001
from betal.formats.iso20022.charset import LATIN, clean
from betal.formats.iso20022.pain001 import V03, V09, PaymentBatch, Transfer, Version
from tests.formats.iso20022.pain001_support import (
    CREATED,
    assert_valid,
    batch,
    domestic,
    every_kind,
    fi_card,
    international,
    sepa,
)

DATA = Path(__file__).parent / "data"
VERSIONS = [V09, V03]


def _write(batches: list[PaymentBatch], version: Version = V09, cvr: str | None = "25313763") -> bytes:
    return pain001.write("bfile-01HQ3K8ZP1", CREATED, "Hansen & Co ApS", cvr, batches, version=version)


class _Doc:
    """XPath over a written document with ``p:`` bound to its namespace."""

    def __init__(self, data: bytes, version: str = V09) -> None:
        self.root = etree.fromstring(data)
        self.ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}

    def all(self, path: str) -> list[str]:
        return [str(v) for v in self.root.xpath(path, namespaces=self.ns)]

    def one(self, path: str) -> str:
        [value] = self.all(path)
        return value

    def count(self, path: str) -> int:
        return len(self.root.xpath(path, namespaces=self.ns))


def _tx(end_to_end_id: str) -> str:
    return f"//p:CdtTrfTxInf[p:PmtId/p:EndToEndId='{end_to_end_id}']"


class TestSchema:
    @pytest.mark.parametrize("version", VERSIONS)
    def test_every_kind_is_valid_against_the_official_xsd(self, version: str) -> None:
        assert_valid(_write(every_kind(), version), version)

    @pytest.mark.parametrize(
        ("version", "name"), [(V09, "pain001_v09_every_kind.xml"), (V03, "pain001_v03_every_kind.xml")]
    )
    def test_the_output_matches_the_reviewed_golden_file_byte_for_byte(self, version: str, name: str) -> None:
        assert _write(every_kind(), version) == (DATA / name).read_bytes()

    def test_the_file_is_utf8_with_a_declaration(self) -> None:
        data = _write([batch(domestic())])
        assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
        assert "Jensen + Søn ApS".encode() in data


class TestVersions:
    def test_v09_dates_the_batch_in_dt_and_names_bicfi(self) -> None:
        doc = _Doc(_write([batch(domestic())], V09), V09)
        assert doc.one("//p:PmtInf/p:ReqdExctnDt/p:Dt/text()") == "2026-03-04"
        assert doc.one("//p:DbtrAgt/p:FinInstnId/p:BICFI/text()") == "NDEADKKK"

    def test_v03_dates_the_batch_directly_and_names_bic(self) -> None:
        doc = _Doc(_write([batch(domestic())], V03), V03)
        assert doc.one("//p:PmtInf/p:ReqdExctnDt/text()") == "2026-03-04"
        assert doc.one("//p:DbtrAgt/p:FinInstnId/p:BIC/text()") == "NDEADKKK"


class TestGroupHeader:
    def test_counts_and_sums_every_batch(self) -> None:
        doc = _Doc(_write(every_kind()))
        assert doc.one("/p:Document/p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs/text()") == "10"
        amounts = [Decimal(a) for a in doc.all("//p:InstdAmt/text()")]
        assert Decimal(doc.one("//p:GrpHdr/p:CtrlSum/text()")) == sum(amounts)
        for info in doc.root.xpath("//p:PmtInf", namespaces=doc.ns):
            own = [Decimal(a) for a in info.xpath(".//p:InstdAmt/text()", namespaces=doc.ns)]
            assert info.findtext("p:NbOfTxs", namespaces=doc.ns) == str(len(own))
            assert Decimal(info.findtext("p:CtrlSum", namespaces=doc.ns)) == sum(own)

    def test_names_the_initiating_party_with_its_cvr(self) -> None:
        doc = _Doc(_write([batch(domestic())]))
        assert doc.one("//p:InitgPty/p:Id/p:OrgId/p:Othr/p:Id/text()") == "25313763"
        assert doc.one("//p:InitgPty/p:Id/p:OrgId/p:Othr/p:SchmeNm/p:Cd/text()") == "BANK"
        assert doc.one("//p:GrpHdr/p:MsgId/text()") == "bfile-01HQ3K8ZP1"
        assert doc.one("//p:GrpHdr/p:CreDtTm/text()") == "2026-03-02T09:30:00+00:00"

    def test_the_cvr_scheme_can_be_the_customer_number_nordea_wants(self) -> None:
        data = pain001.write("m-1", CREATED, "Hansen", "25313763", [batch(domestic())], cvr_scheme="CUST")
        assert _Doc(data).one("//p:InitgPty//p:SchmeNm/p:Cd/text()") == "CUST"

    def test_without_a_cvr_the_party_has_only_a_name(self) -> None:
        doc = _Doc(_write([batch(domestic())], cvr=None))
        assert doc.count("//p:InitgPty/p:Id") == 0


class TestDomestic:
    def test_the_account_is_a_bban_of_reg_and_ten_digit_account(self) -> None:
        doc = _Doc(_write([batch(domestic())]))
        assert doc.one(f"{_tx('E2E-pord-01')}/p:CdtrAcct/p:Id/p:Othr/p:Id/text()") == "53010123456789"
        assert doc.one(f"{_tx('E2E-pord-01')}/p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd/text()") == "BBAN"

    def test_the_creditor_bank_is_named_by_its_reg_no_in_danish_clearing(self) -> None:
        doc = _Doc(_write([batch(domestic())]))
        member = f"{_tx('E2E-pord-01')}/p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId"
        assert doc.one(f"{member}/p:ClrSysId/p:Cd/text()") == "DKNCS"
        assert doc.one(f"{member}/p:MmbId/text()") == "5301"

    def test_the_batch_carries_the_local_instrument_and_category_purpose(self) -> None:
        doc = _Doc(_write([batch(domestic())]))
        assert doc.one("//p:PmtInf/p:PmtTpInf/p:LclInstrm/p:Cd/text()") == "ONCL"
        assert doc.one("//p:PmtInf/p:PmtTpInf/p:CtgyPurp/p:Cd/text()") == "SUPP"
        assert doc.count("//p:CdtTrfTxInf/p:PmtTpInf") == 0
        assert doc.count("//p:ChrgBr") == 0

    def test_no_local_instrument_for_banks_that_do_not_want_one(self) -> None:
        doc = _Doc(_write([batch(domestic(), local_instrument=None)]))
        assert doc.count("//p:LclInstrm") == 0
        assert doc.one("//p:PmtTpInf/p:CtgyPurp/p:Cd/text()") == "SUPP"

    def test_a_bic_and_an_address_are_written_when_given(self) -> None:
        transfer = domestic(
            creditor_bic="DABADKKK", creditor_address_lines=("Nørregade 1", "1165 København K")
        )
        data = _write([batch(transfer)])
        assert_valid(data, V09)
        doc = _Doc(data)
        assert doc.one("//p:CdtrAgt/p:FinInstnId/p:BICFI/text()") == "DABADKKK"
        assert doc.one("//p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId/text()") == "5301"
        assert doc.all("//p:Cdtr/p:PstlAdr/p:AdrLine/text()") == ["Nørregade 1", "1165 København K"]
        assert doc.count("//p:Cdtr/p:PstlAdr/p:Ctry") == 0

    def test_danish_letters_are_kept_and_the_message_is_unstructured(self) -> None:
        doc = _Doc(_write([batch(domestic(creditor_name="Ærø Bådeværft", remittance="Faktura 1001 – rest"))]))
        assert doc.one("//p:Cdtr/p:Nm/text()") == "Ærø Bådeværft"
        assert doc.one("//p:RmtInf/p:Ustrd/text()") == "Faktura 1001 rest"


class TestSepa:
    def test_service_level_sepa_shared_charges_and_iban(self) -> None:
        doc = _Doc(_write([batch(sepa())]))
        assert doc.one("//p:PmtInf/p:PmtTpInf/p:SvcLvl/p:Cd/text()") == "SEPA"
        assert doc.one(f"{_tx('E2E-pord-02')}/p:ChrgBr/text()") == "SLEV"
        assert doc.one(f"{_tx('E2E-pord-02')}/p:CdtrAcct/p:Id/p:IBAN/text()") == "DE89370400440532013000"
        assert doc.one(f"{_tx('E2E-pord-02')}/p:CdtrAgt/p:FinInstnId/p:BICFI/text()") == "COBADEFFXXX"
        assert doc.one(f"{_tx('E2E-pord-02')}/p:Amt/p:InstdAmt/@Ccy") == "EUR"

    def test_names_are_basic_latin_and_at_most_70_characters(self) -> None:
        long_name = "Bjørn Ødegård Ærlig Handel " * 5
        doc = _Doc(_write([batch(sepa(creditor_name=long_name))]))
        name = doc.one("//p:Cdtr/p:Nm/text()")
        assert name.startswith("Bjoern OEdegaard AErlig Handel")
        assert len(name) <= 70
        assert set(name) <= LATIN
        assert set(doc.one("//p:Dbtr/p:Nm/text()")) <= LATIN


class TestInternational:
    def test_bic_country_address_and_shared_charges(self) -> None:
        doc = _Doc(_write([batch(international())], V03), V03)
        tx = _tx("E2E-pord-03")
        assert doc.one(f"{tx}/p:CdtrAgt/p:FinInstnId/p:BIC/text()") == "CHASUS33"
        assert doc.one(f"{tx}/p:Cdtr/p:PstlAdr/p:Ctry/text()") == "US"
        assert doc.all(f"{tx}/p:Cdtr/p:PstlAdr/p:AdrLine/text()") == ["270 Park Avenue", "New York NY 10017"]
        assert doc.one(f"{tx}/p:CdtrAcct/p:Id/p:Othr/p:Id/text()") == "000123456789"
        assert doc.one(f"{tx}/p:ChrgBr/text()") == "SHAR"

    def test_an_iban_is_used_when_there_is_one(self) -> None:
        transfer = international(creditor_iban="GB29NWBK60161331926819", creditor_account_no=None)
        doc = _Doc(_write([batch(transfer)]))
        assert doc.one("//p:CdtrAcct/p:Id/p:IBAN/text()") == "GB29NWBK60161331926819"

    def test_a_debtor_bank_without_bic_is_not_provided(self) -> None:
        doc = _Doc(_write([batch(international(), debtor_bic=None)]))
        assert doc.one("//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id/text()") == "NOTPROVIDED"


class TestFiCard:
    @pytest.mark.parametrize(
        ("card_type", "account", "reference"),
        [
            ("71", "85799665", "71/000000067097535"),  # id padded to 15 digits
            ("75", "85799665", "75/0000000000000018"),  # padded to 16
            ("04", "1234567", "04/2150263480000023"),  # giro account, 16-digit id
        ],
    )
    def test_the_ocr_account_and_the_scor_reference(
        self, card_type: str, account: str, reference: str
    ) -> None:
        doc = _Doc(_write([batch(fi_card(card_type))]))
        tx = _tx(f"E2E-fik-{card_type}")
        assert doc.one(f"{tx}/p:CdtrAcct/p:Id/p:Othr/p:Id/text()") == account
        assert doc.one(f"{tx}/p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Prtry/text()") == "OCR"
        assert doc.one(f"{tx}/p:RmtInf/p:Strd/p:CdtrRefInf/p:Tp/p:CdOrPrtry/p:Cd/text()") == "SCOR"
        assert doc.one(f"{tx}/p:RmtInf/p:Strd/p:CdtrRefInf/p:Ref/text()") == reference

    def test_kortart_71_sends_no_unstructured_text(self) -> None:
        doc = _Doc(_write([batch(fi_card("71"))]))
        assert doc.count("//p:Ustrd") == 0

    def test_kortart_73_has_no_reference_but_may_carry_a_message(self) -> None:
        doc = _Doc(_write([batch(fi_card("73", remittance="Kundenr. 4711"))]))
        assert doc.one("//p:CdtrAcct/p:Id/p:Othr/p:Id/text()") == "85799665"
        assert doc.count("//p:Strd") == 0
        assert doc.one("//p:RmtInf/p:Ustrd/text()") == "Kundenr. 4711"

    def test_kortart_75_carries_both_the_reference_and_the_message(self) -> None:
        doc = _Doc(_write([batch(fi_card("75", remittance="Tak for sidst"))]))
        assert doc.one("//p:RmtInf/p:Ustrd/text()") == "Tak for sidst"
        assert doc.one("//p:RmtInf/p:Strd/p:CdtrRefInf/p:Ref/text()") == "75/0000000000000018"

    def test_a_full_length_id_is_kept(self) -> None:
        doc = _Doc(_write([batch(fi_card("71", fi_payment_id="000100017156728"))]))
        assert doc.one("//p:CdtrRefInf/p:Ref/text()") == "71/000100017156728"


class TestMixedBatch:
    def test_the_payment_type_moves_to_each_transaction(self) -> None:
        doc = _Doc(_write([batch(domestic(), sepa(), fi_card("71"), local_instrument="SDCL")]))
        assert doc.count("//p:PmtInf/p:PmtTpInf") == 0
        assert doc.one(f"{_tx('E2E-pord-01')}/p:PmtTpInf/p:LclInstrm/p:Cd/text()") == "SDCL"
        assert doc.one(f"{_tx('E2E-pord-02')}/p:PmtTpInf/p:SvcLvl/p:Cd/text()") == "SEPA"
        assert doc.count(f"{_tx('E2E-fik-71')}/p:PmtTpInf/p:LclInstrm") == 0
        assert doc.count("//p:CdtTrfTxInf/p:PmtTpInf/p:CtgyPurp[p:Cd='SUPP']") == 3

    def test_the_debtor_name_follows_the_strictest_kind(self) -> None:
        doc = _Doc(_write([batch(domestic(), sepa(), debtor_name="Søren Ørsted ApS")]))
        assert doc.one("//p:Dbtr/p:Nm/text()") == "Soeren OErsted ApS"


class TestLargeFiles:
    def test_ten_thousand_payments_in_one_batch(self) -> None:
        transfers = tuple(
            sepa(end_to_end_id=f"E2E-{i}", instruction_id=f"I-{i}", amount=Decimal(i) / 100)
            for i in range(1, 10_001)
        )
        data = _write([batch(*transfers)])
        doc = _Doc(data)
        assert doc.one("//p:GrpHdr/p:NbOfTxs/text()") == "10000"
        assert Decimal(doc.one("//p:GrpHdr/p:CtrlSum/text()")) == Decimal(10_000 * 10_001 // 2) / 100
        assert_valid(data, V09)


_IBANS = ["DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300", "FI2112345600000785"]
_names = st.text(min_size=1, max_size=200).filter(lambda s: clean(s, 140) is not None)
_amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
_texts = st.none() | st.text(max_size=300)


@st.composite
def _transfer(draw: st.DrawFn, n: int) -> Transfer:
    kind = draw(st.sampled_from(["domestic", "sepa", "international", "fi_card"]))
    common = {"end_to_end_id": f"E2E-{n}", "instruction_id": f"I-{n}", "amount": draw(_amounts)}
    name, text = draw(_names), draw(_texts)
    if kind == "domestic":
        reg, account = (
            draw(st.from_regex(r"[0-9]{4}", fullmatch=True)),
            draw(st.from_regex(r"[0-9]{1,10}", fullmatch=True)),
        )
        return domestic(
            **common, creditor_name=name, creditor_reg_no=reg, creditor_account_no=account, remittance=text
        )
    if kind == "sepa":
        return sepa(
            **common, creditor_name=name, creditor_iban=draw(st.sampled_from(_IBANS)), remittance=text
        )
    if kind == "international":
        lines = tuple(draw(st.lists(st.text(max_size=100), max_size=7)))
        currency = draw(st.sampled_from(["USD", "GBP", "JPY", "CHF"]))
        return international(
            **common, currency=currency, creditor_name=name, creditor_address_lines=lines, remittance=text
        )
    card_type = draw(st.sampled_from(["71", "73", "75", "04"]))
    payload = draw(st.integers(min_value=0, max_value=10**14 - 1))
    payment_id = None if card_type == "73" else make_payment_id(card_type, payload)
    message = text if card_type in ("73", "75") else None
    return fi_card(card_type, **common, creditor_name=name, fi_payment_id=payment_id, remittance=message)


@st.composite
def _batches(draw: st.DrawFn) -> list[PaymentBatch]:
    sizes = draw(st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=4))
    batches, n = [], 0
    for index, size in enumerate(sizes):
        transfers = []
        for _ in range(size):
            n += 1
            transfers.append(draw(_transfer(n)))
        local = draw(st.sampled_from(["ONCL", "SDCL", None]))
        batches.append(
            batch(
                *transfers, payment_info_id=f"pinf-{index}", debtor_name=draw(_names), local_instrument=local
            )
        )
    return batches


class TestProperties:
    @settings(max_examples=150)
    @given(_batches(), st.sampled_from(VERSIONS))
    def test_random_batches_are_always_valid_and_add_up(
        self, batches: list[PaymentBatch], version: str
    ) -> None:
        data = _write(batches, version)
        assert_valid(data, version)
        doc = _Doc(data, version)
        every = [t for b in batches for t in b.transfers]
        assert doc.one("//p:GrpHdr/p:NbOfTxs/text()") == str(len(every))
        assert Decimal(doc.one("//p:GrpHdr/p:CtrlSum/text()")) == sum(t.amount for t in every)
        written = [Decimal(a) for a in doc.all("//p:InstdAmt/text()")]
        assert written == [t.amount for t in every]
