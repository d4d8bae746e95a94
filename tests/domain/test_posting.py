"""Posting rules: every flow balances in each currency and in DKK; VAT, charges and exchange differences."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.domain import posting
from betal.domain.dunning import Charge, ChargeKind
from betal.domain.errors import InvalidInput
from betal.domain.ledger import AccountRole, JournalDraft, Line, check_balanced, valued
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest, RequestStatus
from betal.domain.posting import Cleared, Fx, Held

R = AccountRole
DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
RATE = Decimal("7.46")


def request(
    amount: int = 12_500, vat: int = 2_500, currency: str = "DKK", **changes: object
) -> PaymentRequest:
    made = PaymentRequest(
        id="preq_1", organisation_id="org_1", customer_id="cus_1", amount_minor=amount, currency=currency,
        due_date=date(2026, 3, 16), description="Rent", reference="F-1", allowed_methods=(Method.CARD,),
        status=RequestStatus.OPEN, fi_payment_line=None, fi_payment_id=None, paid_minor=0, overpaid_minor=0,
        refunded_minor=0, created_at=NOW, updated_at=NOW, vat_minor=vat,
    )  # fmt: skip
    return replace(made, **changes)  # type: ignore[arg-type]


def charge(kind: ChargeKind, amount: int, minutes: int = 0) -> Charge:
    return Charge(f"chg_{kind.value}_{minutes}", "org_1", "preq_1", kind, amount, "DKK",
                  NOW + timedelta(minutes=minutes))  # fmt: skip


def by_role(entry: JournalDraft) -> dict[tuple[R, str], int]:
    """The entry's amounts per (role, currency), once it is checked to balance when valued."""
    check_balanced(valued(entry, {"EUR": RATE, "SEK": Decimal("0.68")}).lines)
    found: dict[tuple[R, str], int] = defaultdict(int)
    for line in entry.lines:
        found[(line.role, line.currency)] += line.amount_minor
    return dict(found)


def bases(entry: JournalDraft) -> dict[R, int]:
    """The entry's DKK values per role; it must balance as it stands."""
    check_balanced(entry.lines)
    found: dict[R, int] = defaultdict(int)
    for line in entry.lines:
        found[line.role] += line.base
    return dict(found)


class TestRequestIssued:
    def test_sales_net_of_the_vat(self) -> None:
        entry = posting.request_issued(request(), DAY)
        assert (entry.source_type, entry.source_id, entry.description) == (
            "payment_request", "preq_1", "Betalingsanmodning F-1",
        )  # fmt: skip
        assert by_role(entry) == {(R.RECEIVABLES, "DKK"): 12_500, (R.SALES, "DKK"): -10_000,
                                  (R.OUTPUT_VAT, "DKK"): -2_500}  # fmt: skip

    def test_no_vat_line_without_vat_and_the_id_without_a_reference(self) -> None:
        entry = posting.request_issued(request(vat=0, reference=None, currency="EUR"), DAY)
        assert entry.description == "Betalingsanmodning Rent"
        assert by_role(entry) == {(R.RECEIVABLES, "EUR"): 12_500, (R.SALES, "EUR"): -12_500}


class TestChargeAdded:
    @pytest.mark.parametrize(
        ("kind", "income"),
        [(ChargeKind.REMINDER_FEE, R.FEE_INCOME), (ChargeKind.COMPENSATION, R.FEE_INCOME),
         (ChargeKind.INTEREST, R.INTEREST_INCOME)],
    )  # fmt: skip
    def test_receivables_against_the_income_of_its_kind(self, kind: ChargeKind, income: R) -> None:
        entry = posting.charge_added("org_1", "preq_1", "chg_1", kind, 10_000, "DKK", DAY)
        assert (entry.source_type, entry.source_id) == ("charge", "chg_1")
        assert by_role(entry) == {(R.RECEIVABLES, "DKK"): 10_000, (income, "DKK"): -10_000}


