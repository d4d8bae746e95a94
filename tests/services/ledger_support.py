"""Shared set-up for ledger tests: requests with VAT in any currency, payments by the real services, rates,
and the balances the books show per account role and currency."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert

from betal.adapters.db.orm_ledger import FxRateRow
from betal.bootstrap import Container
from betal.domain.calendar import business_date
from betal.domain.ids import new_id
from betal.domain.ledger import AccountRole, JournalEntry
from betal.domain.payment import Payment, PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest, RequestStatus
from betal.domain.provider import ProviderPayment
from betal.ports import JournalFilter
from betal.services import ledger
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import begin_payment, record_provider_payment, settle_request
from betal.services.payment_request import NewPaymentRequest, create_payment_request
from tests.services.receivables_support import owner

R = AccountRole


def new_customer(container: Container, org: CreatedOrganisation, name: str = "Jens Hansen") -> str:
    with container.uow() as uow:
        return create_customer(uow, container.cipher, owner(org), NewCustomer(name, email="j@example.dk")).id


def new_request(
    container: Container,
    org: CreatedOrganisation,
    *,
    amount: int = 12_500,
    vat: int = 2_500,
    currency: str = "DKK",
    customer_id: str | None = None,
    due_in: int = 14,
    status: RequestStatus = RequestStatus.OPEN,
    reference: str | None = None,
) -> PaymentRequest:
    customer_id = customer_id or new_customer(container, org)
    due = business_date(container.clock.now()) + timedelta(days=due_in)
    data = NewPaymentRequest(
        customer_id, amount, currency, due, "Konsulentbistand", ("card", "mobilepay", "account_to_account"),
        reference=reference, status=status, vat_minor=vat,
    )  # fmt: skip
    with container.uow() as uow:
        return create_payment_request(uow, owner(org), data)


def pay_by_provider(
    container: Container, org: CreatedOrganisation, request_id: str, method: Method
) -> Payment:
    """Pay what is outstanding through a provider: begin the attempt, then the provider says succeeded."""
    with container.uow() as uow:
        request = uow.payment_requests.get(org.organisation.id, request_id)
        assert request is not None
        payment = begin_payment(uow, request, method, provider=method.value)
    answer = ProviderPayment(
        payment.id, f"ref-{payment.id}", PaymentStatus.SUCCEEDED, payment.amount_minor, payment.currency
    )
    with container.uow() as uow:
        return record_provider_payment(uow, payment.id, org.organisation.id, answer)


def pay_by_bank(container: Container, org: CreatedOrganisation, request_id: str, amount: int) -> Payment:
    """Money seen on the bank statement for the request (any amount), applied as reconciliation does."""
    with container.uow() as uow:
        request = uow.payment_requests.get(org.organisation.id, request_id, for_update=True)
        assert request is not None
        now = uow.clock.now()
        payment = Payment(
            id=new_id("pay"), organisation_id=request.organisation_id, payment_request_id=request.id,
            customer_id=request.customer_id, method=Method.ACCOUNT_TO_ACCOUNT, amount_minor=amount,
            currency=request.currency, status=PaymentStatus.SUCCEEDED, provider="bank",
            provider_reference=None, refunded_minor=0, failure_reason=None, payer_account=None,
            created_at=now, updated_at=now,
        )  # fmt: skip
        uow.payments.add(payment)
        settle_request(uow, payment)
        uow.commit()
    return payment


def add_rate(container: Container, day: date, **per_eur: str) -> None:
    """ECB reference rates for ``day``: units of each currency per euro (``DKK="7.4612"``)."""
    with container.engine.begin() as conn:
        conn.execute(
            insert(FxRateRow),
            [
                {"source": "ECB", "currency": code, "rate_date": day, "rate": value, "scale": 0,
                 "created_at": container.clock.now()}
                for code, value in per_eur.items()
            ],
        )  # fmt: skip


def balances(
    container: Container, org: CreatedOrganisation, as_of: date | None = None
) -> dict[tuple[R, str], int]:
    """Each role's balance per currency (debit positive), from the trial balance; zero balances left out."""
    with container.uow() as uow:
        day = as_of or ledger.today(uow)
        report = ledger.trial_balance_report(uow, owner(org), day)
    assert report.balanced
    found: dict[tuple[R, str], int] = defaultdict(int)
    for row in report.rows:
        assert row.account.role is not None
        found[(row.account.role, row.total.currency)] += row.total.balance_minor
    return {k: v for k, v in found.items() if v}


def base_balances(container: Container, org: CreatedOrganisation) -> dict[R, int]:
    """Each role's balance in DKK (øre); zero balances left out."""
    with container.uow() as uow:
        report = ledger.trial_balance_report(uow, owner(org), ledger.today(uow))
    found: dict[R, int] = defaultdict(int)
    for row in report.rows:
        assert row.account.role is not None
        found[row.account.role] += row.total.base_minor
    return {k: v for k, v in found.items() if v}


def entries(
    container: Container, org: CreatedOrganisation, *, source_type: str | None = None
) -> list[JournalEntry]:
    """The organisation's journal, oldest first (of one source type if given)."""
    where = JournalFilter(source_type=source_type)
    with container.uow() as uow:
        found = ledger.list_entries(uow, owner(org), where, after_number=None, limit=500)
    return list(reversed(found))


def lines(entry: JournalEntry, roles: dict[str, R]) -> dict[tuple[R, str], tuple[int, int]]:
    """An entry's postings as (role, currency) -> (amount, DKK value)."""
    return {(roles[p.account_id], p.currency): (p.amount_minor, p.base_minor) for p in entry.postings}


def roles_of(container: Container, org: CreatedOrganisation) -> dict[str, R]:
    with container.uow() as uow:
        return {a.id: a.role for a in ledger.list_accounts(uow, owner(org)) if a.role is not None}


EUR_RATE = Decimal("7.46038")
