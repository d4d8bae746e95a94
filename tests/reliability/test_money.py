"""Reliability of money: reconciliation against a known truth (R9), and concurrent payments (R3).

R9 builds open requests and a camt.053 whose every line has a known answer (the requests it pays and the
rule that should find them, or nothing), imports it with ``services.bank_statement.import_statement`` and
checks that no line is matched to a wrong request, that the lines naming their request are found, and that
the same input in a fresh organisation gives the same answer. R3 completes twice as many payments as the
requests can take, all at once, and checks that exactly the amount due is paid and the rest is recorded as
overpayment, with the ledger agreeing. docs/reliability.md describes both.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from bench import reconciliation as bench
from sqlalchemy import text

from betal.bootstrap import Container
from betal.domain.calendar import business_date
from betal.domain.customer import Customer
from betal.domain.ids import new_id
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import PAYABLE, PaymentRequest, RequestStatus
from betal.domain.provider import ProviderPayment
from betal.domain.reminder import plan as plan_reminders
from betal.domain.tenancy import Principal, Role
from betal.formats import fi_line
from betal.formats.iso20022.camt import CamtEntry, CamtStatement
from betal.formats.iso20022.camt_writer import write_statement
from betal.services import bank_statement
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import begin_payment, record_provider_payment, settle_from_provider
from betal.services.payment_request import NewPaymentRequest, create_payment_request

SIZE = 2_000  # lines per statement in CI; the generator takes any size (10,000 takes about 4x as long)
VERSION = "camt.053.001.08"

# Kinds of line, per 100: what the payer wrote, and the rule that must find the request(s) it pays.
FI, RF, REQUEST_ID, PARTIAL, OVERPAID, OTHER_PAYER = "fi", "rf", "request_id", "partial", "overpaid", "other"
AMOUNT_NAME, SEVERAL, NOISE = "amount_name", "several", "noise"
MIX = (
    (FI, 45),
    (RF, 15),
    (REQUEST_ID, 5),
    (PARTIAL, 5),
    (OVERPAID, 5),
    (OTHER_PAYER, 5),
    (AMOUNT_NAME, 8),
    (SEVERAL, 4),
    (NOISE, 8),
)
RULE = {
    FI: "reference",
    RF: "reference",
    REQUEST_ID: "reference",
    PARTIAL: "reference_partial",
    OVERPAID: "reference_overpaid",
    OTHER_PAYER: "reference_other_payer",
    AMOUNT_NAME: "amount_name",
    SEVERAL: "several_requests",
}
BY_REFERENCE = (FI, RF, REQUEST_ID, PARTIAL, OVERPAID, OTHER_PAYER)

# Three lists with no word in common: the names "first middle last" are distinct as reconciliation sees them.
FIRST = [
    "Anne",
    "Jens",
    "Mette",
    "Peter",
    "Hanne",
    "Lars",
    "Susanne",
    "Henrik",
    "Kirsten",
    "Søren",
    "Lone",
    "Thomas",
    "Bente",
    "Niels",
    "Camilla",
    "Morten",
    "Pia",
    "Jan",
    "Tina",
    "Martin",
    "Helle",
    "Michael",
    "Maria",
    "Anders",
    "Lene",
    "Christian",
    "Inge",
    "Rasmus",
    "Karen",
    "Jesper",
]
MIDDLE = [
    "Bach",
    "Bay",
    "Berg",
    "Brink",
    "Damgaard",
    "Due",
    "Dyhr",
    "Engel",
    "Falk",
    "Fogh",
    "Frost",
    "Glad",
    "Hvid",
    "Kjær",
    "Klit",
    "Krogh",
    "Lind",
    "Lykke",
    "Mølgaard",
    "Rask",
    "Rosen",
    "Schou",
    "Skov",
    "Storm",
    "Strand",
    "Sand",
    "Vang",
    "Vest",
    "Winther",
    "Bro",
]
LAST = [
    "Hansen",
    "Nielsen",
    "Jensen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Christiansen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Knudsen",
    "Jakobsen",
    "Mikkelsen",
    "Olesen",
    "Frederiksen",
    "Laursen",
    "Henriksen",
    "Schmidt",
    "Eriksen",
    "Clausen",
]
OTHER_PAYERS = (
    "Boligforeningen Vibeparken",
    "Kommunekontoret Ydelser",
    "Tryghedsgruppen Fond",
    "Vuggestuen Solsikken",
    "Erhvervsskolernes Forlag",
)


def name_of(n: int) -> str:
    return f"{FIRST[n % 30]} {MIDDLE[n // 30 % 30]} {LAST[n // 900 % 30]}"


def iban_of(n: int) -> str:
    """A Danish IBAN (ISO 13616 mod-97 check digits) for account ``n`` at reg. no. 5301."""
    bban = f"5301{n:010d}"
    return f"DK{98 - int(bban + '132000') % 97:02d}{bban}"


def rf_of(n: int) -> str:
    """An ISO 11649 creditor reference (RF, mod-97 check digits) with the body ``n``."""
    body = f"4711{n:07d}"
    return f"RF{98 - int(body + '271500') % 97:02d}{body}"


# -- The truth: customers, their requests, and the line that pays them ---------------------------------


@dataclass(frozen=True)
class Debt:
    customer: int  # the customer's number (name and account)
    amount: int
    reference: str


@dataclass(frozen=True)
class Truth:
    kind: str
    customer: int
    debts: tuple[int, ...]  # the debts the line pays; none for noise
    amount: int


def plan(size: int, seed: int) -> tuple[list[Debt], list[Truth]]:
    """``size`` lines in shuffled order, each paying the debts it names (or nothing), and those debts."""
    rng, debts, lines = random.Random(seed), [], []
    kinds = [kind for kind, share in MIX for _ in range(share)]
    for n in range(size):
        kind = kinds[n % 100]
        if kind == NOISE:
            lines.append(Truth(kind, n, (), rng.randrange(10_000, 1_000_000)))
            continue
        first = len(debts)
        for _ in range(rng.randint(2, 3) if kind == SEVERAL else 1):
            reference = rf_of(len(debts)) if kind == RF else f"F{100_000 + len(debts)}"
            debts.append(Debt(n, rng.randrange(10_000, 1_000_000), reference))
        owed = sum(d.amount for d in debts[first:])
        amount = (
            owed // 2 if kind == PARTIAL else owed + rng.randrange(100, 50_000) if kind == OVERPAID else owed
        )
        lines.append(Truth(kind, n, tuple(range(first, len(debts))), amount))
    rng.shuffle(lines)
    return debts, lines


def owner(org: CreatedOrganisation) -> Principal:
    return Principal(org.organisation.id, Role.OWNER, "api_key", "key_reliability")


def seed(container: Container, org: CreatedOrganisation, debts: Sequence[Debt]) -> list[PaymentRequest]:
    """The debts as open requests: the first made by the services, the rest written as the same rows in bulk
    (as ``bench/reconciliation.py`` does, whose ``check_like_service`` checks them column by column)."""
    first = debts[0]
    due = business_date(container.clock.now()) + timedelta(days=14)
    with container.uow() as uow:
        data = NewCustomer(name_of(first.customer), email=f"kunde{first.customer}@example.dk")
        customer_id = create_customer(uow, container.cipher, owner(org), data).id
    with container.uow() as uow:
        made = create_payment_request(
            uow,
            owner(org),
            NewPaymentRequest(
                customer_id,
                first.amount,
                "DKK",
                due,
                f"Faktura {first.reference}",
                ("fi_card", "account_to_account"),
                reference=first.reference,
            ),
        )
    who = bench.issuer(container, org.organisation.id)
    customers = {first.customer: customer_id}
    rows: list[tuple[Customer | None, PaymentRequest]] = []
    for n, debt in enumerate(debts[1:], 1):
        customer = None
        if debt.customer not in customers:
            customer = Customer(
                new_id("cus"),
                who.organisation_id,
                name_of(debt.customer),
                f"kunde{debt.customer}@example.dk",
                None,
                None,
                None,
                None,
                who.now,
            )
            customers[debt.customer] = customer.id
        rows.append((customer, bulk_request(who, n, debt, customers[debt.customer], due)))
    bench.insert_rows(container, rows)
    bench.check_like_service(container, made, rows[0][1])
    return [made, *(r for _, r in rows)]


def bulk_request(who: bench.Issuer, n: int, debt: Debt, customer_id: str, due: date) -> PaymentRequest:
    """The request ``create_payment_request`` makes for ``debt`` as the organisation's ``n + 1``th."""
    created = who.now + timedelta(milliseconds=n)  # one after the other, as the service makes them
    payment_id = fi_line.make_payment_id("71", n + 1)
    line = fi_line.render(fi_line.FiPaymentLine("71", payment_id, who.creditor_number))
    request = PaymentRequest(
        id=new_id("preq", now_ms=int(created.timestamp() * 1000)),
        organisation_id=who.organisation_id,
        customer_id=customer_id,
        amount_minor=debt.amount,
        currency="DKK",
        due_date=due,
        description=f"Faktura {debt.reference}",
        reference=debt.reference,
        allowed_methods=(Method.FI_CARD, Method.ACCOUNT_TO_ACCOUNT),
        status=RequestStatus.OPEN,
        fi_payment_line=line,
        fi_payment_id=payment_id,
        paid_minor=0,
        overpaid_minor=0,
        refunded_minor=0,
        created_at=created,
        updated_at=created,
    )
    return replace(request, next_reminder_at=plan_reminders(who.policy, due, created, {}, created).next_at)


