"""Tests for betal.domain.identifiers over the vectors in data/<kind>.json."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from betal.domain.errors import InvalidInput
from betal.domain.identifiers import (
    DanishAccount,
    dk_account_from_iban,
    format_cpr,
    format_dk_account,
    format_iban,
    is_valid_bic,
    is_valid_cpr,
    is_valid_cvr,
    is_valid_dk_account,
    is_valid_fi_creditor_number,
    is_valid_iban,
    mask_cpr,
    validate_bic,
    validate_cpr,
    validate_cvr,
    validate_dk_account,
    validate_fi_creditor_number,
    validate_iban,
)

DATA = Path(__file__).parent / "data"


def vectors(kind: str, group: str) -> list[Any]:
    rows = json.loads((DATA / f"{kind}.json").read_text("utf-8"))[group]
    return [pytest.param(row, id=row.get("value") or row.get("reason") or repr(row)) for row in rows]


def assert_invalid(caught: pytest.ExceptionInfo[InvalidInput], code: str, field: str) -> None:
    assert caught.value.code == code
    assert caught.value.errors[0].field == field


class TestValidateCvr:
    @pytest.mark.parametrize("row", vectors("cvr", "valid"))
    def test_valid(self, row: dict[str, str]) -> None:
        assert validate_cvr(row["value"]) == row["compact"]

    @pytest.mark.parametrize("row", vectors("cvr", "invalid"))
    def test_invalid(self, row: dict[str, str]) -> None:
        with pytest.raises(InvalidInput) as caught:
            validate_cvr(row["value"], field="organisation.cvr")
        assert_invalid(caught, "cvr.invalid", "organisation.cvr")

    def test_refuses_non_text(self) -> None:
        with pytest.raises(InvalidInput):
            validate_cvr(10150817)  # type: ignore[arg-type]


class TestIsValidCvr:
    def test_true_and_false(self) -> None:
        assert is_valid_cvr("25313763")
        assert not is_valid_cvr("25313764")


class TestValidateCpr:
    @pytest.mark.parametrize("row", vectors("cpr", "valid"))
    def test_valid(self, row: dict[str, Any]) -> None:
        assert validate_cpr(row["value"]) == row["compact"]

    def test_does_not_require_mod_11(self) -> None:
        rows = json.loads((DATA / "cpr.json").read_text("utf-8"))["valid"]
        failing = [row["value"] for row in rows if not row["mod11"]]
        assert failing  # the vectors include numbers that fail the abandoned mod-11 check ...
        assert all(is_valid_cpr(value) for value in failing)  # ... and they are still valid

    @pytest.mark.parametrize("row", vectors("cpr", "invalid"))
    def test_invalid(self, row: dict[str, str]) -> None:
        with pytest.raises(InvalidInput) as caught:
            validate_cpr(row["value"])
        assert_invalid(caught, "cpr.invalid", "cpr")


class TestIsValidCpr:
    def test_true_and_false(self) -> None:
        assert is_valid_cpr("211062-5629")
        assert not is_valid_cpr("321062-5629")


class TestFormatCpr:
    @pytest.mark.parametrize("row", vectors("cpr", "valid"))
    def test_formats(self, row: dict[str, str]) -> None:
        assert format_cpr(row["value"]) == row["formatted"]

    def test_refuses_invalid(self) -> None:
        with pytest.raises(InvalidInput):
            format_cpr("320185-1234")


class TestMaskCpr:
    @pytest.mark.parametrize("row", vectors("cpr", "valid"))
    def test_hides_the_sequence_number(self, row: dict[str, str]) -> None:
        assert mask_cpr(row["value"]) == row["masked"]

    def test_refuses_invalid(self) -> None:
        with pytest.raises(InvalidInput):
            mask_cpr("123")


class TestValidateIban:
    @pytest.mark.parametrize("row", vectors("iban", "valid"))
    def test_valid(self, row: dict[str, str]) -> None:
        assert validate_iban(row["value"]) == row["compact"]

    @pytest.mark.parametrize("row", vectors("iban", "invalid"))
    def test_invalid(self, row: dict[str, str]) -> None:
        with pytest.raises(InvalidInput) as caught:
            validate_iban(row["value"], field="payee.iban")
        assert_invalid(caught, "iban.invalid", "payee.iban")


class TestIsValidIban:
    def test_true_and_false(self) -> None:
        assert is_valid_iban("DK50 0040 0440 1162 43")
        assert not is_valid_iban("DK5000400440116244")


class TestFormatIban:
    @pytest.mark.parametrize("row", vectors("iban", "valid"))
    def test_groups_of_four(self, row: dict[str, str]) -> None:
        assert format_iban(row["value"]) == row["formatted"]


class TestValidateBic:
    @pytest.mark.parametrize("row", vectors("bic", "valid"))
    def test_valid(self, row: dict[str, str]) -> None:
        assert validate_bic(row["value"]) == row["compact"]

    @pytest.mark.parametrize("row", vectors("bic", "invalid"))
    def test_invalid(self, row: dict[str, str]) -> None:
        with pytest.raises(InvalidInput) as caught:
            validate_bic(row["value"])
        assert_invalid(caught, "bic.invalid", "bic")


class TestIsValidBic:
    def test_true_and_false(self) -> None:
        assert is_valid_bic("NDEADKKK")
        assert not is_valid_bic("NDEADKK")


class TestDanishAccount:
    @pytest.mark.parametrize("row", vectors("dk_account", "valid"))
    def test_bban_iban_and_bank(self, row: dict[str, Any]) -> None:
        account = DanishAccount(row["reg_no"], row["account_no"])
        assert account.bban == row["bban"]
        assert account.account_no == row["bban"][4:]
        assert account.to_iban() == row["iban"]
        assert account.bank_name == row["bank_name"]

    def test_pads_the_account_number(self) -> None:
        assert DanishAccount("3000", "1234567") == DanishAccount("3000", "0001234567")

    @pytest.mark.parametrize("row", vectors("dk_account", "invalid"))
    def test_refuses_invalid(self, row: dict[str, str]) -> None:
        with pytest.raises(InvalidInput) as caught:
            DanishAccount(row["reg_no"], row["account_no"])
        assert_invalid(caught, "dk_account.invalid", "dk_account")

    @pytest.mark.parametrize(
        ("reg_no", "account_no"), [(40, "0440116243"), ("0040", 440116243), (None, None)]
    )
    def test_refuses_non_text(self, reg_no: object, account_no: object) -> None:
        with pytest.raises(InvalidInput):
            DanishAccount(reg_no, account_no)  # type: ignore[arg-type]

    def test_is_immutable(self) -> None:
        account = DanishAccount("0040", "0440116243")
        with pytest.raises(dataclasses.FrozenInstanceError):
            account.reg_no = "3000"  # type: ignore[misc]


class TestValidateDkAccount:
    @pytest.mark.parametrize("row", vectors("dk_account", "valid"))
    def test_valid(self, row: dict[str, Any]) -> None:
        account = validate_dk_account(row["reg_no"], row["account_no"])
        assert account.bban == row["bban"]

    def test_accepts_spaces_and_hyphens(self) -> None:
        assert validate_dk_account(" 0040 ", "0440-116 243") == DanishAccount("0040", "0440116243")

    @pytest.mark.parametrize("row", vectors("dk_account", "invalid"))
    def test_invalid_reports_the_given_field(self, row: dict[str, str]) -> None:
        with pytest.raises(InvalidInput) as caught:
            validate_dk_account(row["reg_no"], row["account_no"], field="payee_account")
        assert_invalid(caught, "dk_account.invalid", "payee_account")


class TestIsValidDkAccount:
    def test_true_and_false(self) -> None:
        assert is_valid_dk_account("9999", "1")  # a reg.nr. the registry does not know is still accepted
        assert not is_valid_dk_account("999", "1")


class TestFormatDkAccount:
    def test_reg_and_padded_account(self) -> None:
        assert format_dk_account("3000", "1234567") == "3000 0001234567"

    def test_refuses_invalid(self) -> None:
        with pytest.raises(InvalidInput):
            format_dk_account("30", "1234567")


class TestDkAccountFromIban:
    @pytest.mark.parametrize("row", vectors("dk_account", "valid"))
    def test_round_trip(self, row: dict[str, Any]) -> None:
        account = dk_account_from_iban(row["iban"])
        assert account == DanishAccount(row["reg_no"], row["account_no"].replace("-", ""))
        assert account.to_iban() == row["iban"]

    def test_refuses_foreign_iban(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            dk_account_from_iban("GB29NWBK60161331926819", field="payee.iban")
        assert_invalid(caught, "iban.not_danish", "payee.iban")

    def test_refuses_invalid_iban(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            dk_account_from_iban("DK5000400440116244")
        assert_invalid(caught, "iban.invalid", "iban")


class TestValidateFiCreditorNumber:
    @pytest.mark.parametrize("row", vectors("fi_creditor_number", "valid"))
    def test_valid(self, row: dict[str, str]) -> None:
        assert validate_fi_creditor_number(row["value"]) == row["compact"]

    @pytest.mark.parametrize("row", vectors("fi_creditor_number", "invalid"))
    def test_invalid(self, row: dict[str, str]) -> None:
        with pytest.raises(InvalidInput) as caught:
            validate_fi_creditor_number(row["value"])
        assert_invalid(caught, "fi_creditor_number.invalid", "fi_creditor_number")

    def test_refuses_non_text(self) -> None:
        with pytest.raises(InvalidInput):
            validate_fi_creditor_number(85799665)  # type: ignore[arg-type]


class TestIsValidFiCreditorNumber:
    def test_true_and_false(self) -> None:
        assert is_valid_fi_creditor_number("85799665")
        assert not is_valid_fi_creditor_number("8579966")
