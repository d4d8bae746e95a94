"""The rules of payment orders, table by table: the kind of bank payment each payment means makes, and
execution dates on banking days, never in the past, with the reason when they move."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from betal.domain.errors import InvalidInput
from betal.domain.payables import OrderStatus, OrderType, PaymentMeans, PaymentMeansKind, PaymentOrder
from betal.domain.payment_order import execution_dates, execution_note, order_type

TODAY = date(2026, 11, 23)  # a Monday
FIK_71 = PaymentMeans(
    PaymentMeansKind.FI_CARD,
    fi_card_type="71",
    fi_creditor_number="85799665",
    fi_payment_id="000000067097535",
)
DE_IBAN = "DE89370400440532013000"
GB_IBAN = "GB29NWBK60161331926819"
DK_IBAN = "DK5000400440116243"


class TestOrderType:
    @pytest.mark.parametrize(
        ("means", "currency", "expected"),
        [
            (FIK_71, "DKK", OrderType.FI_CARD),
            (PaymentMeans(PaymentMeansKind.FI_CARD, fi_card_type="73", fi_creditor_number="85799665"), "DKK",
             OrderType.FI_CARD),
            (PaymentMeans(PaymentMeansKind.DOMESTIC, reg_no="0040", account_no="0440116243"), "DKK",
             OrderType.DOMESTIC),
            (PaymentMeans(PaymentMeansKind.IBAN, iban=DK_IBAN), "DKK", OrderType.DOMESTIC),
            (PaymentMeans(PaymentMeansKind.IBAN, iban=DE_IBAN, bic="COBADEFFXXX"), "EUR", OrderType.SEPA),
            (PaymentMeans(PaymentMeansKind.IBAN, iban=DK_IBAN), "EUR", OrderType.SEPA),
            (PaymentMeans(PaymentMeansKind.IBAN, iban=GB_IBAN), "GBP", OrderType.INTERNATIONAL),
            (PaymentMeans(PaymentMeansKind.IBAN, iban=DE_IBAN), "USD", OrderType.INTERNATIONAL),
            (PaymentMeans(PaymentMeansKind.IBAN, iban="US64SVBKUS6S3300958879"), "EUR",
             OrderType.INTERNATIONAL),
        ],
    )  # fmt: skip
    def test_the_type_follows_the_means_and_the_currency(
        self, means: PaymentMeans, currency: str, expected: OrderType
    ) -> None:
        assert order_type(means, currency) is expected

    @pytest.mark.parametrize(
        ("means", "currency", "message"),
        [
            (FIK_71, "EUR", "made in DKK, not EUR"),
            (PaymentMeans(PaymentMeansKind.DOMESTIC, reg_no="0040", account_no="1"), "SEK", "not SEK"),
            (PaymentMeans(PaymentMeansKind.FI_CARD, fi_card_type="71", fi_creditor_number="85799665"), "DKK",
             "needs its payment id"),
            (PaymentMeans(PaymentMeansKind.FI_CARD, fi_card_type="99", fi_creditor_number="85799665"), "DKK",
             "card type"),
            (PaymentMeans(PaymentMeansKind.DOMESTIC, reg_no="0040"), "DKK", "reg.no. or account number"),
            (PaymentMeans(PaymentMeansKind.IBAN), "EUR", "lacks its IBAN"),
        ],
    )  # fmt: skip
    def test_means_that_cannot_be_paid_are_refused(
        self, means: PaymentMeans, currency: str, message: str
    ) -> None:
        with pytest.raises(InvalidInput, match=message) as caught:
            order_type(means, currency)
        assert caught.value.code == "payment_order.invalid_payment_means"


class TestExecutionDates:
    @pytest.mark.parametrize(
        ("requested", "due", "today", "expected"),
        [
            (None, date(2026, 11, 30), TODAY, (date(2026, 11, 30), date(2026, 11, 30))),  # a Monday
            (None, date(2026, 11, 28), TODAY, (date(2026, 11, 28), date(2026, 11, 30))),  # Saturday -> Monday
            (None, date(2026, 12, 24), TODAY, (date(2026, 12, 24), date(2026, 12, 28))),  # Christmas
            (None, date(2026, 11, 10), TODAY, (date(2026, 11, 10), TODAY)),  # due date passed: today
            (None, date(2026, 11, 10), date(2026, 11, 21), (date(2026, 11, 10), date(2026, 11, 23))),
            (date(2026, 11, 25), date(2026, 12, 31), TODAY, (date(2026, 11, 25), date(2026, 11, 25))),
            (TODAY, date(2026, 12, 31), TODAY, (TODAY, TODAY)),
            (date(2026, 6, 5), date(2026, 6, 1), date(2026, 6, 1), (date(2026, 6, 5), date(2026, 6, 8))),
        ],
    )
    def test_a_banking_day_never_in_the_past(
        self, requested: date | None, due: date, today: date, expected: tuple[date, date]
    ) -> None:
        assert execution_dates(requested, due, today) == expected

    def test_a_date_asked_for_in_the_past_is_refused(self) -> None:
        with pytest.raises(InvalidInput, match="2026-11-20 is in the past") as caught:
            execution_dates(date(2026, 11, 20), date(2026, 12, 1), TODAY)
        assert caught.value.code == "payment_order.execution_date_in_past"
        assert caught.value.errors[0].field == "execution_date"

    def test_a_date_more_than_a_year_ahead_is_refused(self) -> None:
        with pytest.raises(InvalidInput, match="within 366 days"):
            execution_dates(date(2028, 1, 1), date(2026, 12, 1), TODAY)


class TestExecutionNote:
    ORDER = PaymentOrder(
        id="pord_1", organisation_id="org_1", supplier_invoice_id="sinv_1", supplier_id="sup_1",
        type=OrderType.DOMESTIC, amount_minor=100, currency="DKK", requested_date=date(2026, 11, 30),
        execution_date=date(2026, 11, 30), status=OrderStatus.DRAFT, required_approvals=1, fx_rate=None,
        fx_rate_date=None, dkk_amount_minor=None, bank_file_id=None, end_to_end_id="pord_1",
        rejection_comment=None, failure_reason=None, created_by=None,
        created_at=datetime(2026, 11, 23, 9, tzinfo=UTC), updated_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
    )  # fmt: skip

    @pytest.mark.parametrize(
        ("requested", "execution", "note"),
        [
            (date(2026, 11, 30), date(2026, 11, 30), None),
            (date(2026, 11, 28), date(2026, 11, 30), "not_a_banking_day"),  # a Saturday
            (date(2026, 11, 10), date(2026, 11, 23), "due_date_passed"),  # before the day it was made
            (date(2026, 11, 24), date(2026, 11, 27), "approved_late"),
            (date(2026, 11, 28), date(2026, 12, 2), "approved_late"),  # a weekend, then approved late
        ],
    )
    def test_table(self, requested: date, execution: date, note: str | None) -> None:
        order = replace(self.ORDER, requested_date=requested, execution_date=execution)
        assert execution_note(order) == note