def credit(
    sequence: int,
    amount: int,
    name: str,
    account: str,
    reference: str | None = None,
    remittance: str | None = None,
    *,
    bank: str = "R9",
) -> CamtEntry:
    day = business_date(datetime.now(UTC))
    return CamtEntry(
        statement_ref="STMT-R9",
        sequence=sequence,
        line=0,
        direction="credit",
        amount=Decimal(amount).scaleb(-2),
        currency="DKK",
        status="booked",
        booking_date=day,
        value_date=day,
        end_to_end_id=None,
        reference=reference,
        remittance=remittance,
        counterparty_name=name,
        counterparty_account=account,
        bank_reference=f"{bank}{sequence:010d}",
        bank_transaction_code="PMNT-RCDT-DMCT",
    )


def fi_forms(fi_id: str, sequence: int) -> tuple[str | None, str | None]:
    """The FI payment id as payers' banks pass it on: ``71/id``, the full payment line, the bare id."""
    form = sequence % 3
    if form == 0:
        return f"71/{fi_id}", None
    if form == 1:
        return None, f"Indbetalingskort +71< {fi_id} +85799665<"
    return fi_id.lstrip("0"), None


def line_of(sequence: int, truth: Truth, requests: Sequence[PaymentRequest]) -> CamtEntry:
    """The credit the bank reports for ``truth``: what its payer wrote, from the account they paid from."""
    kind, paid = truth.kind, [requests[i] for i in truth.debts]
    first = paid[0] if paid else None
    payer, account = name_of(truth.customer).upper(), iban_of(truth.customer)
    if first is None:  # noise: a stranger, an FI id nobody was given, or a reference nobody has
        reference = (None, f"71/{fi_line.make_payment_id('71', 10**12 + sequence)}", "F9999999")[sequence % 3]
        return credit(
            sequence, truth.amount, "Ukendt Afsender", iban_of(900_000 + sequence), reference, "Overfoersel"
        )
    assert first.fi_payment_id is not None
    assert first.reference is not None
    if kind == RF:
        spaced = " ".join(first.reference[i : i + 4] for i in range(0, len(first.reference), 4))
        return credit(sequence, truth.amount, payer, account, (first.reference, spaced)[sequence % 2])
    if kind == REQUEST_ID:
        return credit(sequence, truth.amount, payer, account, None, f"Betaling af {first.id}")
    if kind in (AMOUNT_NAME, SEVERAL):
        words = payer.split()
        return credit(
            sequence, truth.amount, f"{words[-1]}, {' '.join(words[:-1])}", account, None, "Betaling"
        )
    if kind == OTHER_PAYER:
        stranger = OTHER_PAYERS[sequence % len(OTHER_PAYERS)]
        return credit(
            sequence, truth.amount, stranger, iban_of(900_000 + sequence), f"71/{first.fi_payment_id}"
        )
    return credit(sequence, truth.amount, payer, account, *fi_forms(first.fi_payment_id, sequence))


