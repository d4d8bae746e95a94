"""Pure mapping: references, the 0601 collection delivery, and recorded 0602 / 0603 deliveries.

The recorded deliveries are the format's sample files (tests/formats/dk_betalingsservice/data/valid),
which hold the §3.5 vectors of danish-payments.md.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from betal.adapters.providers.betalingsservice import mapping
from betal.domain.mandate import MandateStatus
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import CreatePayment, ProviderMandate, ProviderRejected
from betal.formats import dk_betalingsservice as bs

RECORDED = Path(__file__).parents[3] / "formats" / "dk_betalingsservice" / "data" / "valid"
TODAY = date(2026, 3, 2)
REQUEST = CreatePayment(
    payment_id="pay_01JNQ7W3K2X9V8T6R5P4M3N2B1", organisation_id="org_1", method=Method.BETALINGSSERVICE,
    amount_minor=34_900, currency="DKK", description="Vinduespolering\nmarts 🪟", return_url="",
    creditor={"pbs_number": "12345678", "debtor_group": "00001", "due_date": "2026-04-01", "reg_no": "3409",
              "account_no": "1234567"},
    mandate_reference="12345678/00001/000000000000042",
)  # fmt: skip


def _recorded(name: str) -> bs.Delivery:
    return bs.parse((RECORDED / name).read_bytes())


class TestReferences:
    def test_mandate_reference_round_trip(self) -> None:
        reference = mapping.mandate_reference("12345678", "00001", "000000000000042")
        assert reference == "12345678/00001/000000000000042"
        assert mapping.split_mandate_reference(reference) == ("12345678", "00001", "000000000000042")

    @pytest.mark.parametrize("bad", ["", "12345678/00001", "1234567/00001/000000000000042", "a/b/c",
                                     "12345678/00001/0000000000000420"])  # fmt: skip
    def test_malformed_mandate_reference(self, bad: str) -> None:
        with pytest.raises(ProviderRejected):
            mapping.split_mandate_reference(bad)

    def test_payment_reference_round_trip(self) -> None:
        reference = mapping.payment_reference("12345678", "pay_1")
        assert mapping.split_payment_reference(reference) == ("12345678", "pay_1")

    @pytest.mark.parametrize("bad", ["pay_1", "12345678/", "1234567x/pay_1", "12345678/" + "p" * 31])
    def test_malformed_payment_reference(self, bad: str) -> None:
        with pytest.raises(ProviderRejected):
            mapping.split_payment_reference(bad)

    def test_delivery_id_is_stable_per_payment(self) -> None:
        assert mapping.delivery_id_for(REQUEST.payment_id) == "R5P4M3N2B1"


class TestCollectionDelivery:
    def test_one_collection_on_its_due_date(self) -> None:
        delivery = mapping.collection_delivery(
            REQUEST, data_supplier=None, delivery_id="R5P4M3N2B1", today=TODAY
        )
        assert bs.validate(delivery) == []
        assert (delivery.start.data_supplier, delivery.start.delivery_type, delivery.start.created) == (
            "12345678", "0601", TODAY,
        )  # fmt: skip
        (section,) = delivery.sections
        start = section.start
        assert isinstance(start, bs.CollectionSectionStart)
        assert (start.section, start.reg_no, start.account_no) == ("0112", "3409", "1234567")
        assert start.advice_text == "Vinduespolering marts ?"  # one line, ISO-8859-1
        (record,) = section.records
        assert isinstance(record, bs.Collection)
        assert (record.transaction_code, record.customer_no, record.due_date, record.sign, record.amount) == (
            "0280", "000000000000042", date(2026, 4, 1), 1, 34_900,
        )  # fmt: skip
        assert record.reference == REQUEST.payment_id
        assert bs.parse(bs.render(delivery)).end.amount == 34_900

    def test_data_supplier_and_defaults(self) -> None:
        bare = replace(REQUEST, creditor={"pbs_number": "12345678", "debtor_group": "00001"})
        delivery = mapping.collection_delivery(bare, data_supplier="25313763", delivery_id="1", today=TODAY)
        assert delivery.start.data_supplier == "25313763"
        (record,) = delivery.details()
        assert isinstance(record, bs.Collection)
        assert record.due_date == TODAY

    def test_needs_a_mandate_and_kroner(self) -> None:
        with pytest.raises(ProviderRejected, match="mandate"):
            mapping.collection_delivery(replace(REQUEST, mandate_reference=None), data_supplier=None,
                                        delivery_id="1", today=TODAY)  # fmt: skip
        with pytest.raises(ProviderRejected, match="DKK only"):
            mapping.collection_delivery(replace(REQUEST, currency="SEK"), data_supplier=None,
                                        delivery_id="1", today=TODAY)  # fmt: skip


class TestInformation:
    def test_recorded_payment_information(self) -> None:
        info = mapping.information("0000000125", _recorded("payment-information-0602.txt"))
        assert (info.delivery_id, info.delivery_type, info.mandates) == ("0000000125", "0602", ())
        completed, rejected, cancelled = info.payments
        assert (completed.status, completed.amount_minor, completed.reference, completed.payment_id) == (
            PaymentStatus.SUCCEEDED, 12_755, "03985644/000000125", "000000125",
        )  # fmt: skip
        assert completed.raw["record"].startswith("BS0420398564402360")
        assert (rejected.status, rejected.failure_reason) == (
            PaymentStatus.FAILED,
            "rejected by the debtor's bank (afvist)",
        )
        assert cancelled.status is PaymentStatus.CANCELLED
        assert [line[13:17] for line in info.unmapped] == ["0297"]  # slips are not collections

    def test_a_reversal_is_reported_not_mapped(self) -> None:
        record = bs.PaymentInfo("03985644", "0239", "00001", "1", "1", TODAY, 1, 500, "pay_1", None, None, 0)
        assert mapping.provider_payment("1", record) is None

    def test_completed_with_a_different_actual_amount(self) -> None:
        record = bs.PaymentInfo(
            "03985644", "0236", "00001", "1", "1", TODAY, 1, 500, "pay_1", TODAY, TODAY, 450
        )
        paid = mapping.provider_payment("1", record)
        assert paid is not None
        assert paid.amount_minor == 450

    def test_recorded_mandate_information(self) -> None:
        info = mapping.information("0000000077", _recorded("mandate-information-0603.txt"))
        assert [(m.reference, m.status) for m in info.mandates] == [
            ("02408503/00001/000000000000073", MandateStatus.ACTIVE),
            ("02408503/00001/000000000000074", MandateStatus.ACTIVE),
            ("02408503/00001/000000000000075", MandateStatus.CANCELLED),
        ]
        assert info.mandates[0].raw["mandate_no"] == "856862184"
        assert (info.payments, info.unmapped) == ((), ())

    def test_latest_news_wins(self) -> None:
        first = ProviderMandate("", "r", MandateStatus.ACTIVE)
        other = ProviderMandate("", "s", MandateStatus.ACTIVE)
        last = ProviderMandate("", "r", MandateStatus.CANCELLED)
        assert mapping.latest([first, other, last], "r") is last
        assert mapping.latest([other], "r") is None


class TestFileText:
    def test_flattens_and_cuts(self) -> None:
        assert mapping.file_text("  a\tb\n c  ", 60) == "a b c"
        assert mapping.file_text("æøå €", 60) == "æøå ?"
        assert mapping.file_text("x" * 70, 60) == "x" * 60


class TestRecordedExchange:
    """``data/deliveries.json``: the simulator's answer to ``GET /deliveries`` after two sign-ups (one
    payer chose "rejected") and a two-collection delivery, read on the due date."""

    def test_maps_what_betalingsservice_sent(self) -> None:
        body = json.loads((Path(__file__).parent / "data" / "deliveries.json").read_text("utf-8"))
        infos = [
            mapping.information(d["id"], bs.parse(d["content"].encode(bs.ENCODING)))
            for d in body["deliveries"]
        ]
        assert [(i.delivery_id, i.delivery_type) for i in infos] == [
            ("0000000002", "0603"), ("0000000004", "0603"), ("0000000005", "0602"),
        ]  # fmt: skip
        assert [(m.reference, m.status) for i in infos for m in i.mandates] == [
            ("40213674/00001/000000000000001", MandateStatus.ACTIVE),
            ("40213674/00001/000000000000002", MandateStatus.ACTIVE),
        ]
        paid, rejected = infos[2].payments
        assert (paid.payment_id, paid.status, paid.amount_minor) == (
            "pay_01JQ8Z1V6M3D0S9G2W7K4R5P4A", PaymentStatus.SUCCEEDED, 34_900,
        )  # fmt: skip
        assert (rejected.reference, rejected.status) == (
            "40213674/pay_01JQ8Z1V6M3D0S9G2W7K4R5P4B",
            PaymentStatus.FAILED,
        )
