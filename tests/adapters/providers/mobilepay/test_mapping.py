"""ePayment JSON <-> the port's dataclasses, over payloads recorded from the simulator (data/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from betal.adapters.providers.mobilepay import mapping
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import CreatePayment, CreateRefund, ProviderRejected

DATA = Path(__file__).parent / "data"
EXPECTED: dict[str, dict[str, Any]] = json.loads((DATA / "expected.json").read_text())
MSN = "123456"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


def command(**changes: Any) -> CreatePayment:
    values: dict[str, Any] = {
        "payment_id": "pay_01JD5Z8Q3W0000000000000001",
        "organisation_id": "org_01JD5Z8Q3W0000000000000001",
        "method": Method.MOBILEPAY,
        "amount_minor": 12_500,
        "currency": "DKK",
        "description": "Husleje december",
        "return_url": "https://betal.example/pay/return",
        "creditor": {"merchant_serial_number": MSN},
    }
    return CreatePayment(**(values | changes))


class TestRecordedPayloads:
    @pytest.mark.parametrize("name", sorted(EXPECTED))
    def test_status_table(self, name: str) -> None:
        payload, expected = load(name), EXPECTED[name]
        result = mapping.to_provider_payment(MSN, payload)
        assert result.status == PaymentStatus(expected["status"])
        assert result.failure_reason == expected["failure_reason"]
        assert mapping.needs_capture(payload) is expected["needs_capture"]
        assert result.reference == f"{MSN}:{payload['reference']}"
        assert result.payment_id == payload["reference"].replace("-", "_")
        assert (result.amount_minor, result.currency) == (12_500, "DKK")
        assert result.raw == payload  # kept untouched

    def test_every_recorded_payment_has_an_expectation(self) -> None:
        recorded = {p.name for p in DATA.glob("payment_*.json")} | {"capture_response.json"}
        assert recorded == set(EXPECTED)

    def test_captured_and_refunded_are_not_states(self) -> None:
        assert load("payment_partially_refunded.json")["state"] == "AUTHORIZED"
        assert load("payment_partially_refunded.json")["aggregate"]["refundedAmount"]["value"] == 2500

    def test_partly_captured_is_pending(self) -> None:
        payload = load("payment_captured.json")
        payload["aggregate"]["capturedAmount"]["value"] = 5000
        assert mapping.status_of(payload) == (PaymentStatus.PENDING, None)

    def test_unknown_state(self) -> None:
        with pytest.raises(ProviderRejected, match="unknown MobilePay state"):
            mapping.status_of(load("payment_created.json") | {"state": "CAPTURED"})

    def test_create_response(self) -> None:
        result = mapping.created(MSN, command(), load("create_response.json"))
        assert result.status is PaymentStatus.INITIATED
        assert result.reference == f"{MSN}:pay-01JD5Z8Q3W0000000000000001"
        assert (
            result.redirect_url
            == "http://127.0.0.1:8000/sandbox/mobilepay/app/pay-01JD5Z8Q3W0000000000000001"
        )


class TestRequests:
    def test_create_body(self) -> None:
        assert mapping.create_body(command(description="x" * 150)) == {
            "amount": {"currency": "DKK", "value": 12_500},
            "paymentMethod": {"type": "WALLET"},
            "reference": "pay-01JD5Z8Q3W0000000000000001",
            "returnUrl": "https://betal.example/pay/return",
            "userFlow": "WEB_REDIRECT",
            "paymentDescription": "x" * 100,
        }

    def test_capture_takes_the_authorised_amount(self) -> None:
        body = mapping.capture_body(load("payment_authorized.json"))
        assert body == {"modificationAmount": {"currency": "DKK", "value": 12_500}}

    def test_refund_body(self) -> None:
        refund = CreateRefund("pay_1", "pay_1-r0-500", f"{MSN}:pay-1abcdefgh", 500, "DKK")
        assert mapping.refund_body(refund) == {"modificationAmount": {"currency": "DKK", "value": 500}}


class TestReferences:
    def test_reversible(self) -> None:
        payment_id = "pay_01JD5Z8Q3W0000000000000001"
        reference = mapping.reference_for(payment_id)
        assert mapping.REFERENCE.match(reference)
        assert mapping.payment_id_for(reference) == payment_id

    @pytest.mark.parametrize("payment_id", ["pay_1", "pay_" + "A" * 70, "pay_ÆØÅ12345"])
    def test_not_every_string_is_a_reference(self, payment_id: str) -> None:
        with pytest.raises(ValueError, match="cannot be a MobilePay reference"):
            mapping.reference_for(payment_id)

    def test_only_betal_payments_are_ours(self) -> None:
        assert mapping.is_ours("pay-01JD5Z8Q3W0000000000000001")
        assert not mapping.is_ours("webshop-order-10001")
        assert not mapping.is_ours("man-01JD5Z8Q3W0000000000000001")

    def test_handle(self) -> None:
        handle = mapping.handle(MSN, "pay-01JD5Z8Q3W0000000000000001")
        assert mapping.split_handle(handle) == (MSN, "pay-01JD5Z8Q3W0000000000000001")

    @pytest.mark.parametrize("value", ["pay-01JD5Z8Q3W", "abc:pay-01JD5Z8Q3W", "123456:pay_1", "123456:"])
    def test_bad_handles_are_unknown_payments(self, value: str) -> None:
        with pytest.raises(ProviderRejected) as caught:
            mapping.split_handle(value)
        assert caught.value.provider_code == "404"

    def test_idempotency_keys(self) -> None:
        assert mapping.idempotency_key("pay_01JD", "capture") == "pay-01JD-capture"
        with pytest.raises(ValueError, match="not a valid idempotency key"):
            mapping.idempotency_key("x" * 51)

    @pytest.mark.parametrize(
        "creditor", [{}, {"merchant_serial_number": "12"}, {"merchant_serial_number": "12a456"}]
    )
    def test_the_agreement_needs_a_merchant_serial_number(self, creditor: dict[str, Any]) -> None:
        with pytest.raises(ProviderRejected, match="merchant serial number"):
            mapping.merchant_serial_number(creditor)
        assert mapping.merchant_serial_number({"merchant_serial_number": 654321}) == "654321"

    def test_webhook_events(self) -> None:
        assert "epayments.payment.authorized.v1" in mapping.WEBHOOK_EVENTS
        assert len(mapping.WEBHOOK_EVENTS) == 8
