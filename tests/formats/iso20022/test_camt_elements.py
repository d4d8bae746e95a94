"""The element decoders: every form each version uses, and a clear error with the line for bad values."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from betal.formats.iso20022 import camt_elements as parts
from betal.formats.iso20022.camt_elements import Paths
from betal.formats.iso20022.xml import XmlError

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def element(body: str) -> etree._Element:
    """``body`` (its first line is line 1) parsed in the camt.053.001.08 namespace."""
    return etree.fromstring(f'<X xmlns="{NS}">{body}</X>'.encode())


def paths(body: str, *wanted: str) -> Paths:
    return Paths(element(body), NS, parts.wanted(*wanted))


def amount_of(body: str) -> tuple[Decimal, str]:
    found = element(body).find(f"{{{NS}}}Amt")
    assert found is not None
    return parts.amount(found)


class TestWanted:
    def test_every_path_above_is_wanted_too(self) -> None:
        assert parts.wanted("A/B/C", "D") == {"A", "A/B", "A/B/C", "D"}


class TestPaths:
    def test_first_of_each_path(self) -> None:
        found = paths("<A><B>1</B></A><A><B>2</B><C>3</C></A>", "A/B", "A/C")
        assert found.text("A/B") == "1"
        assert found.text("A/C") == "3"  # a later sibling holds what the first one lacks

    def test_only_wanted_paths(self) -> None:
        found = paths("<A><B>1</B></A><D>2</D>", "A")
        assert found.get("A") is not None
        assert found.get("A/B") is None
        assert found.get("D") is None

    def test_other_namespaces_and_comments_are_not_read(self) -> None:
        found = paths('<!-- <A>0</A> --><o:A xmlns:o="urn:other">1</o:A><A>2</A>', "A")
        assert found.text("A") == "2"

    def test_text_is_stripped_and_empty_is_none(self) -> None:
        found = paths("<A>  x  </A><B>   </B><C/>", "A", "B", "C")
        assert (found.text("A"), found.text("B"), found.text("C"), found.text("D")) == ("x", None, None, None)

    def test_required_names_the_element_and_its_line(self) -> None:
        found = paths("\n<A/>", "A", "B")
        with pytest.raises(XmlError) as caught:
            found.required("B")
        assert (caught.value.reason, caught.value.line) == ("X has no B", 1)
        with pytest.raises(XmlError) as empty:
            found.required_text("A")
        assert (empty.value.reason, empty.value.line) == ("X has an empty A", 2)

    def test_children_repeat(self) -> None:
        found = paths("<R><U>a</U><U>b</U></R>", "R")
        assert [child.text for child in found.children("R", "U")] == ["a", "b"]
        assert found.children("Q", "U") == []

    def test_currency(self) -> None:
        assert paths("<Ccy>DKK</Ccy>", "Ccy").currency("Ccy") == "DKK"
        assert paths("", "Ccy").currency("Ccy") is None
        with pytest.raises(XmlError, match="currency 'dkk' is not an ISO 4217 code"):
            paths("<Ccy>dkk</Ccy>", "Ccy").currency("Ccy")


class TestDates:
    @pytest.mark.parametrize(
        "body",
        [
            "<D><Dt>2024-03-01</Dt></D>",
            "<D><Dt>2024-03-01+01:00</Dt></D>",
            "<D><Dt>2024-03-01Z</Dt></D>",
            "<D><DtTm>2024-03-01T23:59:59.123+02:00</DtTm></D>",
            "<D><DtTm>2024-03-01T08:00:00</DtTm></D>",
        ],
    )
    def test_date_or_datetime(self, body: str) -> None:
        assert paths(body, "D/Dt", "D/DtTm").date_or_datetime("D") == date(2024, 3, 1)

    def test_absent(self) -> None:
        assert paths("", "D/Dt").date_or_datetime("D") is None

    def test_neither_choice(self) -> None:
        with pytest.raises(XmlError, match="D has neither Dt nor DtTm"):
            paths("<D><X/></D>", "D/Dt", "D/DtTm").date_or_datetime("D")

    @pytest.mark.parametrize("text", ["2024-02-30", "01-03-2024", "2024-3-1", ""])
    def test_bad_date(self, text: str) -> None:
        with pytest.raises(XmlError, match="is not a valid date") as caught:
            paths(f"<D>\n<Dt>{text}</Dt></D>", "D/Dt").date_or_datetime("D")
        assert caught.value.line == 2

    def test_timestamp_keeps_the_offset(self) -> None:
        found = paths("<T>2024-03-05T05:31:07+01:00</T>", "T")
        assert found.timestamp("T") == datetime(2024, 3, 5, 5, 31, 7, tzinfo=timezone(timedelta(hours=1)))
        assert found.timestamp_date("T") == date(2024, 3, 5)
        assert found.timestamp("U") is None
        assert found.timestamp_date("U") is None

    def test_bad_timestamp(self) -> None:
        with pytest.raises(XmlError, match="'yesterday' is not a valid date and time"):
            paths("<T>yesterday</T>", "T").timestamp("T")


class TestAmount:
    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            ('<Amt Ccy="DKK">100</Amt>', Decimal("100")),
            ('<Amt Ccy="DKK"> 100.50 </Amt>', Decimal("100.50")),
            ('<Amt Ccy="EUR">0.5</Amt>', Decimal("0.5")),
            ('<Amt Ccy="DKK">1.005</Amt>', Decimal("1.005")),  # too many decimals: the importer says so
        ],
    )
    def test_as_written(self, body: str, expected: Decimal) -> None:
        value, _ = amount_of(body)
        assert value == expected
        assert value.as_tuple().exponent == expected.as_tuple().exponent

    @pytest.mark.parametrize(
        "text", ["1.250,00", "-1.00", "+1", "1e3", "", ".5", "1.", "NaN", "1" * 19, "1." + "1" * 19]
    )
    def test_not_a_decimal_number(self, text: str) -> None:
        with pytest.raises(XmlError, match="is not a decimal number"):
            amount_of(f'<Amt Ccy="DKK">{text}</Amt>')

    def test_a_long_value_is_shortened_in_the_message(self) -> None:
        with pytest.raises(XmlError) as caught:
            amount_of(f'<Amt Ccy="DKK">{"x" * 10_000}</Amt>')
        assert len(caught.value.reason) < 100

    @pytest.mark.parametrize("attribute", ["", 'Ccy=""', 'Ccy="dkk"', 'Ccy="DKKR"'])
    def test_currency_code(self, attribute: str) -> None:
        with pytest.raises(XmlError, match="is not an ISO 4217 code"):
            amount_of(f"<Amt {attribute}>1.00</Amt>")

    @given(st.decimals(min_value=0, max_value=Decimal("999999999999999999"), places=2))
    def test_any_two_decimal_amount(self, value: Decimal) -> None:
        assert amount_of(f'<Amt Ccy="DKK">{value}</Amt>') == (value, "DKK")


class TestCodes:
    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            ("<Sts>BOOK</Sts>", "booked"),  # .02 to .06
            ("<Sts><Cd>PDNG</Cd></Sts>", "pending"),  # .07 on
            ("<Sts><Cd>FUTR</Cd></Sts>", "pending"),
            ("<Sts><Prtry>INFO</Prtry></Sts>", "info"),
        ],
    )
    def test_status(self, body: str, expected: str) -> None:
        assert parts.status(paths(body, "Sts/Cd", "Sts/Prtry")) == expected

    def test_unknown_status_names_the_code_line(self) -> None:
        with pytest.raises(XmlError) as caught:
            parts.status(paths("<Sts>\n<Cd>DONE</Cd></Sts>", "Sts/Cd", "Sts/Prtry"))
        assert (caught.value.reason, caught.value.line) == ("unknown entry status 'DONE'", 2)

    def test_missing_status(self) -> None:
        with pytest.raises(XmlError, match="X has no Sts"):
            parts.status(paths("", "Sts/Cd"))

    def test_direction(self) -> None:
        assert parts.direction(element("DBIT")) == "debit"
        with pytest.raises(XmlError, match="unknown credit/debit indicator 'C'"):
            parts.direction(element("C"))

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            (
                "<Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn>",
                "PMNT-RCDT-DMCT",
            ),
            (
                "<Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>"
                "<Prtry><Cd>N123</Cd></Prtry>",
                "PMNT-RCDT-ESCT",
            ),
            ("<Prtry><Cd>NETS-SETTLEMENT</Cd><Issr>NETS</Issr></Prtry>", "NETS-SETTLEMENT"),
            ("", None),
        ],
    )
    def test_bank_transaction_code(self, body: str, expected: str | None) -> None:
        entry = Paths(element(f"<BkTxCd>{body}</BkTxCd>"), NS, parts.ENTRY)
        assert parts.bank_transaction_code(entry) == expected


class TestTransaction:
    def test_version_02_forms(self) -> None:
        details = element(
            "<Refs><EndToEndId>NOTPROVIDED</EndToEndId><AcctSvcrRef>B1</AcctSvcrRef></Refs>"
            '<AmtDtls><TxAmt><Amt Ccy="DKK">10.00</Amt></TxAmt></AmtDtls>'
            "<RltdPties><Dbtr><Nm>Payer</Nm></Dbtr><DbtrAcct><Id><Othr><Id>98760001122334</Id></Othr></Id>"
            "</DbtrAcct><Cdtr><Nm>Us</Nm></Cdtr></RltdPties>"
            "<RmtInf><Ustrd> one </Ustrd><Ustrd/><Ustrd>two</Ustrd></RmtInf>"
        )
        tx = parts.transaction(Paths(details, NS, parts.DETAILS))
        assert tx == parts.Transaction(
            amount=(Decimal("10.00"), "DKK"),
            direction=None,
            end_to_end_id=None,
            bank_reference="B1",
            reference=None,
            remittance="one two",
            debtor=("Payer", "98760001122334"),
            creditor=("Us", None),
        )
        assert tx.counterparty("credit") == ("Payer", "98760001122334")
        assert tx.counterparty("debit") == ("Us", None)

    def test_version_08_forms(self) -> None:
        details = element(
            '<Refs><EndToEndId>E1</EndToEndId></Refs><Amt Ccy="DKK">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
            '<AmtDtls><TxAmt><Amt Ccy="DKK">9.99</Amt></TxAmt></AmtDtls>'
            "<RltdPties><Cdtr><Pty><Nm>Payee</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>DK8030000012345678</IBAN>"
            "</Id></CdtrAcct></RltdPties>"
            "<RmtInf><Strd><RfrdDocInf><Nb>7</Nb></RfrdDocInf></Strd>"
            "<Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf>"
        )
        tx = parts.transaction(Paths(details, NS, parts.DETAILS))
        assert tx.amount == (Decimal("5.00"), "DKK")  # TxDtls/Amt before AmtDtls
        assert (tx.direction, tx.end_to_end_id, tx.reference) == ("debit", "E1", "RF18539007547034")
        assert tx.counterparty("debit") == ("Payee", "DK8030000012345678")
        assert tx.remittance is None

    def test_without_an_amount(self) -> None:
        tx = parts.transaction(Paths(element("<Refs><EndToEndId>E</EndToEndId></Refs>"), NS, parts.DETAILS))
        assert (tx.amount, tx.direction) == (None, None)


class TestBalances:
    def balance(self, code: str, amount: str, indicator: str = "CRDT") -> str:
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy='DKK'>{amount}</Amt>"
            f"<CdtDbtInd>{indicator}</CdtDbtInd></Bal>"
        )

    def balances(self, body: str) -> tuple[Decimal | None, Decimal | None]:
        return parts.balances(Paths(element(body), NS, parts.STATEMENT))

    def test_opening_and_closing(self) -> None:
        body = (
            self.balance("CLBD", "5.00", "DBIT") + self.balance("ITBD", "7.00") + self.balance("OPBD", "1.00")
        )
        assert self.balances(body) == (Decimal("1.00"), Decimal("-5.00"))

    def test_previously_closed_is_the_opening_when_there_is_no_opening(self) -> None:
        assert self.balances(self.balance("PRCD", "2.00", "DBIT")) == (Decimal("-2.00"), None)
        assert self.balances(self.balance("PRCD", "2.00") + self.balance("OPBD", "3.00"))[0] == Decimal(
            "3.00"
        )

    def test_the_first_of_a_kind_counts(self) -> None:
        assert self.balances(self.balance("CLBD", "1.00") + self.balance("CLBD", "2.00")) == (
            None,
            Decimal("1.00"),
        )

    def test_none(self) -> None:
        assert self.balances("") == (None, None)

    def test_a_balance_needs_its_amount_and_indicator(self) -> None:
        with pytest.raises(XmlError, match="Bal has no CdtDbtInd"):
            self.balances("<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy='DKK'>1</Amt></Bal>")