def statement_file(container: Container, org: CreatedOrganisation, lines: Sequence[CamtEntry]) -> bytes:
    with container.uow() as uow:
        agreement = uow.agreements.get(org.organisation.id, Method.ACCOUNT_TO_ACCOUNT)
        assert agreement is not None
    day = business_date(datetime.now(UTC))
    header = CamtStatement(
        kind="camt.053",
        version=VERSION,
        message_id="MSG-R9",
        statement_ref="STMT-R9",
        account=str(agreement.config["creditor_iban"]),
        currency="DKK",
        from_date=day,
        to_date=day,
        opening_balance=Decimal("0.00"),
        closing_balance=sum((e.amount for e in lines), Decimal("0.00")),
        created_at=datetime.now(UTC),
    )
    out = BytesIO()
    write_statement(out, header, lines, version=VERSION)
    return out.getvalue()


def import_file(container: Container, org: CreatedOrganisation, data: bytes) -> bank_statement.ImportResult:
    with container.uow() as uow:
        return bank_statement.import_statement(
            uow, owner(org), BytesIO(data), hashlib.sha256(data).hexdigest()
        )


Answer = dict[int, list[tuple[int, str, int]]]  # line sequence -> (debt, rule, amount) of each match


def reconcile(
    container: Container, org: CreatedOrganisation, debts: Sequence[Debt], truths: Sequence[Truth]
) -> Answer:
    """Seed the debts in ``org``, import the statement of ``truths`` and answer what matched what."""
    requests = seed(container, org, debts)
    debt_of = {r.id: n for n, r in enumerate(requests)}
    data = statement_file(container, org, [line_of(s, t, requests) for s, t in enumerate(truths, 1)])
    result = import_file(container, org, data)
    assert result.created
    assert len(result.entries) == len(truths)
    sequence_of = {e.id: e.sequence for e in result.entries}
    answer: Answer = {}
    for m in result.matches:
        answer.setdefault(sequence_of[m.entry_id], []).append((debt_of[m.target_id], m.rule, m.amount_minor))
    return answer


