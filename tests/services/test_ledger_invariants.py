"""The ledger's invariants over random sequences of real operations on the real database (hypothesis).

Each example is a fresh organisation on a frozen clock. Steps: issue requests (random amount, VAT and
currency, DKK or EUR, with a rate table that moves every day), pay them in full through a provider, pay
any amount by bank (part payments and overpayments), let time pass and run the reminder engine (which
adds fees, interest and compensation), cancel, refund, let a provider pay out to the bank (net of a fee),
and reverse journal entries. After every step:

- the trial balance sums to zero in every currency and in DKK, and entry numbers are gapless;
- receivables equal what payable requests still owe, per currency;
- each clearing account holds what its method received and has not refunded or paid out to the bank;
- the customers' credit holds the overpayments not yet paid back;
- once every request is settled (and nothing was reversed) receivables hold nothing in DKK either: a
  foreign receivable leaves at the value it was booked at, the difference going to exchange gains/losses;

where a reversed entry takes its own effect out of what the books are expected to show.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from betal.adapters.clock import FrozenClock
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain import posting
from betal.domain.ledger import CLEARING, AccountRole
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import PAYABLE, PaymentRequest, RequestStatus
from betal.ports import JournalFilter
from betal.services import ledger
from betal.services.customer import NewCustomer, create_customer
from betal.services.notify import Links
from betal.services.organisation import CreatedOrganisation, create_organisation
from betal.services.payment import record_refund
from betal.services.payment_request import cancel_payment_request
from betal.services.reminder import Engine, process_request
from tests.services.ledger_support import add_rate, new_request, pay_by_bank, pay_by_provider
from tests.services.receivables_support import owner
from tests.services.reminder_support import clocked

R = AccountRole
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROVIDER_METHODS = (Method.CARD, Method.MOBILEPAY, Method.ACCOUNT_TO_ACCOUNT)
METHODS_BY_ROLE = {role: method for method, role in CLEARING.items()}
CURRENCIES = ("DKK", "EUR")
CLEARING_KEYS = tuple((CLEARING[m], c) for m in PROVIDER_METHODS for c in CURRENCIES)
CANCELLABLE = (RequestStatus.OPEN, RequestStatus.OVERDUE)
Key = tuple[R, str]


def add_rates(container: Container) -> None:
    """ECB rates for every day the machine can reach, moving between 7.4400 and 7.4790 DKK per euro."""
    for n in range(-5, 400):
        day = START.date() + timedelta(days=n)
        add_rate(container, day, DKK=f"7.4{40 + (n * 7) % 40:02d}0")


def cvr_numbers() -> Iterator[str]:
    """Valid CVR numbers (modulus 11 with weights 2, 7, 6, 5, 4, 3, 2, 1), one per example's organisation."""
    for number in itertools.count(20_000_000):
        digits = [int(d) for d in str(number)]
        if sum(w * d for w, d in zip((2, 7, 6, 5, 4, 3, 2, 1), digits, strict=True)) % 11 == 0:
            yield str(number)


CVR = cvr_numbers()


