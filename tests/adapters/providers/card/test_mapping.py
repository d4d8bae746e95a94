"""Card acquirer JSON <-> the port's dataclasses, over payloads recorded from the simulator (data/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from betal.adapters.providers.card import mapping
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import CreatePayment, CreateRefund, ProviderRejected

DATA = Path(__file__).parent / "data"
EXPECTED: dict[str, dict[str, Any]] = json.loads((DATA / "expected.json").read_text())


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


def command(**changes: Any) -> CreatePayment:
    values: dict[str, Any] = {
        "payment_id": "pay_01JD5Z8Q3W0000000000000011",
        "organisation_id": "org_01JD5Z8Q3W0000000000000001",
        "method": Method.CARD,
        "amount_minor": 12_500,
        "currency": "DKK",
        "description": "Husleje december",
        "return_url": "https://betal.example/pay/return",
        "creditor": {"merchant_id": "sandbox-12345678"},
    }
    return CreatePayment(**(values | changes))


class TestRecordedPayloads:
    @pytest.mark.parametrize("name", sorted(EXPECTED))
    def test_status_table(self, name: str) -> None:
        payload, expected = load(name), EXPECTED[name]
        result = mapping.to_provider_payment(payload)
        assert result.status == PaymentStatus(expected["status"])
        assert result.failure_reason == expected["failure_reason"]
        assert result.reference == payload["paymentId"]
        assert result.payment_id == payload["reference"]
        assert (result.amount_minor, result.currency) == (12_500, "DKK")
        assert result.raw == payload

    def test_every_recorded_payment_has_an_expectation(self) -> None:
        assert {p.name for p in DATA.glob("payment_*.json")} == set(EXPECTED)

    def test_recorded_payloads_hold_no_card_number(self) -> None:
        captured = load("payment_captured.json")
        assert captured["card"] == {"brand": "visa", "last4": "1111", "expiryMonth": 12, "expiryYear": 2030}
        for path in DATA.glob("*.json"):
            assert "4111111111111111" not in path.read_text()

    def test_authorised_is_pending(self) -> None:
        assert mapping.to_provider_payment(
            load("payment_captured.json") | {"status": "AUTHORIZED"}
        ).status is (PaymentStatus.PENDING)

    def test_an_unknown_decline_reason_is_named(self) -> None:
        payload = load("payment_declined.json") | {"declineReason": "stolen_card"}
        assert mapping.failure_reason(payload) == "the card was declined (stolen_card)"

    def test_unknown_status(self) -> None:
        with pytest.raises(ProviderRejected, match="unknown card payment status"):
            mapping.to_provider_payment(load("payment_created.json") | {"status": "PAID"})

    def test_create_response(self) -> None:
        result = mapping.created(command(), load("create_response.json"))
        assert result.status is PaymentStatus.INITIATED
        assert result.reference == "da2ca8fffe9b1404342159132056983f"
        assert (
            result.redirect_url == "http://127.0.0.1:8000/sandbox/card/pay/da2ca8fffe9b1404342159132056983f"
        )


class TestRequests:
    def test_create_body(self) -> None:
        assert mapping.create_body(command(description="y" * 250)) == {
            "amount": 12_500,
            "currency": "DKK",
            "reference": "pay_01JD5Z8Q3W0000000000000011",
            "description": "y" * 200,
            "returnUrl": "https://betal.example/pay/return",
            "cancelUrl": "https://betal.example/pay/return",
            "merchantId": "sandbox-12345678",
        }

    def test_the_agreement_needs_a_merchant_id(self) -> None:
        with pytest.raises(ProviderRejected, match="merchant id"):
            mapping.create_body(command(creditor={}))

    def test_refund_key_is_derived_from_our_ids(self) -> None:
        refund = CreateRefund("pay_1", "pay_1-r0-500", "abc", 500, "DKK")
        assert mapping.refund_key(refund) == "refund-pay_1-r0-500"

    @pytest.mark.parametrize("value", ["", "../v1/payments", "a b", "x" * 65])
    def test_payment_ids_go_into_paths_only_when_well_formed(self, value: str) -> None:
        with pytest.raises(ProviderRejected) as caught:
            mapping.payment_id(value)
        assert caught.value.provider_code == "404"