class TestPaymentReceived:
    def test_clearing_against_receivables_and_the_excess_as_credit(self) -> None:
        entry = posting.payment_received("org_1", "pay_1", Method.MOBILEPAY, 8_000, 2_000, "DKK", DAY)
        assert by_role(entry) == {
            (R.CLEARING_MOBILEPAY, "DKK"): 10_000, (R.RECEIVABLES, "DKK"): -8_000,
            (R.CUSTOMER_CREDIT, "DKK"): -2_000,
        }  # fmt: skip

    def test_an_exchange_gain_when_the_rate_rose(self) -> None:
        fx = Fx(Decimal("7.47"), Held(10_000, 74_500))
        entry = posting.payment_received("org_1", "pay_1", Method.CARD, 10_000, 0, "EUR", DAY, fx=fx)
        assert bases(entry) == {R.CLEARING_CARD: 74_700, R.RECEIVABLES: -74_500, R.FX_GAINS: -200}
        assert by_role(entry)[(R.FX_GAINS, "EUR")] == 0

    def test_an_exchange_loss_on_a_part_payment_and_the_excess_at_the_day_rate(self) -> None:
        fx = Fx(Decimal("7.44"), Held(10_000, 74_600))
        entry = posting.payment_received("org_1", "pay_1", Method.CARD, 2_500, 500, "EUR", DAY, fx=fx)
        assert bases(entry) == {
            R.CLEARING_CARD: 22_320, R.RECEIVABLES: -18_650, R.CUSTOMER_CREDIT: -3_720, R.FX_LOSSES: 50,
        }  # fmt: skip

    def test_no_difference_when_the_rate_held(self) -> None:
        fx = Fx(Decimal("7.46"), Held(10_000, 74_600))
        entry = posting.payment_received("org_1", "pay_1", Method.CARD, 10_000, 0, "EUR", DAY, fx=fx)
        assert set(bases(entry)) == {R.CLEARING_CARD, R.RECEIVABLES}

    def test_fx_is_ignored_in_dkk(self) -> None:
        fx = Fx(Decimal("7.46"), Held(10_000, 1))
        entry = posting.payment_received("org_1", "pay_1", Method.CARD, 10_000, 0, "DKK", DAY, fx=fx)
        assert bases(entry) == {R.CLEARING_CARD: 10_000, R.RECEIVABLES: -10_000}


class TestHeld:
    @pytest.mark.parametrize(
        ("held", "amount", "expected"),
        [(Held(10_000, 74_600), 10_000, 74_600), (Held(10_000, 74_601), 5_000, 37_300),
         (Held(3, 23), 1, 8), (Held(10_000, 74_600), 10_001, None), (Held(0, 0), 1, None),
         (Held(10_000, 74_600), 0, None)],
    )  # fmt: skip
    def test_release_at_the_booked_value(self, held: Held, amount: int, expected: int | None) -> None:
        assert held.release(amount) == expected

    def test_a_hand_corrected_item_falls_back_to_the_day_rate(self) -> None:
        fx = Fx(Decimal("7.50"), Held(0, 0))
        entry = posting.payment_received("org_1", "pay_1", Method.CARD, 100, 0, "EUR", DAY, fx=fx)
        assert bases(entry) == {R.CLEARING_CARD: 750, R.RECEIVABLES: -750}


