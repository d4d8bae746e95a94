"""camt.053/054 writer: what it writes reads back unchanged, conforms to the schema of every version (checked
against the pyiso20022 models), differs between versions where the schema does, and streams."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from betal.formats.iso20022 import camt
from betal.formats.iso20022.camt import CamtEntry, CamtStatement
from betal.formats.iso20022.camt_writer import write_statement
from tests.formats.iso20022.camt_strategies import documents
from tests.formats.iso20022.iso_model import problems

ALL_VERSIONS = [f"camt.05{kind}.001.{n:02d}" for kind in (3, 4) for n in camt.SUPPORTED_VERSIONS]

STATEMENT = CamtStatement(
    kind="camt.053",
    version="camt.053.001.08",
    message_id="MSG-1",
    statement_ref="STMT-1",
    account="DK2720001234567890",
    currency="DKK",
    from_date=date(2024, 3, 4),
    to_date=date(2024, 3, 4),
    opening_balance=Decimal("-250.00"),
    closing_balance=Decimal("4781.95"),
    created_at=datetime(2024, 3, 5, 5, 31, 7, tzinfo=UTC),
)
NOTIFICATION = dataclasses.replace(STATEMENT, kind="camt.054", opening_balance=None, closing_balance=None)
CREDIT = CamtEntry(
    statement_ref="STMT-1",
    sequence=1,
    line=0,
    direction="credit",
    amount=Decimal("1250.00"),
    currency="DKK",
    status="booked",
    booking_date=date(2024, 3, 4),
    value_date=date(2024, 3, 5),
    end_to_end_id="E2E-1",
    reference="71/000000067097535",
    remittance="Faktura 2024-0117" + " lang tekst" * 20,
    counterparty_name="Jensen Tømrer ApS",
    counterparty_account="98760001122334",
    bank_reference="5400417000001",
    bank_transaction_code="PMNT-RCDT-DMCT",
)
DEBIT = dataclasses.replace(
    CREDIT,
    sequence=2,
    direction="debit",
    status="pending",
    reference=None,
    counterparty_account="DK8030000012345678",
    bank_transaction_code="NETS-SETTLEMENT",
    remittance=None,
)
BARE = dataclasses.replace(
    CREDIT,
    sequence=3,
    status="info",
    booking_date=None,
    value_date=None,
    end_to_end_id=None,
    reference=None,
    remittance=None,
    counterparty_name=None,
    counterparty_account=None,
    bank_reference=None,
    bank_transaction_code=None,
)


def written(statement: CamtStatement, entries: list[CamtEntry], version: str) -> bytes:
    out = io.BytesIO()
    write_statement(out, statement, entries, version=version)
    return out.getvalue()


def sample(version: str) -> bytes:
    statement = STATEMENT if version.startswith("camt.053") else NOTIFICATION
    return written(statement, [CREDIT, DEBIT, BARE], version)


def texts(document: bytes, path: str) -> list[str]:
    root = etree.fromstring(document)
    return [
        str(t)
        for t in root.xpath(f"//c:{path.replace('/', '/c:')}/text()", namespaces={"c": root.nsmap[None]})
    ]


class TestRoundTrip:
    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(documents())
    def test_what_is_written_reads_back(self, document: tuple[str, CamtStatement, list[CamtEntry]]) -> None:
        version, statement, entries = document
        data = written(statement, entries, version)
        statements, read = camt.parse_bytes(data)
        assert statements == [dataclasses.replace(statement, version=version)]
        assert [dataclasses.replace(entry, line=0) for entry in read] == entries
        assert problems(version, data) == []

    @pytest.mark.parametrize("version", ["camt.053.001.02", "camt.053.001.08", "camt.054.001.08"])
    def test_the_sample(self, version: str) -> None:
        statements, entries = camt.parse_bytes(sample(version))
        assert statements[0].kind == version[:8]
        assert [dataclasses.replace(e, line=0) for e in entries] == [CREDIT, DEBIT, BARE]


class TestSchema:
    @pytest.mark.parametrize("version", ALL_VERSIONS)
    def test_every_version_conforms(self, version: str) -> None:
        assert problems(version, sample(version)) == []

    @pytest.mark.parametrize(
        ("version", "old", "new", "problem"),
        [
            ("camt.053.001.08", b"<Sts>\n    <Cd>BOOK</Cd>\n  </Sts>\n", b"", "/Sts: missing"),
            ("camt.053.001.02", b"<Sts>BOOK</Sts>", b"<Sts><Cd>BOOK</Cd></Sts>", "Sts"),
            (
                "camt.053.001.08",
                b'<Amt Ccy="DKK">1250.00</Amt>',
                b'<Amt Ccy="DKK">1250.000001</Amt>',
                "digits",
            ),
            ("camt.053.001.08", b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>CR</CdtDbtInd>", "not one of"),
            ("camt.054.001.08", b"<Acct>", b"<Bal/><Acct>", "Bal: not allowed here"),
            ("camt.053.001.08", b"<Pty>", b"<Pty><BIC>X</BIC>", "BIC: not allowed here"),
        ],
    )
    def test_the_check_finds_mistakes(self, version: str, old: bytes, new: bytes, problem: str) -> None:
        """The cross-check is only worth something if it fails on what the schema refuses."""
        document = sample(version)
        assert old in document
        found = problems(version, document.replace(old, new, 1))
        assert any(problem in p for p in found), found


class TestVersionForms:
    def test_version_02(self) -> None:
        document = sample("camt.053.001.02")
        assert texts(document, "Ntry/Sts") == ["BOOK", "PDNG", "INFO"]
        assert texts(document, "RltdPties/Dbtr/Nm") == ["Jensen Tømrer ApS"]
        assert texts(document, "RltdPties/Cdtr/Nm") == ["Jensen Tømrer ApS"]
        assert texts(document, "TxDtls/AmtDtls/TxAmt/Amt") == ["1250.00", "1250.00"]
        assert texts(document, "TxDtls/Amt") == []

    def test_version_08(self) -> None:
        document = sample("camt.053.001.08")
        assert texts(document, "Ntry/Sts/Cd") == ["BOOK", "PDNG", "INFO"]
        assert texts(document, "RltdPties/Dbtr/Pty/Nm") == ["Jensen Tømrer ApS"]
        assert texts(document, "TxDtls/Amt") == ["1250.00", "1250.00"]
        assert texts(document, "TxDtls/CdtDbtInd") == ["CRDT", "DBIT"]

    def test_notification(self) -> None:
        document = sample("camt.054.001.08")
        root = etree.fromstring(document)
        assert etree.QName(root[0]).localname == "BkToCstmrDbtCdtNtfctn"
        assert texts(document, "Ntfctn/Id") == ["STMT-1"]
        assert texts(document, "Bal/Amt") == []


class TestValues:
    @pytest.mark.parametrize(
        ("amount", "text"),
        [
            (Decimal("100"), "100"),
            (Decimal("100.50"), "100.50"),
            (Decimal("1E+2"), "100"),
            (Decimal("0.005"), "0.005"),
        ],
    )
    def test_amount_as_the_decimal_has_it(self, amount: Decimal, text: str) -> None:
        document = written(STATEMENT, [dataclasses.replace(BARE, amount=amount)], "camt.053.001.08")
        assert texts(document, "Ntry/Amt") == [text]

    def test_balances_carry_their_sign_and_dates(self) -> None:
        document = written(
            dataclasses.replace(STATEMENT, from_date=None, to_date=None), [], "camt.053.001.08"
        )
        assert texts(document, "Bal/Tp/CdOrPrtry/Cd") == ["OPBD", "CLBD"]
        assert texts(document, "Bal/Amt") == ["250.00", "4781.95"]
        assert texts(document, "Bal/CdtDbtInd") == ["DBIT", "CRDT"]
        assert texts(document, "Bal/Dt/Dt") == ["2024-03-05", "2024-03-05"]  # the creation date
        assert texts(document, "FrToDt/FrDtTm") == []

    def test_accounts(self) -> None:
        document = sample("camt.053.001.08")
        assert texts(document, "Stmt/Acct/Id/IBAN") == ["DK2720001234567890"]
        assert texts(document, "DbtrAcct/Id/Othr/Id") == ["98760001122334"]
        assert texts(document, "CdtrAcct/Id/IBAN") == ["DK8030000012345678"]

    def test_bank_transaction_codes(self) -> None:
        document = sample("camt.053.001.08")
        assert texts(document, "BkTxCd/Domn/Fmly/SubFmlyCd") == ["DMCT"]
        assert texts(document, "BkTxCd/Prtry/Cd") == ["NETS-SETTLEMENT"]

    def test_remittance_in_lines_of_140(self) -> None:
        lines = texts(sample("camt.053.001.08"), "RmtInf/Ustrd")
        assert len(lines) == 2
        assert all(len(line) <= 140 for line in lines)
        assert " ".join(lines) == CREDIT.remittance

    def test_a_word_longer_than_a_line_is_cut(self) -> None:
        entry = dataclasses.replace(BARE, remittance="x" * 300)
        assert texts(written(STATEMENT, [entry], "camt.053.001.08"), "Ustrd") == [
            "x" * 140,
            "x" * 140,
            "x" * 20,
        ]

    def test_creditor_reference_is_scor(self) -> None:
        document = sample("camt.053.001.08")
        assert texts(document, "CdtrRefInf/Tp/CdOrPrtry/Cd") == ["SCOR"]
        assert texts(document, "CdtrRefInf/Ref") == ["71/000000067097535"]


class TestRefuses:
    @pytest.mark.parametrize(
        ("statement", "version", "message"),
        [
            (STATEMENT, "camt.052.001.08", "cannot write"),
            (STATEMENT, "camt.053.001.01", "cannot write"),
            (STATEMENT, "camt.053.001.8", "cannot write"),
            (dataclasses.replace(STATEMENT, kind="camt.054"), "camt.054.001.08", "has no balances"),
            (
                dataclasses.replace(STATEMENT, opening_balance=None, closing_balance=None),
                "camt.053.001.08",
                "needs",
            ),
            (dataclasses.replace(STATEMENT, currency=None), "camt.053.001.08", "account currency"),
            (dataclasses.replace(STATEMENT, created_at=None), "camt.053.001.08", "created_at"),
            (dataclasses.replace(STATEMENT, currency="kr"), "camt.053.001.08", "'kr' is not an ISO 4217"),
            (dataclasses.replace(STATEMENT, to_date=None), "camt.053.001.08", "go together"),
            (
                dataclasses.replace(STATEMENT, message_id="M" * 36),
                "camt.053.001.08",
                "MsgId must have 1 to 35",
            ),
            (dataclasses.replace(STATEMENT, statement_ref=""), "camt.053.001.08", "Id must have 1 to 35"),
            (
                dataclasses.replace(STATEMENT, opening_balance=Decimal("NaN")),
                "camt.053.001.08",
                "positive number",
            ),
        ],
    )
    def test_a_bad_statement_writes_nothing(
        self, statement: CamtStatement, version: str, message: str
    ) -> None:
        out = io.BytesIO()
        with pytest.raises(ValueError, match=message):
            write_statement(out, statement, [CREDIT], version=version)
        assert out.getvalue() == b""

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"amount": Decimal("-1.00")}, "positive number"),
            ({"currency": "dkk"}, "'dkk' is not an ISO 4217"),
            ({"direction": "in"}, "unknown direction 'in'"),
            ({"status": "BOOK"}, "unknown status 'BOOK'"),
            ({"end_to_end_id": "E" * 36}, "EndToEndId must have 1 to 35"),
            ({"counterparty_name": "N" * 141}, "Nm must have 1 to 140"),
            ({"bank_reference": ""}, "AcctSvcrRef must have 1 to 35"),
            ({"remittance": "bad \x00 text"}, "XML compatible"),
        ],
    )
    def test_a_bad_entry(self, change: dict[str, object], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            written(STATEMENT, [dataclasses.replace(CREDIT, **change)], "camt.053.001.08")  # type: ignore[arg-type]


class TestStreaming:
    def test_entries_are_written_as_they_come(self) -> None:
        """The writer never holds the entries: output has grown long before the last one is drawn."""
        out = io.BytesIO()
        seen_at_half: list[int] = []

        def entries() -> Iterator[CamtEntry]:
            for n in range(1, 5_001):
                if n == 2_500:
                    seen_at_half.append(len(out.getvalue()))
                yield dataclasses.replace(CREDIT, sequence=n)

        write_statement(out, STATEMENT, entries())
        assert seen_at_half[0] > 0.4 * len(out.getvalue())
        assert (
            sum(1 for item in camt.read(io.BytesIO(out.getvalue())) if isinstance(item, CamtEntry)) == 5_000
        )
