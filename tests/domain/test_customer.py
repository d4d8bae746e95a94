"""Customer contact channels: e-mail and E.164 phone numbers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from betal.domain.customer import Customer, validate_email, validate_external_id, validate_phone
from betal.domain.errors import InvalidInput


class TestValidatePhone:
    @pytest.mark.parametrize(
        ("raw", "e164"),
        [("20 30 40 50", "+4520304050"), ("+45 20304050", "+4520304050"), ("004520304050", "+4520304050"),
         ("+46 70 123 45 67", "+46701234567"), ("+1 415 555 2671", "+14155552671")],
    )  # fmt: skip
    def test_normalised(self, raw: str, e164: str) -> None:
        assert validate_phone(raw) == e164

    @pytest.mark.parametrize("raw", ["12", "abc", "+45 1234", "+999 12345678", ""])
    def test_rejected(self, raw: str) -> None:
        with pytest.raises(InvalidInput) as info:
            validate_phone(raw, field="customers.phone")
        assert info.value.errors[0].field == "customers.phone"


class TestValidateEmail:
    def test_lowercased(self) -> None:
        assert validate_email("  Jens@Example.DK ") == "jens@example.dk"

    @pytest.mark.parametrize("raw", ["jens", "jens@", "@x.dk", "a b@x.dk", "x@y", "a" * 250 + "@x.dk"])
    def test_rejected(self, raw: str) -> None:
        with pytest.raises(InvalidInput):
            validate_email(raw)


class TestExternalId:
    def test_bounds(self) -> None:
        assert validate_external_id(" ERP-42 ") == "ERP-42"
        for bad in ("", " ", "x" * 101, "a\nb"):
            with pytest.raises(InvalidInput):
                validate_external_id(bad)


class TestCustomer:
    def test_business_has_cvr(self) -> None:
        now = datetime.now(UTC)
        person = Customer("cus_1", "org_1", "Jens", "j@x.dk", None, None, None, None, now)
        firm = Customer("cus_2", "org_1", "Firma ApS", "f@x.dk", None, None, "25313763", None, now)
        assert not person.is_business
        assert firm.is_business