class TestRefundPaid:
    def paid(self, **changes: object) -> PaymentRequest:
        values: dict[str, object] = {"status": RequestStatus.PAID, "paid_minor": 12_500} | changes
        return request(**values)

    def test_the_overpayment_first(self) -> None:
        entry = posting.refund_paid(self.paid(overpaid_minor=3_000), "pay_1", Method.CARD, 3_000, DAY)
        assert entry.source_id == "pay_1"
        assert by_role(entry) == {(R.CUSTOMER_CREDIT, "DKK"): 3_000, (R.CLEARING_CARD, "DKK"): -3_000}

    def test_then_sales_and_their_vat(self) -> None:
        entry = posting.refund_paid(self.paid(overpaid_minor=1_000), "pay_1", Method.CARD, 6_000, DAY)
        assert by_role(entry) == {
            (R.CUSTOMER_CREDIT, "DKK"): 1_000, (R.SALES, "DKK"): 4_000, (R.OUTPUT_VAT, "DKK"): 1_000,
            (R.CLEARING_CARD, "DKK"): -6_000,
        }  # fmt: skip

    def test_then_charges_latest_first(self) -> None:
        charges = [charge(ChargeKind.COMPENSATION, 31_000), charge(ChargeKind.INTEREST, 300, 5),
                   charge(ChargeKind.REMINDER_FEE, 10_000, 5)]  # fmt: skip
        paid = self.paid(paid_minor=53_800, charges_minor=41_300, refunded_minor=12_000)
        entry = posting.refund_paid(paid, "pay_1", Method.CARD, 11_000, DAY, charges=charges)
        assert by_role(entry) == {
            (R.SALES, "DKK"): 400, (R.OUTPUT_VAT, "DKK"): 100, (R.INTEREST_INCOME, "DKK"): 300,
            (R.FEE_INCOME, "DKK"): 10_200, (R.CLEARING_CARD, "DKK"): -11_000,
        }  # fmt: skip

    def test_the_ledger_says_what_credit_is_left(self) -> None:
        """An overpayment that came after a refund of the amount is still paid back first."""
        late = self.paid(refunded_minor=500, overpaid_minor=1_000)
        entry = posting.refund_paid(late, "pay_1", Method.CARD, 1_000, DAY, credit_minor=1_000)
        assert by_role(entry) == {(R.CUSTOMER_CREDIT, "DKK"): 1_000, (R.CLEARING_CARD, "DKK"): -1_000}
        after = replace(late, refunded_minor=1_500)
        entry = posting.refund_paid(after, "pay_1", Method.CARD, 600, DAY, credit_minor=0)
        assert by_role(entry) == {
            (R.SALES, "DKK"): 480, (R.OUTPUT_VAT, "DKK"): 120, (R.CLEARING_CARD, "DKK"): -600,
        }  # fmt: skip

    def test_at_most_what_was_paid(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            posting.refund_paid(self.paid(refunded_minor=12_000), "pay_1", Method.CARD, 501, DAY)
        assert caught.value.code == "refund.too_large"

    def test_a_foreign_credit_leaves_at_its_booked_value(self) -> None:
        paid = self.paid(currency="EUR", vat=0, overpaid_minor=1_000)
        fx = Fx(Decimal("7.50"), Held(1_000, 7_460))
        entry = posting.refund_paid(paid, "pay_1", Method.CARD, 2_000, DAY, fx=fx)
        assert bases(entry) == {
            R.CUSTOMER_CREDIT: 7_460,
            R.SALES: 7_500,
            R.CLEARING_CARD: -15_000,
            R.FX_LOSSES: 40,
        }

    @given(
        amount=st.integers(1, 10**7),
        vat_share=st.integers(0, 99),
        cuts=st.lists(st.integers(1, 10**7), min_size=1, max_size=8),
    )
    def test_refunding_in_parts_takes_back_exactly_the_vat(
        self, amount: int, vat_share: int, cuts: list[int]
    ) -> None:
        current = self.paid(amount_minor=amount, paid_minor=amount, vat_minor=amount * vat_share // 100)
        vat_back = 0
        for cut in cuts:
            left = amount - current.refunded_minor
            part = min(cut, left)
            if part == 0:
                break
            entry = posting.refund_paid(current, "pay_1", Method.CARD, part, DAY)
            vat_back += by_role(entry).get((R.OUTPUT_VAT, "DKK"), 0)
            current = replace(current, refunded_minor=current.refunded_minor + part)
        assert 0 <= vat_back <= current.vat_minor
        if current.refunded_minor == amount:
            assert vat_back == current.vat_minor


class TestRequestCancelled:
    def test_the_amount_and_its_vat_are_written_back(self) -> None:
        entry = posting.request_cancelled(request(), DAY)
        assert (entry.description, entry.source_type) == ("Annullering af F-1", "payment_request")
        assert by_role(entry) == {(R.SALES, "DKK"): 10_000, (R.OUTPUT_VAT, "DKK"): 2_500,
                                  (R.RECEIVABLES, "DKK"): -12_500}  # fmt: skip

    def test_what_part_payments_left_including_the_latest_charges(self) -> None:
        charges = [charge(ChargeKind.COMPENSATION, 31_000), charge(ChargeKind.INTEREST, 300, 5),
                   charge(ChargeKind.REMINDER_FEE, 10_000, 5)]  # fmt: skip
        overdue = request(status=RequestStatus.OVERDUE, charges_minor=41_300, paid_minor=50_000)
        entry = posting.request_cancelled(overdue, DAY, charges)
        # 50.000 paid the charges (41.300) and 8.700 of the amount: 3.800 of the amount is left
        assert by_role(entry) == {(R.SALES, "DKK"): 3_040, (R.OUTPUT_VAT, "DKK"): 760,
                                  (R.RECEIVABLES, "DKK"): -3_800}  # fmt: skip
        unpaid = request(status=RequestStatus.OVERDUE, charges_minor=41_300, paid_minor=20_000)
        assert by_role(posting.request_cancelled(unpaid, DAY, charges)) == {
            (R.SALES, "DKK"): 10_000, (R.OUTPUT_VAT, "DKK"): 2_500, (R.FEE_INCOME, "DKK"): 21_000,
            (R.INTEREST_INCOME, "DKK"): 300, (R.RECEIVABLES, "DKK"): -33_800,
        }  # fmt: skip

    def test_charges_not_listed_count_as_fees(self) -> None:
        overdue = request(status=RequestStatus.OVERDUE, charges_minor=10_000)
        assert by_role(posting.request_cancelled(overdue, DAY))[(R.FEE_INCOME, "DKK")] == 10_000

    def test_a_foreign_receivable_leaves_at_its_booked_value(self) -> None:
        fx = Fx(Decimal("7.40"), Held(12_500, 93_250))
        entry = posting.request_cancelled(request(currency="EUR"), DAY, fx=fx)
        assert bases(entry) == {
            R.SALES: 74_000,
            R.OUTPUT_VAT: 18_500,
            R.RECEIVABLES: -93_250,
            R.FX_LOSSES: 750,
        }


class TestBankReceipt:
    def test_bank_up_clearing_down_and_the_provider_fee(self) -> None:
        cleared = [Cleared(Method.CARD, 10_000), Cleared(Method.MOBILEPAY, 5_000)]
        entry = posting.bank_receipt("org_1", "mat_1", 14_700, "DKK", cleared, DAY)
        assert (entry.source_type, entry.source_id) == ("match", "mat_1")
        assert by_role(entry) == {
            (R.BANK, "DKK"): 14_700, (R.PROVIDER_FEES, "DKK"): 300, (R.CLEARING_CARD, "DKK"): -10_000,
            (R.CLEARING_MOBILEPAY, "DKK"): -5_000,
        }  # fmt: skip

    def test_a_credit_cannot_clear_less_than_it_brings(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            posting.bank_receipt("org_1", "mat_1", 10_001, "DKK", [Cleared(Method.CARD, 10_000)], DAY)
        assert caught.value.code == "match.overpay"


class TestPayables:
    def test_supplier_invoice_expense_and_input_vat_against_payables(self) -> None:
        entry = posting.supplier_invoice_booked("org_1", "sinv_1", "Kontorland", 12_500, 2_500, "DKK", DAY)
        assert by_role(entry) == {(R.EXPENSES, "DKK"): 10_000, (R.INPUT_VAT, "DKK"): 2_500,
                                  (R.PAYABLES, "DKK"): -12_500}  # fmt: skip

    def test_a_foreign_invoice_carries_its_dkk_values(self) -> None:
        entry = posting.supplier_invoice_booked(
            "org_1",
            "sinv_1",
            "Fournisseur",
            12_500,
            2_500,
            "EUR",
            DAY,
            base_gross_minor=93_250,
            base_vat_minor=18_650,
        )
        assert bases(entry) == {R.EXPENSES: 74_600, R.INPUT_VAT: 18_650, R.PAYABLES: -93_250}

    @pytest.mark.parametrize("vat", [-1, 12_501])
    def test_invoice_vat_bounds(self, vat: int) -> None:
        with pytest.raises(InvalidInput):
            posting.supplier_invoice_booked("org_1", "sinv_1", "K", 12_500, vat, "DKK", DAY)

    def test_a_dkk_order_is_payables_against_bank(self) -> None:
        entry = posting.payment_order_executed("org_1", "pord_1", 10_000, "DKK", 10_000, 10_000, DAY)
        assert by_role(entry) == {(R.PAYABLES, "DKK"): 10_000, (R.BANK, "DKK"): -10_000}

    @pytest.mark.parametrize(
        ("paid", "role", "difference"), [(74_900, R.FX_LOSSES, 300), (74_400, R.FX_GAINS, -200)]
    )
    def test_a_foreign_order_books_the_exchange_difference(self, paid: int, role: R, difference: int) -> None:
        entry = posting.payment_order_executed("org_1", "pord_1", 10_000, "EUR", 74_600, paid, DAY)
        check_balanced(entry.lines)
        dkk = {
            line.role: line.amount_minor
            for line in entry.lines
            if line.currency == "DKK" and line.role is role
        }
        assert dkk == {role: difference}
        assert sum(line.base for line in entry.lines if line.role is R.BANK) == -paid
        assert sum(line.base for line in entry.lines if line.role is R.FX_CONVERSION) == 0


def test_every_rule_balances_in_every_currency() -> None:
    """Each rule's draft passes ``check_balanced`` once valued, in DKK and in a foreign currency."""
    for cur in ("DKK", "EUR"):
        fx = Fx(RATE, Held(12_500, 93_250)) if cur != "DKK" else None
        drafts = [
            posting.request_issued(request(currency=cur), DAY),
            posting.charge_added("org_1", "preq_1", "chg_1", ChargeKind.INTEREST, 17, cur, DAY),
            posting.payment_received("org_1", "pay_1", Method.FI_CARD, 12_499, 7, cur, DAY, fx=fx),
            posting.refund_paid(request(currency=cur, status=RequestStatus.PAID, paid_minor=12_500), "pay_1",
                                Method.CARD, 12_499, DAY, fx=fx),
            posting.request_cancelled(request(currency=cur), DAY, fx=fx),
            posting.bank_receipt("org_1", "mat_1", 100, cur, [Cleared(Method.CARD, 103)], DAY),
        ]  # fmt: skip
        for entry in drafts:
            check_balanced(valued(entry, {"EUR": RATE}).lines)
            assert all(isinstance(line, Line) for line in entry.lines)
