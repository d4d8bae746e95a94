"""The pure Berlin Group mapping, over payloads recorded from the sandbox bank (``data/*.json``)."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.adapters.providers.openbanking import mapping
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import CreatePayment, ProviderRejected, ProviderUnavailable
from tests.adapters.providers.openbanking.support import load

A2A = CreatePayment(
    payment_id="pay_01JDGOLDENA2A00000000000001", organisation_id="org_x", method=Method.ACCOUNT_TO_ACCOUNT,
    amount_minor=12_550, currency="DKK", description="Faktura 1042 –\nvinduespudsning",
    return_url="https://shop.example/return",
    creditor={"creditor_iban": "DK29 3000 0001 2345 67", "creditor_name": "Hansen & Co ApS"},
    payer_account="DK7091800012345678",
)  # fmt: skip
FI = CreatePayment(
    payment_id="pay_01JDGOLDENFIK00000000000001", organisation_id="org_x", method=Method.FI_CARD,
    amount_minor=99, currency="DKK", description="Faktura 77", return_url="https://shop.example/return",
    creditor={"creditor_number": "85799665", "card_type": "71"},
    fi_payment_line="+71< 000000067097535+85799665<",
)  # fmt: skip


class TestInitiation:
    @pytest.mark.parametrize(
        ("command", "golden"), [(A2A, "initiation-a2a.request.json"), (FI, "initiation-fi.request.json")]
    )
    def test_bodies_match_the_golden_files(self, command: CreatePayment, golden: str) -> None:
        product, body = mapping.initiation(command)
        assert {"product": product, "body": body} == load(golden)

    def test_unstructured_text_is_one_line_of_at_most_140_characters(self) -> None:
        _, body = mapping.initiation(replace(A2A, description="x " * 100))
        assert len(body["remittanceInformationUnstructured"]) == 140

    def test_a_payer_account_that_is_no_iban_is_not_sent(self) -> None:
        _, body = mapping.initiation(replace(A2A, payer_account="1234 5678"))
        assert "debtorAccount" not in body

    @pytest.mark.parametrize(
        ("command", "code"),
        [
            (replace(A2A, currency="EUR"), "currency"),
            (replace(A2A, creditor={"creditor_name": "Hansen"}), "creditor"),
            (
                replace(A2A, creditor={"creditor_iban": "DK5000400440116244", "creditor_name": "Hansen"}),
                "creditor",
            ),
            (
                replace(A2A, creditor={"creditor_iban": "DK2930000001234567", "creditor_name": " "}),
                "creditor",
            ),
            (replace(A2A, method=Method.CARD), "method"),
            (replace(FI, fi_payment_line=None), "fi_line"),
            (replace(FI, fi_payment_line="+71<000000067097536+85799665<"), "fi_line"),  # wrong check digit
            (replace(FI, fi_payment_line="+73< +85799665<"), "fi_line"),  # no payment id to pay by
            (replace(FI, fi_payment_line="+04<2150263480000023+1234567<"), "fi_line"),  # a giro card
            (replace(FI, creditor={"creditor_number": "81234567"}), "fi_line"),  # another creditor
        ],
    )
    def test_what_cannot_be_paid_is_rejected_before_calling_the_bank(
        self, command: CreatePayment, code: str
    ) -> None:
        with pytest.raises(ProviderRejected) as caught:
            mapping.initiation(command)
        assert caught.value.provider_code == code

    def test_kortart_75(self) -> None:
        line = "+75<0000000000000018+85799665<"
        _, body = mapping.initiation(replace(FI, fi_payment_line=line))
        assert body["remittanceInformationStructured"] == {
            "reference": "75/0000000000000018",
            "referenceType": "FIK",
        }


class TestRequestId:
    def test_derived_from_our_payment_id(self) -> None:
        first = mapping.request_id("pay_01JDGOLDENA2A00000000000001")
        assert first == mapping.request_id("pay_01JDGOLDENA2A00000000000001")
        assert first != mapping.request_id("pay_01JDGOLDENA2A00000000000002")
        assert uuid.UUID(first).version == 5


class TestAmounts:
    @pytest.mark.parametrize(
        ("minor", "text"),
        [(1, "0.01"), (99, "0.99"), (100, "1.00"), (12_500, "125.00"), (10**15, "10000000000000.00")],
    )
    def test_minor_units_to_text_and_back(self, minor: int, text: str) -> None:
        assert mapping.amount_text(minor, "DKK") == text
        assert mapping.amount_minor(text, "DKK") == minor

    @pytest.mark.parametrize(
        ("text", "minor"), [("125", 12_500), ("125.5", 12_550), ("0.10", 10), ("1250.500", 125_050)]
    )
    def test_shorter_forms_are_read_exactly(self, text: str, minor: int) -> None:
        assert mapping.amount_minor(text, "DKK") == minor

    @pytest.mark.parametrize(
        ("text", "currency"),
        [("0.001", "DKK"), ("1,50", "DKK"), (1.5, "DKK"), ("1e3", "DKK"), ("1.00", None), ("1.00", "XXY")],
    )
    def test_unreadable_amounts(self, text: object, currency: object) -> None:
        with pytest.raises(ProviderUnavailable):
            mapping.amount_minor(text, currency)

    @given(st.integers(min_value=1, max_value=10**16 - 1))
    def test_round_trip(self, minor: int) -> None:
        assert mapping.amount_minor(mapping.amount_text(minor, "DKK"), "DKK") == minor


class TestStatus:
    @pytest.mark.parametrize(
        ("codes", "status"),
        [
            (["RCVD"], PaymentStatus.INITIATED),
            (["ACTC", "ACCP", "ACSP", "ACWC", "ACWP", "PDNG", "PATC", "ACFC", "PART"], PaymentStatus.PENDING),
            (["ACSC", "ACCC"], PaymentStatus.SUCCEEDED),
            (["RJCT"], PaymentStatus.FAILED),
            (["CANC"], PaymentStatus.CANCELLED),
        ],
    )
    def test_table(self, codes: list[str], status: PaymentStatus) -> None:
        assert {mapping.payment_status(code) for code in codes} == {status}

    @pytest.mark.parametrize("code", ["XXXX", None, "acsc"])
    def test_unknown_codes(self, code: object) -> None:
        with pytest.raises(ProviderUnavailable, match="unknown transactionStatus"):
            mapping.payment_status(code)


class TestReference:
    def test_round_trip(self) -> None:
        ref = mapping.reference(mapping.PRODUCT_FI, "02991d92-6525-5ae6-b04c-2b75aebedc40")
        assert mapping.parse_reference(ref) == (mapping.PRODUCT_FI, "02991d92-6525-5ae6-b04c-2b75aebedc40")

    @pytest.mark.parametrize("value", ["", "abc", "sepa-credit-transfers:1", f"{mapping.PRODUCT_A2A}:"])
    def test_foreign_references(self, value: str) -> None:
        with pytest.raises(ProviderRejected):
            mapping.parse_reference(value)


class TestCreated:
    def test_recorded_initiation(self) -> None:
        response = load("initiation-a2a.response.json")
        result = mapping.created(A2A, mapping.PRODUCT_A2A, response)
        assert result.reference == f"{mapping.PRODUCT_A2A}:{response['paymentId']}"
        assert result.status is PaymentStatus.INITIATED
        assert result.redirect_url == response["_links"]["scaRedirect"]["href"]
        assert (result.payment_id, result.amount_minor, result.currency) == (A2A.payment_id, 12_550, "DKK")
        assert result.raw is response

    def test_answer_without_payment_id(self) -> None:
        with pytest.raises(ProviderUnavailable, match="no paymentId"):
            mapping.created(A2A, mapping.PRODUCT_A2A, {"transactionStatus": "RCVD"})

    def test_answer_without_links(self) -> None:
        result = mapping.created(A2A, mapping.PRODUCT_A2A, {"transactionStatus": "RCVD", "paymentId": "p1"})
        assert result.redirect_url is None


class TestFetched:
    @pytest.mark.parametrize(
        ("status", "details", "expected", "payer"),
        [
            ("status-rcvd.json", "details-a2a-rcvd.json", PaymentStatus.INITIATED, None),
            ("status-acsc.json", "details-a2a-acsc.json", PaymentStatus.SUCCEEDED, "DK7091800012345678"),
            ("status-acsc.json", "details-fi-acsc.json", PaymentStatus.SUCCEEDED, "DK7091800012345678"),
            ("status-acsp.json", "details-a2a-acsc.json", PaymentStatus.PENDING, "DK7091800012345678"),
            ("status-rjct.json", "details-a2a-rjct.json", PaymentStatus.FAILED, None),
        ],
    )
    def test_recorded_payloads(
        self, status: str, details: str, expected: PaymentStatus, payer: str | None
    ) -> None:
        status_body, details_body = load(status), load(details)
        result = mapping.fetched("ref-1", status_body, details_body)
        assert (result.reference, result.status, result.payer_account) == ("ref-1", expected, payer)
        assert (result.amount_minor, result.currency) == (12_500, "DKK")
        assert result.payment_id == details_body["endToEndIdentification"]
        assert result.raw == {"status": status_body, "payment": details_body}
        assert (result.failure_reason is None) is (expected is not PaymentStatus.FAILED)

    def test_a_fuller_answer_from_another_bank(self) -> None:
        result = mapping.fetched("ref-2", {"transactionStatus": "ACCC"}, load("details-other-bank.json"))
        assert result.status is PaymentStatus.SUCCEEDED
        assert result.amount_minor == 125_050
        assert result.payer_account == "DK5000400440116243"

    def test_failure_reasons_carry_the_bank_text(self) -> None:
        status = {
            "transactionStatus": "CANC",
            "tppMessages": [{"category": "ERROR", "code": "X", "text": "too late"}],
        }
        result = mapping.fetched("ref-3", status, load("details-a2a-rjct.json"))
        assert result.status is PaymentStatus.CANCELLED
        assert result.failure_reason == "the payment was cancelled at the bank (CANC): too late"

    def test_details_without_an_amount(self) -> None:
        with pytest.raises(ProviderUnavailable, match="instructedAmount"):
            mapping.fetched("ref-4", load("status-acsc.json"), {"transactionStatus": "ACSC"})

    def test_no_end_to_end_id_and_odd_debtor(self) -> None:
        details = load("details-a2a-acsc.json") | {"debtorAccount": {"bban": "1234"}}
        del details["endToEndIdentification"]
        result = mapping.fetched("ref-5", load("status-acsc.json"), details)
        assert (result.payment_id, result.payer_account) == ("", None)


class TestTppError:
    def test_recorded_errors(self) -> None:
        assert mapping.tpp_error(load("error-format.json")) == ("FORMAT_ERROR", "X-Request-ID must be a UUID")
        assert mapping.tpp_error(load("error-resource-unknown.json"))[0] == "RESOURCE_UNKNOWN"

    @pytest.mark.parametrize(
        "body", [None, [], {}, {"tppMessages": []}, {"tppMessages": ["x"]}, {"tppMessages": "x"}]
    )
    def test_bodies_without_messages(self, body: object) -> None:
        assert mapping.tpp_error(body) == (None, None)

    def test_odd_fields(self) -> None:
        assert mapping.tpp_error({"tppMessages": [{"code": 4, "text": None}]}) == (None, None)
