"""pain.001 input rules: what a bank would refuse is refused first, naming the field and the payment."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from betal.formats.iso20022 import pain001
from betal.formats.iso20022.pain001 import Pain001Error, Transfer
from betal.formats.iso20022.pain001_rules import fi_reference, is_iban, name_limit
from tests.formats.iso20022.pain001_support import CREATED, batch, domestic, fi_card, international, sepa


def _refused(field: str, make: Any, **changes: Any) -> Pain001Error:
    with pytest.raises(Pain001Error) as caught:
        make(**changes)
    assert caught.value.field == field, caught.value
    return caught.value


class TestTransfer:
    @pytest.mark.parametrize(
        ("field", "changes"),
        [
            ("end_to_end_id", {"end_to_end_id": "pord_01"}),
            ("end_to_end_id", {"end_to_end_id": "x" * 36}),
            ("instruction_id", {"instruction_id": ""}),
            ("kind", {"kind": "cheque"}),
            ("amount", {"amount": Decimal(0)}),
            ("amount", {"amount": Decimal("-12.50")}),
            ("amount", {"amount": 1250}),
            ("amount", {"amount": Decimal("NaN")}),
            ("amount", {"amount": Decimal("1.000001")}),
            ("amount", {"amount": Decimal("1" * 19)}),
            ("currency", {"currency": "dkk"}),
            ("creditor_name", {"creditor_name": "  @@ "}),
            ("creditor_bic", {"creditor_bic": "NDEA"}),
            ("charge_bearer", {"charge_bearer": "OUR"}),
            ("creditor_address_lines", {"creditor_address_lines": ("line",) * 8}),
            ("creditor_country", {"creditor_country": "Danmark"}),
        ],
    )
    def test_common_fields(self, field: str, changes: dict[str, Any]) -> None:
        error = _refused(field, domestic, **changes)
        assert str(error).startswith("transfer")

    def test_the_message_names_the_payment(self) -> None:
        error = _refused("creditor_reg_no", domestic, creditor_reg_no="40")
        assert str(error) == "transfer E2E-pord-01: creditor_reg_no must be a 4-digit registration number"
        assert error.value == "40"

    @pytest.mark.parametrize(
        ("field", "changes"),
        [
            ("currency", {"currency": "EUR"}),
            ("creditor_reg_no", {"creditor_reg_no": None}),
            ("creditor_account_no", {"creditor_account_no": "12345678901"}),
            ("creditor_account_no", {"creditor_account_no": "12-34"}),
        ],
    )
    def test_domestic(self, field: str, changes: dict[str, Any]) -> None:
        _refused(field, domestic, **changes)

    @pytest.mark.parametrize(
        ("field", "changes"),
        [
            ("currency", {"currency": "DKK"}),
            ("creditor_iban", {"creditor_iban": "DE89370400440532013001"}),
            ("creditor_iban", {"creditor_iban": "DE89 3704 0044 0532 0130 00"}),
            ("creditor_iban", {"creditor_iban": "de89370400440532013000"}),
            ("creditor_iban", {"creditor_iban": None}),
            ("charge_bearer", {"charge_bearer": "SHAR"}),
        ],
    )
    def test_sepa(self, field: str, changes: dict[str, Any]) -> None:
        _refused(field, sepa, **changes)

    @pytest.mark.parametrize(
        ("field", "changes"),
        [
            ("creditor_bic", {"creditor_bic": None}),
            ("creditor_country", {"creditor_country": None}),
            ("creditor_account_no", {"creditor_account_no": None}),
            ("creditor_account_no", {"creditor_account_no": "12 34"}),
            ("creditor_iban", {"creditor_iban": "GB29NWBK60161331926818"}),
        ],
    )
    def test_international(self, field: str, changes: dict[str, Any]) -> None:
        _refused(field, international, **changes)

    @pytest.mark.parametrize(
        ("card_type", "field", "changes"),
        [
            ("71", "currency", {"currency": "EUR"}),
            ("71", "fi_card_type", {"fi_card_type": "01"}),
            ("71", "fi_card_type", {"fi_card_type": None}),
            ("71", "fi_payment_id", {"fi_payment_id": "000100017156723"}),  # wrong check digit (§1.4)
            ("71", "fi_payment_id", {"fi_payment_id": "1234567890123456"}),  # 16 digits on a 71
            ("71", "fi_payment_id", {"fi_payment_id": None}),
            ("04", "fi_payment_id", {"fi_payment_id": "2150263480000025"}),
            ("73", "fi_payment_id", {"fi_payment_id": "67097535"}),  # 73 carries no id
            ("71", "fi_creditor_number", {"fi_creditor_number": "1234"}),
            ("71", "fi_creditor_number", {"fi_creditor_number": None}),
            ("71", "remittance", {"remittance": "a message the bank would refuse"}),
            ("04", "remittance", {"remittance": "no message on 04 either"}),
        ],
    )
    def test_fi_card(self, card_type: str, field: str, changes: dict[str, Any]) -> None:
        _refused(field, fi_card, card_type=card_type, **changes)

    def test_a_valid_transfer_keeps_its_values(self) -> None:
        transfer = international(creditor_address_lines=["a", "b"])
        assert transfer.creditor_address_lines == ("a", "b")
        assert isinstance(transfer, Transfer)


class TestBatch:
    @pytest.mark.parametrize(
        ("field", "changes"),
        [
            ("payment_info_id", {"payment_info_id": "pinf_1"}),
            ("execution_date", {"execution_date": datetime(2026, 3, 4, 12, 0)}),
            ("execution_date", {"execution_date": "2026-03-04"}),
            ("debtor_name", {"debtor_name": ""}),
            ("debtor_iban", {"debtor_iban": "DK5000400440116244"}),
            ("debtor_bic", {"debtor_bic": "nordea"}),
            ("local_instrument", {"local_instrument": "oncl"}),
        ],
    )
    def test_batch_fields(self, field: str, changes: dict[str, Any]) -> None:
        _refused(field, lambda: batch(domestic(), **changes))

    def test_a_batch_needs_a_transfer(self) -> None:
        _refused("transfers", lambda: batch())

    def test_an_instruction_id_appears_once_in_a_batch(self) -> None:
        error = _refused("instruction_id", lambda: batch(domestic(), domestic(end_to_end_id="E2E-2")))
        assert str(error) == "batch pinf-20260304-1: instruction_id appears twice in the batch"

    def test_the_control_sum_is_the_sum_of_the_amounts(self) -> None:
        assert batch(domestic(), sepa()).control_sum == Decimal("1349.95")


class TestMessage:
    def _write(self, **changes: Any) -> bytes:
        arguments: dict[str, Any] = {
            "message_id": "m-1", "created_at": CREATED, "initiating_party_name": "Hansen",
            "initiating_party_cvr": "25313763", "batches": [batch(domestic())],
        } | changes  # fmt: skip
        version = arguments.pop("version", pain001.V09)
        scheme = arguments.pop("cvr_scheme", "BANK")
        return pain001.write(**arguments, version=version, cvr_scheme=scheme)

    @pytest.mark.parametrize(
        ("field", "changes"),
        [
            ("version", {"version": "pain.001.001.12"}),
            ("message_id", {"message_id": "bfile_01"}),
            ("created_at", {"created_at": date(2026, 3, 2)}),
            ("initiating_party_name", {"initiating_party_name": " "}),
            ("initiating_party_cvr", {"initiating_party_cvr": "2531376"}),
            ("cvr_scheme", {"cvr_scheme": "bank"}),
            ("batches", {"batches": []}),
            ("payment_info_id", {"batches": [batch(domestic()), batch(sepa())]}),
        ],
    )
    def test_message_fields(self, field: str, changes: dict[str, Any]) -> None:
        _refused(field, self._write, **changes)

    def test_the_total_must_fit_in_eighteen_digits(self) -> None:
        big = Decimal("9999999999999999.99")  # 18 digits: allowed alone, not twice
        batches = [
            batch(international(amount=big)),
            batch(international(amount=big), payment_info_id="pinf-2"),
        ]
        _refused("batches", self._write, batches=batches)


class TestHelpers:
    @pytest.mark.parametrize(
        "value", ["DK5000400440116243", "DK2930000001234567", "GB29NWBK60161331926819", "NO9386011117947"]
    )
    def test_good_ibans(self, value: str) -> None:
        assert is_iban(value)

    @pytest.mark.parametrize(
        "value", ["DK5000400440116244", "DK500040044011624", "DK50", "dk5000400440116243"]
    )
    def test_bad_ibans(self, value: str) -> None:
        assert not is_iban(value)

    def test_fi_references(self) -> None:
        assert fi_reference(fi_card("71")) == "71/000000067097535"
        assert fi_reference(fi_card("73")) is None
        assert fi_reference(domestic()) is None

    def test_name_limits(self) -> None:
        assert name_limit("sepa") == 70
        assert name_limit("domestic") == 140