def wrong_matches(truths: Sequence[Truth], answer: Answer) -> list[str]:
    """Lines matched to a request they do not pay, or matched for more or less money than they bring."""
    wrong = []
    for sequence, matched in sorted(answer.items()):
        truth = truths[sequence - 1]
        if not {debt for debt, _, _ in matched} <= set(truth.debts):
            wrong.append(f"line {sequence} ({truth.kind}, pays {truth.debts}) matched to {matched}")
        elif sum(amount for _, _, amount in matched) != truth.amount:
            wrong.append(f"line {sequence} ({truth.kind}) brings {truth.amount}, matched {matched}")
    return wrong


def found_by_kind(truths: Sequence[Truth], answer: Answer) -> dict[str, float]:
    """Per kind, the share of lines matched to exactly their requests by the rule their kind calls for."""
    found, total = Counter[str](), Counter(t.kind for t in truths)
    for sequence, truth in enumerate(truths, 1):
        matched = answer.get(sequence, [])
        if matched and sorted(d for d, _, _ in matched) == list(truth.debts):
            found[truth.kind] += all(rule == RULE[truth.kind] for _, rule, _ in matched)
    return {kind: found[kind] / total[kind] for kind in total if kind != NOISE}


def books(container: Container, organisation_id: str) -> dict[str, object]:
    """What the ledger and the requests say: unbalanced currencies, receivables, owed, credit, overpaid."""
    payable = ", ".join(f"'{s.value}'" for s in sorted(PAYABLE))
    queries = {
        "unbalanced": "SELECT currency, SUM(amount_minor) FROM postings WHERE organisation_id = :o"
        " GROUP BY currency HAVING SUM(amount_minor) <> 0",
        "receivables": "SELECT COALESCE(SUM(p.amount_minor), 0) FROM postings p JOIN ledger_accounts a"
        " ON a.id = p.account_id WHERE a.organisation_id = :o AND a.role = 'receivables'",
        "owed": "SELECT COALESCE(SUM(amount_minor + charges_minor - paid_minor), 0) FROM payment_requests"
        f" WHERE organisation_id = :o AND status IN ({payable})",
        "credit": "SELECT COALESCE(-SUM(p.amount_minor), 0) FROM postings p JOIN ledger_accounts a"
        " ON a.id = p.account_id WHERE a.organisation_id = :o AND a.role = 'customer_credit'",
        "overpaid": "SELECT COALESCE(SUM(overpaid_minor), 0) FROM payment_requests"
        " WHERE organisation_id = :o",
    }
    with container.engine.connect() as conn:
        found = {k: conn.execute(text(q), {"o": organisation_id}).all() for k, q in queries.items()}
    return {
        k: [tuple(r) for r in rows] if k == "unbalanced" else int(rows[0][0]) for k, rows in found.items()
    }


