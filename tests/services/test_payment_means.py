"""Payment means of supplier invoices: FI-kort check digits (danish-payments.md §1.4 vectors), Danish
accounts, IBAN and BIC, exactly the fields of each kind, DKK only where the scheme is, and the supplier's
bank details as the fallback that decides whether an invoice can be paid."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from betal.domain.errors import InvalidInput
from betal.domain.payables import (
    InvoiceSource,
    InvoiceStatus,
    PaymentMeans,
    PaymentMeansKind,
    Supplier,
    SupplierInvoice,
)
from betal.services.payment_means import (
    MeansInput,
    effective_means,
    payable_problem,
    supplier_means,
    validate_means,
)

AT = datetime(2026, 3, 2, tzinfo=UTC)
FI = PaymentMeansKind.FI_CARD
SUPPLIER = Supplier(
    "sup_1", "org_1", "Kontorland A/S", "13748136", None, None, None, None, None, "DK", None, False, AT, AT
)
INVOICE = SupplierInvoice(
    id="sinv_1", organisation_id="org_1", supplier_id="sup_1", invoice_number="F-1",
    issue_date=date(2026, 3, 2), due_date=date(2026, 3, 16), currency="DKK", net_minor=100, vat_minor=25,
    gross_minor=125, means=None,
    source=InvoiceSource.TYPED, status=InvoiceStatus.BOOKED, description=None, lines=(), base_gross_minor=125,
    fx_rate=None, created_by=None, created_at=AT, updated_at=AT,
)  # fmt: skip


def _fi(card_type: str, payment_id: str | None, account: str = "85799665") -> MeansInput:
    return MeansInput("fi_card", fi_card_type=card_type, fi_creditor_number=account, fi_payment_id=payment_id)


class TestValidateMeans:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            (_fi("71", "000000067097535"), PaymentMeans(FI, "71", "85799665", "000000067097535")),
            (_fi("71", "000100017156728"), PaymentMeans(FI, "71", "85799665", "000100017156728")),
            (_fi("75", "0000000000000018"), PaymentMeans(FI, "75", "85799665", "0000000000000018")),
            (_fi("73", None), PaymentMeans(FI, "73", "85799665", None)),
            (_fi("04", "2150263480000023", "1234567"), PaymentMeans(FI, "04", "1234567", "2150263480000023")),
            (
                MeansInput("domestic", reg_no="0040", account_no="440116243"),
                PaymentMeans(PaymentMeansKind.DOMESTIC, reg_no="0040", account_no="0440116243"),
            ),
            (
                MeansInput("iban", iban="DK50 0040 0440 1162 43", bic="ndeadkkk"),
                PaymentMeans(PaymentMeansKind.IBAN, iban="DK5000400440116243", bic="NDEADKKK"),
            ),
            (
                MeansInput("iban", iban="DE89370400440532013000"),
                PaymentMeans(PaymentMeansKind.IBAN, iban="DE89370400440532013000"),
            ),
        ],
    )
    def test_valid_means(self, given: MeansInput, expected: PaymentMeans) -> None:
        assert validate_means(given, "DKK") == expected

    @pytest.mark.parametrize(
        ("given", "field"),
        [
            (_fi("71", "000100017156723"), "payment_means.fi_payment_id"),  # BC WrongFIK71: check digit
            (_fi("04", "2150263480000025", "1234567"), "payment_means.fi_payment_id"),  # BC WrongFIK04
            (_fi("71", "00010001715672"), "payment_means.fi_payment_id"),  # 14 digits
            (_fi("71", None), "payment_means.fi_payment_id"),
            (_fi("73", "000000067097535"), "payment_means.fi_payment_id"),  # 73 carries no id
            (_fi("71", "000000067097535", "8579966"), "payment_means.fi_creditor_number"),
            (_fi("15", "2150263480000023"), "payment_means.fi_card_type"),
            (_fi("", "2150263480000023"), "payment_means.fi_card_type"),
            (MeansInput("domestic", reg_no="40", account_no="1"), "payment_means.account_no"),
            (MeansInput("domestic", reg_no="0040"), "payment_means.account_no"),
            (MeansInput("iban", iban="DK5000400440116244"), "payment_means.iban"),
            (MeansInput("iban", iban="DK5000400440116243", bic="NDEA"), "payment_means.bic"),
            (MeansInput("cash"), "payment_means.kind"),
        ],
    )
    def test_invalid_means_name_the_field(self, given: MeansInput, field: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            validate_means(given, "DKK")
        assert [p.field for p in caught.value.errors] == [field]

    def test_fields_of_another_kind_are_refused(self) -> None:
        given = MeansInput("iban", iban="DK5000400440116243", reg_no="0040", fi_payment_id="1")
        with pytest.raises(InvalidInput) as caught:
            validate_means(given, "DKK")
        assert caught.value.code == "payment_means.invalid"
        assert [p.field for p in caught.value.errors] == [
            "payment_means.fi_payment_id",
            "payment_means.reg_no",
        ]

    @pytest.mark.parametrize(
        "given", [_fi("73", None), MeansInput("domestic", reg_no="0040", account_no="1")]
    )
    def test_fi_and_danish_accounts_take_dkk_only(self, given: MeansInput) -> None:
        with pytest.raises(InvalidInput) as caught:
            validate_means(given, "EUR")
        assert caught.value.code == "payment_means.currency"
        assert (
            validate_means(MeansInput("iban", iban="DE89370400440532013000"), "EUR").kind
            is PaymentMeansKind.IBAN
        )


class TestSupplierMeans:
    def test_iban_then_danish_account_then_creditor_number(self) -> None:
        every = replace(
            SUPPLIER, iban="DK5000400440116243", bic="NDEADKKK", dk_reg_no="0040", dk_account_no="0440116243",
            fi_creditor_number="85799665",
        )  # fmt: skip
        assert supplier_means(every, "DKK") == PaymentMeans(
            PaymentMeansKind.IBAN, iban="DK5000400440116243", bic="NDEADKKK"
        )
        no_iban = replace(every, iban=None, bic=None)
        assert supplier_means(no_iban, "DKK") == PaymentMeans(
            PaymentMeansKind.DOMESTIC, reg_no="0040", account_no="0440116243"
        )
        only_fi = replace(no_iban, dk_reg_no=None, dk_account_no=None)
        assert supplier_means(only_fi, "DKK") == PaymentMeans(FI, "73", "85799665")

    def test_foreign_currency_needs_an_iban(self) -> None:
        danish = replace(
            SUPPLIER, dk_reg_no="0040", dk_account_no="0440116243", fi_creditor_number="85799665"
        )
        assert supplier_means(danish, "EUR") is None
        assert supplier_means(SUPPLIER, "DKK") is None


class TestPayable:
    def test_own_means_first(self) -> None:
        means = PaymentMeans(FI, "73", "85799665")
        assert effective_means(replace(INVOICE, means=means), SUPPLIER) == (means, "invoice")
        assert payable_problem(replace(INVOICE, means=means), SUPPLIER) is None

    def test_supplier_details_as_fallback(self) -> None:
        supplier = replace(SUPPLIER, iban="DK5000400440116243")
        means, source = effective_means(INVOICE, supplier)
        assert (means is not None, source) == (True, "supplier")
        assert payable_problem(INVOICE, supplier) is None

    def test_neither_says_why(self) -> None:
        assert effective_means(INVOICE, SUPPLIER) == (None, None)
        problem = payable_problem(INVOICE, SUPPLIER)
        assert problem is not None
        assert "no payment details" in problem

    def test_a_paid_invoice_is_not_payable(self) -> None:
        paid = replace(INVOICE, status=InvoiceStatus.PAID, means=PaymentMeans(FI, "73", "85799665"))
        assert payable_problem(paid, SUPPLIER) == "the invoice is paid"
