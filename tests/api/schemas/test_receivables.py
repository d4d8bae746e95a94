"""Receivables schemas: unknown fields refused, CPR only ever masked on the way out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from betal.api.schemas.receivables import CustomerCreate, CustomerRead, PaymentRequestCreate
from betal.domain.customer import Customer


class TestSchemas:
    def test_customer_read_shows_the_masked_cpr(self) -> None:
        customer = Customer(
            "cus_1", "org_1", "Jens", "j@x.dk", None, "010190-XXXX", None, None, datetime.now(UTC)
        )
        assert CustomerRead.model_validate(customer).model_dump()["cpr"] == "010190-XXXX"

    def test_unknown_fields_refused(self) -> None:
        with pytest.raises(ValidationError, match="extra"):
            CustomerCreate.model_validate({"name": "x", "shoe_size": 42})

    def test_methods_are_known_names(self) -> None:
        with pytest.raises(ValidationError):
            PaymentRequestCreate.model_validate(
                {
                    "customer_id": "c",
                    "amount": 1,
                    "currency": "DKK",
                    "due_date": "2030-01-01",
                    "description": "d",
                    "allowed_methods": ["cash"],
                }
            )