def check_books(container: Container, organisation_id: str) -> dict[str, object]:
    found = books(container, organisation_id)
    assert found["unbalanced"] == [], found
    assert found["receivables"] == found["owed"], found
    assert found["credit"] == found["overpaid"], found
    return found


class TestReconciliationTruth:
    """R9: a statement whose every line has a known answer, imported into two fresh organisations."""

    def test_no_line_goes_to_a_wrong_request_and_the_same_input_gives_the_same_answer(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        debts, truths = plan(SIZE, seed=9)
        first = reconcile(container, org, debts, truths)
        assert wrong_matches(truths, first) == []  # precision 1.0
        recall = found_by_kind(truths, first)
        assert min(recall[k] for k in BY_REFERENCE) >= 0.95, recall
        assert min(recall[k] for k in (AMOUNT_NAME, SEVERAL)) >= 0.95, recall
        assert not any(truths[s - 1].kind == NOISE for s in first)
        check_books(container, org.organisation.id)
        assert reconcile(container, other_org, debts, truths) == first  # deterministic


# -- R3: twice as many payments as the requests can take, completed at once ---------------------------

REQUESTS, AMOUNT = 6, 25_000


def open_requests(container: Container, org: CreatedOrganisation) -> list[PaymentRequest]:
    due = business_date(container.clock.now()) + timedelta(days=14)
    made = []
    for n in range(REQUESTS):
        with container.uow() as uow:
            data = NewCustomer(name_of(n), email=f"kunde{n}@example.dk")
            customer_id = create_customer(uow, container.cipher, owner(org), data).id
        with container.uow() as uow:
            request = NewPaymentRequest(
                customer_id,
                AMOUNT,
                "DKK",
                due,
                f"Faktura F{n}",
                ("card", "fi_card"),
                reference=f"F{200_000 + n}",
            )
            made.append(create_payment_request(uow, owner(org), request))
    return made


def all_at_once(calls: Sequence[Callable[[], object]]) -> list[BaseException]:
    """Run every call in its own thread, released together; the errors they raised."""
    barrier, errors = threading.Barrier(len(calls)), []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as exc:  # reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def books_of(
    container: Container, org: CreatedOrganisation, ids: Sequence[str]
) -> tuple[list[PaymentRequest], list[str]]:
    """The requests as stored, and the organisation's events in order."""
    with container.uow() as uow:
        requests = [uow.payment_requests.get_any(i) for i in ids]
        events = [e.type for e in uow.events.list_after(org.organisation.id, 0, 1000)]
    return [r for r in requests if r is not None], events