class LedgerMachine(RuleBasedStateMachine):
    """One organisation's books; ``known`` (requests), ``refundable`` and ``books`` are re-read after each
    step, so preconditions pick only steps that can happen and every step changes something."""

    container: Container
    clock: FrozenClock

    def __init__(self) -> None:
        super().__init__()
        self.clock.set(START)
        with self.container.uow() as uow:
            self.org: CreatedOrganisation = create_organisation(uow, name="Hansen & Co ApS", cvr=next(CVR))
        self.org_id = self.org.organisation.id
        data = NewCustomer("Tømrer Hansen ApS", email="b@toemrer.example", cvr="10150817")
        with self.container.uow() as uow:
            self.customer_id = create_customer(uow, self.container.cipher, owner(self.org), data).id
        self.known: dict[str, PaymentRequest] = {}
        self.payments: dict[str, str] = {}  # payment id -> request id
        self.refundable: dict[str, int] = {}  # payment id -> what can be refunded of it now
        self.settled: dict[Key, int] = defaultdict(int)  # paid out from clearing to the bank
        self.reversed: dict[Key, int] = defaultdict(int)  # what reversals took out, per role and currency
        self.credit: dict[str, int] = defaultdict(int)  # the overpayment not yet paid back, per request
        self.books: dict[Key, int] = {}
        self.entries = 0
        self.reversals = 0

    # -- Reading the state -------------------------------------------------------------------------

    def refresh(self) -> None:
        with self.container.uow() as uow:
            found = uow.payment_requests.list_page(
                self.org_id, status=None, customer_id=None, after_id=None, limit=10_000
            )
            payments = {p: uow.payments.get(self.org_id, p) for p in self.payments}
        before = self.known
        self.known = {r.id: r for r in found}
        for request_id, request in self.known.items():  # every overpayment goes to the customer's credit
            was = before.get(request_id)
            self.credit[request_id] += request.overpaid_minor - (was.overpaid_minor if was else 0)
        self.refundable = {}
        for payment_id, payment in payments.items():
            assert payment is not None
            request = self.known[payment.payment_request_id]
            if request.status in (RequestStatus.PAID, RequestStatus.REFUNDED):
                room = request.paid_minor + request.overpaid_minor - request.refunded_minor
                left = min(payment.amount_minor - payment.refunded_minor, room)
                if left > 0:
                    self.refundable[payment_id] = left
        self.books = self.read_books()

    def read_books(self) -> dict[Key, int]:
        with self.container.uow() as uow:
            report = ledger.trial_balance_report(uow, owner(self.org), date(2100, 1, 1))
            self.entries = uow.ledger.last_number(self.org_id)
        assert report.balanced, report.totals
        found: dict[Key, int] = defaultdict(int)
        for row in report.rows:
            assert row.account.role is not None
            found[(row.account.role, row.total.currency)] += row.total.balance_minor
        self.base_receivables = sum(
            r.total.base_minor for r in report.rows if r.account.role is R.RECEIVABLES
        )
        return dict(found)

    def pick(self, pick: int, wanted: Callable[[PaymentRequest], bool]) -> PaymentRequest:
        choices = [r for _, r in sorted(self.known.items()) if wanted(r)]
        return choices[pick % len(choices)]

    def any(self, wanted: Callable[[PaymentRequest], bool]) -> bool:
        return any(wanted(r) for r in self.known.values())

    # -- Steps -------------------------------------------------------------------------------------

    @initialize(amounts=st.lists(st.integers(100, 2_000_000), min_size=1, max_size=3))
    def first_requests(self, amounts: list[int]) -> None:
        for n, amount in enumerate(amounts):
            self.issue(amount, 25, "EUR" if n % 2 else "DKK", 3)

    @precondition(lambda self: len(self.known) < 8)
    @rule(
        amount=st.integers(100, 2_000_000),
        vat_percent=st.sampled_from([0, 20, 25]),
        currency=st.sampled_from(["DKK", "EUR"]),
        due_in=st.integers(0, 20),
    )
    def issue(self, amount: int, vat_percent: int, currency: str, due_in: int) -> None:
        vat = amount * vat_percent // (100 + vat_percent)
        new_request(
            self.container, self.org, amount=amount, vat=vat, currency=currency, customer_id=self.customer_id,
            due_in=due_in,
        )  # fmt: skip
        self.refresh()

    @precondition(lambda self: self.any(lambda r: r.is_payable and r.outstanding_minor > 0))
    @rule(pick=st.integers(0, 100), method=st.sampled_from(PROVIDER_METHODS))
    def pay_in_full(self, pick: int, method: Method) -> None:
        request = self.pick(pick, lambda r: r.is_payable and r.outstanding_minor > 0)
        payment = pay_by_provider(self.container, self.org, request.id, method)
        self.payments[payment.id] = request.id
        self.refresh()
        assert self.known[request.id].outstanding_minor == 0

    @precondition(lambda self: bool(self.known))
    @rule(pick=st.integers(0, 100), share=st.integers(1, 150))
    def bank_payment(self, pick: int, share: int) -> None:
        """A part payment, the exact amount or an overpayment, to any request (a closed one: all credit)."""
        request = self.pick(pick, lambda _r: True)
        amount = max(1, (request.outstanding_minor or request.amount_minor) * share // 100)
        payment = pay_by_bank(self.container, self.org, request.id, amount)
        self.payments[payment.id] = request.id
        self.refresh()

    @rule(days=st.integers(1, 40))
    def days_pass(self, days: int) -> None:
        """Time passes and the reminder job looks at every payable request: overdue, fees, interest and
        compensation (the customer is a business)."""
        self.clock.set(self.clock.now() + timedelta(days=days))
        engine = Engine(
            self.container.renderer(), Links(self.container.signer, self.container.settings.base_url)
        )
        for request_id in sorted(r.id for r in self.known.values() if r.is_payable):
            with self.container.uow() as uow:
                process_request(uow, engine, self.org_id, request_id)
        self.refresh()

    @precondition(lambda self: self.any(lambda r: r.status in CANCELLABLE))
    @rule(pick=st.integers(0, 100))
    def cancel(self, pick: int) -> None:
        request = self.pick(pick, lambda r: r.status in CANCELLABLE)
        with self.container.uow() as uow:
            cancel_payment_request(uow, owner(self.org), request.id)
        self.refresh()

    @precondition(lambda self: bool(self.refundable))
    @rule(pick=st.integers(0, 100), share=st.integers(1, 100))
    def refund(self, pick: int, share: int) -> None:
        payment_id = sorted(self.refundable)[pick % len(self.refundable)]
        amount = max(1, self.refundable[payment_id] * share // 100)
        request_id = self.payments[payment_id]
        with self.container.uow() as uow:
            record_refund(uow, self.org_id, payment_id, amount)
        self.credit[request_id] -= min(amount, self.credit[request_id])
        self.refresh()

    @precondition(lambda self: any(self.books.get(k, 0) > 0 for k in CLEARING_KEYS))
    @rule(pick=st.integers(0, 100), share=st.integers(1, 100), fee=st.integers(0, 300))
    def payout_to_bank(self, pick: int, share: int, fee: int) -> None:
        """The provider pays what it collected out to the bank, less its fee."""
        keys = [k for k in CLEARING_KEYS if self.books.get(k, 0) > 0]
        role, currency = keys[pick % len(keys)]
        amount = max(1, self.books[(role, currency)] * share // 100)
        cleared = [posting.Cleared(METHODS_BY_ROLE[role], amount)]
        with self.container.uow() as uow:
            receipt = posting.bank_receipt(
                self.org_id,
                f"mat_{self.entries}",
                amount - min(fee, amount),
                currency,
                cleared,
                ledger.today(uow),
            )
            uow.post(receipt)
            uow.commit()
        self.settled[(role, currency)] += amount
        self.refresh()

    @precondition(lambda self: self.entries > 0)
    @rule(pick=st.integers(0, 10**6))
    def reverse(self, pick: int) -> None:
        with self.container.uow() as uow:
            found = ledger.list_entries(uow, owner(self.org), JournalFilter(), after_number=None, limit=500)
            roles = {a.id: a.role for a in ledger.list_accounts(uow, owner(self.org))}
            undone = {e.reverses_id for e in found}
        candidates = [e for e in found if e.reverses_id is None and e.id not in undone]
        if not candidates:
            return
        entry = candidates[pick % len(candidates)]
        with self.container.uow() as uow:
            ledger.reverse_entry(uow, owner(self.org), entry.id, "test")
        self.reversals += 1
        for p in entry.postings:
            role = roles[p.account_id]
            assert role is not None
            if role is R.CUSTOMER_CREDIT:  # the request's credit as the ledger holds it, which refunds use
                self.credit[self.payments[entry.source_id]] += p.amount_minor
            else:
                self.reversed[(role, p.currency)] += p.amount_minor
        self.refresh()

    # -- Invariants --------------------------------------------------------------------------------

    @invariant()
    def books_agree_with_the_requests_and_payments(self) -> None:
        self.refresh()  # the trial balance is zero per currency and in DKK (read_books asserts it)
        with self.container.uow() as uow:
            numbers = [
                e.number
                for e in uow.ledger.list_entries(
                    self.org_id, JournalFilter(), after_number=None, limit=10_000, newest_first=False
                )
            ]
            payments = [uow.payments.get(self.org_id, p) for p in self.payments]
        assert numbers == list(range(1, len(numbers) + 1))
        expected: dict[Key, int] = defaultdict(int)
        for request in self.known.values():
            if request.status in PAYABLE:
                expected[(R.RECEIVABLES, request.currency)] += request.outstanding_minor
            expected[(R.CUSTOMER_CREDIT, request.currency)] -= self.credit[request.id]
        for p in payments:
            assert p is not None
            if p.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
                expected[(CLEARING[p.method], p.currency)] += p.amount_minor - p.refunded_minor
        for key in [
            *CLEARING_KEYS,
            *((r, c) for r in (R.RECEIVABLES, R.CUSTOMER_CREDIT) for c in CURRENCIES),
        ]:
            want = expected[key] - self.settled[key] - self.reversed[key]
            assert self.books.get(key, 0) == want, key
        if not self.reversals and not self.any(lambda r: r.status in PAYABLE):
            assert self.base_receivables == 0  # foreign receivables leave at their booked value


def _run(container_settings: Settings, examples: int, steps: int) -> None:
    with clocked(container_settings, START) as (container, clock):
        add_rates(container)
        machine: Any = type("Machine", (LedgerMachine,), {"container": container, "clock": clock})
        run_state_machine_as_test(
            machine,
            settings=hypothesis_settings(
                max_examples=examples, stateful_step_count=steps, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )  # fmt: skip


@pytest.mark.sqlite_only
def test_ledger_invariants_on_sqlite(settings: Settings) -> None:
    _run(settings, examples=30, steps=15)


@pytest.mark.postgres
def test_ledger_invariants_on_postgresql(settings: Settings) -> None:
    _run(settings, examples=8, steps=12)
