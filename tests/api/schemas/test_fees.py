"""The fee schemas: strict whole-øre fees, unknown fields refused, and how a statement reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from betal.api.schemas.fees import FeeStatementRead, PricePlanRead, PricePlanWrite
from betal.domain.money import Money
from betal.services.fees import StatementPayment
from tests.services.test_fees_pdf import PLAN, statement


class TestPricePlanWrite:
    def test_defaults(self) -> None:
        body = PricePlanWrite.model_validate({"name": "Standard", "per_payment_fee": 250})
        assert (body.monthly_fee, body.currency) == (0, "DKK")

    @pytest.mark.parametrize(
        "changes",
        [{"per_payment_fee": 2.5}, {"per_payment_fee": "250"}, {"monthly_fee": -1}, {"monthly_fee": True},
         {"extra": 1}, {"name": "x" * 201}],
    )  # fmt: skip
    def test_refused(self, changes: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            PricePlanWrite.model_validate({"name": "Standard", "per_payment_fee": 250} | changes)


class TestFeeStatementRead:
    def test_a_statement_reads_in_ore_with_its_payments(self) -> None:
        read = FeeStatementRead.of(statement(payments=1))
        assert (read.number, read.period, read.start, read.end) == (
            "25313763-2026Q4", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31),
        )  # fmt: skip
        assert read.plan == PricePlanRead.of(PLAN)
        assert [(line.kind, line.quantity, line.amount) for line in read.lines] == [
            ("subscription", 3, 59_700), ("payments", 1, 250),
        ]  # fmt: skip
        assert (read.subtotal, read.vat, read.total) == (59_950, 14_988, 74_938)
        assert read.payments[0].amount is not None
        assert (read.payments[0].amount.amount, read.payments[0].fee) == (1_234_550, 250)

    def test_a_payment_whose_order_is_gone_has_no_amount(self) -> None:
        gone = StatementPayment(date(2026, 12, 1), "pord_x", None, None, None, Money(250, "DKK"))
        read = FeeStatementRead.of(replace(statement(payments=0), payments=(gone,)))
        assert (read.payments[0].amount, read.payments[0].end_to_end_id) == (None, None)