@pytest.mark.postgres
class TestDoublePay:
    """R3: each request is paid twice over, and every completion arrives twice (callback and poll)."""

    def test_provider_completions_pay_exactly_what_is_due(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        requests, payments = open_requests(container, org), []
        for request in requests:
            for _ in range(2):
                with container.uow() as uow:
                    payment = begin_payment(uow, request, Method.CARD, provider="card")
                pending = ProviderPayment(
                    payment.id, f"ref-{payment.id}", PaymentStatus.PENDING, AMOUNT, "DKK"
                )
                with container.uow() as uow:
                    payments.append(record_provider_payment(uow, payment.id, org.organisation.id, pending))

        def complete(reference: str, payment_id: str) -> Callable[[], object]:
            answer = ProviderPayment(payment_id, reference, PaymentStatus.SUCCEEDED, AMOUNT, "DKK")

            def call() -> object:
                with container.uow() as uow:
                    return settle_from_provider(uow, "card", answer)

            return call

        calls = [complete(str(p.provider_reference), p.id) for p in payments for _ in range(2)]
        assert all_at_once(calls) == []
        final, events = books_of(container, org, [r.id for r in requests])
        assert [(r.status, r.paid_minor, r.overpaid_minor) for r in final] == [
            (RequestStatus.PAID, AMOUNT, AMOUNT)
        ] * REQUESTS
        with container.uow() as uow:
            statuses = {uow.payments.get(org.organisation.id, p.id).status for p in payments}  # type: ignore[union-attr]
        assert statuses == {PaymentStatus.SUCCEEDED}
        assert events.count("payment.succeeded") == 2 * REQUESTS  # once per payment, not per completion
        assert events.count("payment_request.paid") == REQUESTS
        found = check_books(container, org.organisation.id)
        assert (found["receivables"], found["credit"]) == (0, REQUESTS * AMOUNT)

    def test_concurrent_statements_pay_each_request_once(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        requests, files = open_requests(container, org), 3
        data = [
            statement_file(
                container,
                org,
                [
                    credit(n, AMOUNT, name_of(n).upper(), iban_of(n), f"71/{r.fi_payment_id}", bank=f"S{f}")
                    for n, r in enumerate(requests, 1)
                ],
            )
            for f in range(files)
        ]
        assert all_at_once([lambda d=d: import_file(container, org, d) for d in data]) == []
        final, _ = books_of(container, org, [r.id for r in requests])
        assert [(r.status, r.paid_minor) for r in final] == [(RequestStatus.PAID, AMOUNT)] * REQUESTS
        found = check_books(container, org.organisation.id)
        with container.engine.connect() as conn:
            matched = conn.execute(
                text("SELECT rule, amount_minor FROM reconciliation_matches WHERE organisation_id = :o"),
                {"o": org.organisation.id},
            ).all()
            unmatched = conn.execute(
                text(
                    "SELECT COUNT(*) FROM statement_entries WHERE organisation_id = :o"
                    " AND match_status = 'unmatched'"
                ),
                {"o": org.organisation.id},
            )
            left = unmatched.scalar_one()
        # As if imported one after the other: the first file pays, the others' lines wait for a person.
        assert sorted(matched) == [("reference", AMOUNT)] * REQUESTS
        assert left == (files - 1) * REQUESTS
        assert (found["receivables"], found["credit"]) == (0, 0)
