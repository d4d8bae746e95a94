"""Charges of late payment: fee and interest per overdue reminder, compensation once for businesses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from betal.domain.dunning import Charge, ChargeKind, NewCharge, compensation_charge, reminder_charges
from betal.domain.notification import Channel
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest, RequestStatus
from betal.domain.reminder import ReminderRule, built_in

AT = datetime(2026, 11, 2, tzinfo=UTC)
DUE = date(2026, 11, 20)
POLICY = built_in("org_x", AT)
FEE_RULE = ReminderRule(10, (Channel.EMAIL,), 10_000)
REQUEST = PaymentRequest(
    "preq_x", "org_x", "cus_x", 100_000, "DKK", DUE, "Husleje", None, (Method.CARD,), RequestStatus.OVERDUE,
    None, None, 0, 0, 0, AT, AT,
)  # fmt: skip


def charge(kind: ChargeKind, amount: int, end: date | None = None) -> Charge:
    return Charge("chg_x", "org_x", "preq_x", kind, amount, "DKK", AT, period_end=end)


def test_an_overdue_reminder_adds_its_fee_and_the_interest_since_the_due_date() -> None:
    lines = reminder_charges(REQUEST, POLICY, FEE_RULE, [], date(2026, 11, 30))
    assert lines == [
        NewCharge(ChargeKind.REMINDER_FEE, 10_000),
        NewCharge(ChargeKind.INTEREST, 271, DUE, date(2026, 11, 30), "9.75"),
    ]


def test_interest_continues_from_the_last_interest_line() -> None:
    before = [charge(ChargeKind.INTEREST, 271, date(2026, 11, 30))]
    lines = reminder_charges(REQUEST, POLICY, ReminderRule(20, (Channel.EMAIL,)), before, date(2026, 12, 10))
    assert lines == [NewCharge(ChargeKind.INTEREST, 271, date(2026, 11, 30), date(2026, 12, 10), "9.75")]


def test_interest_runs_on_the_amount_still_owed_after_charges_are_covered() -> None:
    part_paid = replace(
        REQUEST, paid_minor=60_000, charges_minor=10_000
    )  # 10,000 to charges, 50,000 to amount
    assert part_paid.principal_outstanding_minor == 50_000
    [fee, interest] = reminder_charges(part_paid, POLICY, FEE_RULE, [], date(2026, 11, 30))
    assert (fee.amount_minor, interest.amount_minor) == (10_000, 135)  # half of 270.83 -> 135.42


def test_no_fourth_fee_even_if_asked() -> None:
    fees = [charge(ChargeKind.REMINDER_FEE, 10_000) for _ in range(3)]
    lines = reminder_charges(
        REQUEST, replace(POLICY, charge_interest=False), FEE_RULE, fees, date(2026, 12, 30)
    )
    assert lines == []


def test_before_due_reminders_charge_nothing_and_foreign_currency_pays_no_kroner_fee() -> None:
    assert reminder_charges(REQUEST, POLICY, ReminderRule(-3, (Channel.EMAIL,)), [], date(2026, 11, 17)) == []
    euro = replace(REQUEST, currency="EUR")
    lines = reminder_charges(euro, POLICY, FEE_RULE, [], date(2026, 11, 30))
    assert [line.kind for line in lines] == [ChargeKind.INTEREST]


def test_compensation_once_for_business_customers_in_kroner() -> None:
    assert compensation_charge(REQUEST, POLICY, True, []) == NewCharge(ChargeKind.COMPENSATION, 31_000)
    assert compensation_charge(REQUEST, POLICY, False, []) is None
    assert compensation_charge(REQUEST, POLICY, True, [charge(ChargeKind.COMPENSATION, 31_000)]) is None
    assert compensation_charge(REQUEST, replace(POLICY, compensation=False), True, []) is None
    assert compensation_charge(replace(REQUEST, currency="EUR"), POLICY, True, []) is None


def test_charges_add_to_what_is_due_and_payment_of_all_of_it_settles() -> None:
    from betal.domain.payment_request import apply_payment

    owed = replace(REQUEST, charges_minor=41_271)
    assert owed.total_due_minor == owed.outstanding_minor == 141_271
    assert not apply_payment(owed, 100_000, AT).became_paid
    assert apply_payment(owed, 141_271, AT).became_paid
