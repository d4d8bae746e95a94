"""Payables schemas: strict integer amounts, unknown fields refused, decimals kept exact, and the resources
rendered from the domain (the Danish account as one object, the FI code line)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from betal.api.schemas.payables import (
    InvoiceLineWrite,
    PaymentMeansRead,
    SupplierCreate,
    SupplierInvoiceCreate,
    SupplierRead,
    SupplierUpdate,
)
from betal.domain.payables import PaymentMeans, PaymentMeansKind, Supplier
from betal.services.payment_means import MeansInput
from betal.services.supplier_invoice import LineInput

AT = datetime(2026, 3, 2, tzinfo=UTC)
BODY = {
    "supplier_id": "sup_1", "invoice_number": "F-1", "issue_date": "2026-03-02", "due_date": "2026-03-16",
    "currency": "DKK", "vat_amount": 25, "total": 125,
}  # fmt: skip


class TestSupplierInvoiceCreate:
    @pytest.mark.parametrize(
        "changes",
        [{"total": 125.0}, {"total": "125"}, {"vat_amount": -1}, {"total": 0}, {"currency": "dkk"},
         {"extra": 1}, {"payment_means": {"kind": "cash"}}, {"lines": [{"description": "x", "amount": 1.5}]}],
    )  # fmt: skip
    def test_refused(self, changes: dict[str, object]) -> None:
        with pytest.raises(ValidationError):
            SupplierInvoiceCreate.model_validate(BODY | changes)

    def test_lines_and_means_become_service_inputs(self) -> None:
        sent = SupplierInvoiceCreate.model_validate(
            BODY | {"lines": [{"description": " Papir ", "amount": 100, "quantity": 2.5,
                               "unit_price": "40.00"}],
                    "payment_means": {"kind": "iban", "iban": "DK5000400440116243"}}
        )  # fmt: skip
        assert sent.lines[0].domain() == LineInput("Papir", 100, "2.5", "40.00", None)
        assert sent.payment_means is not None
        assert sent.payment_means.domain() == MeansInput("iban", iban="DK5000400440116243")

    def test_quantity_is_exact(self) -> None:
        line = InvoiceLineWrite.model_validate({"description": "x", "amount": 1, "quantity": "0.1"})
        assert line.quantity == Decimal("0.1")


class TestSuppliers:
    def test_create_and_partial_update(self) -> None:
        created = SupplierCreate.model_validate(
            {"name": "A", "dk_account": {"reg_no": "0040", "account_no": "1"}}
        )
        assert created.model_dump()["dk_account"] == {"reg_no": "0040", "account_no": "1"}
        update = SupplierUpdate.model_validate({"iban": None})
        assert update.model_dump(exclude_unset=True) == {"iban": None}
        with pytest.raises(ValidationError):
            SupplierUpdate.model_validate({"country": "DK"})

    def test_read_joins_the_danish_account(self) -> None:
        supplier = Supplier(
            "sup_1", "org_1", "A", None, None, None, "0040", "0440116243", None, "DK", None, False, AT, AT
        )
        read = SupplierRead.of(supplier)
        assert read.dk_account is not None
        assert (read.dk_account.reg_no, read.dk_account.account_no) == ("0040", "0440116243")
        assert SupplierRead.of(Supplier(**(vars(supplier) | {"dk_reg_no": None}))).dk_account is None


class TestPaymentMeansRead:
    def test_the_fi_code_line(self) -> None:
        means = PaymentMeans(PaymentMeansKind.FI_CARD, "73", "85799665")
        read = PaymentMeansRead.of(means)
        assert read is not None
        assert (read.kind, read.fi_code_line) == ("fi_card", "+73< +85799665<")
        assert PaymentMeansRead.of(None) is None
        iban = PaymentMeansRead.of(PaymentMeans(PaymentMeansKind.IBAN, iban="DK5000400440116243"))
        assert iban is not None
        assert iban.fi_code_line is None
