"""Benchmark: a camt.053 of 100,000 credits imported and reconciled against 100,000 open payment requests.

    python -m bench.reconciliation [--entries 100000] [--rounds 2] [--database-url postgresql://...]
    python -m bench.reconciliation --entries 20000 --profile      # one run under cProfile

Without ``--database-url`` a throwaway PostgreSQL database is made on 127.0.0.1:5432 (user postgres) and
dropped afterwards; with no server there, the benchmark says it is skipped. Each round, in one database:

- Set-up (not timed): an organisation (``services.organisation``), then ``--entries`` customers with one
  open request each. The first customer and request go through ``create_customer`` and
  ``create_payment_request``; the rest are bulk-inserted as the same rows (customer, request with its
  FI payment id and line, inbox message, the ``request_issued`` journal entry through the ledger's own
  writer, the FI counter), which is checked against the service's rows column by column. The creation's
  events, audit entries and notification jobs are left out: the import reads none of them. Then
  ANALYZE, as a database that has grown to this size would have run.
- A camt.053.001.08 written with ``formats.iso20022.camt_writer``, one credit per request in shuffled
  order: 90 % name the FI payment id (``71/...``) and bring the amount, 5 % bring the amount with only the
  payer's name and account, 3 % are part payments by FI payment id, 2 % are noise nobody owes.
- A (lower bound): lxml ``iterparse`` of the file, taking each ``Ntry``'s reference and clearing it, and
  a dict join of those references against the requests' references.
- B (betal): ``services.bank_statement.import_statement`` in a child process, timed from hashing the
  file to the commit (parse, dedupe, insert the entries, reconcile, bank payments, journal entries,
  events and jobs). Its peak RSS is read with ``getrusage(RUSAGE_CHILDREN)``.
- Checked after B: every entry matched by the rule its kind calls for, the noise unmatched, postings
  summing to zero per currency, and receivables in the ledger equal to what the open requests owe.

Result: entries per second of A and B and their ratio; docs/benchmarks.md has the numbers.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import multiprocessing
import os
import pstats
import random
import resource
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import create_engine, insert, text, update
from sqlalchemy.exc import OperationalError

from betal import bootstrap
from betal.adapters.db import repositories_ledger as rl
from betal.adapters.db.mapping import to_columns
from betal.adapters.db.orm_receivables import CounterRow, CustomerRow, MessageRow, PaymentRequestRow
from betal.config import Settings
from betal.domain import posting
from betal.domain.calendar import business_date
from betal.domain.customer import Customer
from betal.domain.errors import Conflict
from betal.domain.identifiers import is_valid_cvr
from betal.domain.ids import new_id
from betal.domain.inbox import Message
from betal.domain.payment_method import Method
from betal.domain.payment_request import PAYABLE, PaymentRequest, RequestStatus
from betal.domain.reminder import ReminderPolicy, plan
from betal.domain.tenancy import Principal, Role
from betal.formats import fi_line
from betal.formats.iso20022.camt import CamtEntry, CamtStatement
from betal.formats.iso20022.camt_writer import write_statement
from betal.services import bank_statement
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import create_organisation
from betal.services.payment_request import NewPaymentRequest, create_payment_request
from betal.services.reminder_policy import policy_for

SECRET_KEY = "bench-secret-key-for-betal-benchmarks-0123456789"
SERVER = "postgresql://postgres@127.0.0.1:5432"
VERSION = "camt.053.001.08"
NS = f"{{urn:iso:std:iso:20022:tech:xsd:{VERSION}}}"
SEED_CHUNK = 10_000
TARGET_RATIO, TARGET_RSS_MB = 5.0, 1024
REFERENCE, AMOUNT, PARTIAL, NOISE = "reference", "amount", "partial", "noise"
RULE_OF = {REFERENCE: "reference", AMOUNT: "amount_name", PARTIAL: "reference_partial"}


# Three lists with no word in common, so that the 125,000 names "first middle last" are all distinct.
def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = words(
    "Anne Jens Mette Peter Hanne Lars Susanne Henrik Kirsten Søren Lone Thomas Bente Niels Camilla Morten Pia"
    " Jan Tina Martin Helle Michael Maria Anders Lene Christian Inge Rasmus Karen Jesper Louise Mads Marianne"
    " Kasper Birgitte Ole Julie Frederik Ida Emil Signe Jonas Maja Mikkel Laura Jakob Sofie Torben Ulla Bo"
)
MIDDLE = words(
    "Bach Bay Berg Brink Damgaard Due Dyhr Engel Falk Fogh Frost Glad Hvid Kjær Klit Krogh Lind Lykke"
    " Mølgaard Rask Rosen Schou Skov Storm Strand Sand Vang Vest Winther Bro Borg Krag Kruse Lau Munk Nord"
    " Øster Friis Balle Bisgaard Borup Buus Dam Gram Hald Kofoed Lauge Nyholm Overgaard Rytter"
)
LAST = words(
    "Hansen Nielsen Jensen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen Petersen Madsen"
    " Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen Knudsen Jakobsen Jacobsen"
    " Mikkelsen Olesen Frederiksen Laursen Henriksen Schmidt Eriksen Kristiansen Clausen Simonsen Svendsen"
    " Andreasen Iversen Østergaard Jeppesen Vestergaard Nissen Lauridsen Kjeldsen Jepsen Mogensen Bertelsen"
    " Villadsen Thygesen Bruun Kjærgaard Mathiesen"
)


# -- The organisation's customers and requests --------------------------------------------------------


@dataclass(frozen=True)
class Debtor:
    """One customer's open request, the account they pay from, and what kind of line the file has."""

    request: PaymentRequest
    name: str
    account: str
    kind: str  # REFERENCE | AMOUNT | PARTIAL | NOISE


def kind_of(n: int) -> str:
    """The mix of the file: of every 100 requests, 90 paid by reference, 5 by amount, 3 in part, 2 not."""
    slot = n % 100
    return REFERENCE if slot < 90 else AMOUNT if slot < 95 else PARTIAL if slot < 98 else NOISE


def name_of(n: int) -> str:
    """Distinct names (as reconciliation compares them) for the first 125,000 customers."""
    return f"{FIRST[n % 50]} {MIDDLE[n // 50 % 50]} {LAST[n // 2500 % 50]}"


def iban_of(n: int) -> str:
    """A Danish IBAN (ISO 13616 mod-97 check digits) for account ``n`` at reg. no. 5301."""
    bban = f"5301{n:010d}"
    return f"DK{98 - int(bban + '132000') % 97:02d}{bban}"


def owner(organisation_id: str) -> Principal:
    return Principal(organisation_id, Role.OWNER, "api_key", "key_bench")


def new_organisation(container: bootstrap.Container, rng: random.Random) -> str:
    """A new organisation with its sandbox agreements (``betal org create``), under an unused CVR."""
    while True:
        cvr = f"{rng.randrange(10_000_000, 100_000_000)}"
        if not is_valid_cvr(cvr):
            continue
        try:
            with container.uow() as uow:
                return create_organisation(uow, name="Benchmark ApS", cvr=cvr).organisation.id
        except Conflict:
            continue


@dataclass(frozen=True)
class Issuer:
    """What every request of the organisation shares: its FI creditor number and reminder policy."""

    organisation_id: str
    creditor_number: str
    policy: ReminderPolicy
    now: datetime


def issuer(container: bootstrap.Container, organisation_id: str) -> Issuer:
    with container.uow() as uow:
        agreement = uow.agreements.get(organisation_id, Method.FI_CARD)
        assert agreement is not None
        policy = policy_for(uow, organisation_id, None)
    return Issuer(organisation_id, str(agreement.config["creditor_number"]), policy, container.clock.now())


def amount_of(rng: random.Random) -> int:
    return rng.randrange(10_000, 1_000_000)  # 100.00 to 9,999.99 DKK


def by_service(container: bootstrap.Container, organisation_id: str, rng: random.Random) -> Debtor:
    """Customer 0 and its request, made by the services: the rows the bulk seed must look like."""
    principal, amount = owner(organisation_id), amount_of(rng)
    due = business_date(container.clock.now()) + timedelta(days=14)
    with container.uow() as uow:
        data = NewCustomer(name_of(0), email="kunde0@example.dk", external_id="K000000")
        customer = create_customer(uow, container.cipher, principal, data)
    request_data = NewPaymentRequest(
        customer.id, amount, "DKK", due, "Faktura F100000", ("fi_card", "account_to_account"),
        reference="F100000", vat_minor=amount // 5,
    )  # fmt: skip
    with container.uow() as uow:
        request = create_payment_request(uow, principal, request_data)
    return Debtor(request, name_of(0), iban_of(0), kind_of(0))


def planned(who: Issuer, n: int, count: int, rng: random.Random) -> tuple[Customer, PaymentRequest]:
    """Customer ``n`` and its request as the services would make them, created ``count - n`` s ago."""
    created = who.now - timedelta(seconds=count - n)
    ms, org, amount = int(created.timestamp() * 1000), who.organisation_id, amount_of(rng)
    customer = Customer(new_id("cus", now_ms=ms), org, name_of(n), f"kunde{n}@example.dk", None, None, None,
                        f"K{n:06d}", created)  # fmt: skip
    payment_id = fi_line.make_payment_id("71", n + 1)  # the organisation's FI counter: one per request
    line = fi_line.render(fi_line.FiPaymentLine("71", payment_id, who.creditor_number))
    request = PaymentRequest(
        id=new_id("preq", now_ms=ms), organisation_id=org, customer_id=customer.id, amount_minor=amount,
        currency="DKK", due_date=business_date(created) + timedelta(days=14 + n % 30),
        description=f"Faktura F{100_000 + n}", reference=f"F{100_000 + n}",
        allowed_methods=(Method.FI_CARD, Method.ACCOUNT_TO_ACCOUNT), status=RequestStatus.OPEN,
        fi_payment_line=line, fi_payment_id=payment_id, paid_minor=0, overpaid_minor=0, refunded_minor=0,
        created_at=created, updated_at=created, vat_minor=amount // 5,
    )  # fmt: skip
    first = plan(who.policy, request.due_date, created, {}, created).next_at
    return customer, replace(request, next_reminder_at=first)


def insert_rows(
    container: bootstrap.Container, rows: Sequence[tuple[Customer | None, PaymentRequest]]
) -> None:
    """The rows ``create_customer`` and ``create_payment_request`` write, for many at once (a request
    whose customer is ``None`` belongs to a customer of an earlier row)."""
    customers = [
        to_columns(c) | {"cpr_ciphertext": None, "cpr_index": None} for c, _ in rows if c is not None
    ]
    requests = [r for _, r in rows]
    messages = [
        Message(
            new_id("msg"), r.organisation_id, r.customer_id, r.id, r.description[:200], None, r.created_at
        )
        for r in requests
    ]
    with container.session_factory() as session, session.begin():
        ledger = rl.SqlAlchemyLedgerRepository(session)
        session.execute(insert(CustomerRow), customers)
        session.execute(
            insert(PaymentRequestRow),
            [to_columns(r) | {"allowed_methods": [m.value for m in r.allowed_methods]} for r in requests],
        )
        session.execute(insert(MessageRow), [to_columns(m) for m in messages])
        drafts = [ledger.valued(posting.request_issued(r, business_date(r.created_at))) for r in requests]
        rl.write_entries(session, drafts, container.clock.now())


def seed(
    container: bootstrap.Container, organisation_id: str, count: int, rng: random.Random
) -> list[Debtor]:
    """``count`` customers with one open request each; the first by the services, the rest in bulk."""
    debtors = [by_service(container, organisation_id, rng)]
    who = issuer(container, organisation_id)
    for start in range(1, count, SEED_CHUNK):
        rows = [planned(who, n, count, rng) for n in range(start, min(start + SEED_CHUNK, count))]
        insert_rows(container, rows)
        debtors += [Debtor(r, c.name, iban_of(n), kind_of(n)) for n, (c, r) in enumerate(rows, start)]
    with container.engine.begin() as conn:
        conn.execute(
            update(CounterRow)
            .where(CounterRow.organisation_id == organisation_id, CounterRow.name == "fi_payment_id.71")
            .values(value=count)
        )
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")
    if count > 1:
        check_like_service(container, debtors[0].request, debtors[1].request)
    return debtors


# Columns that differ from one customer or request to the next; every other column must be equal.
VARYING: dict[str, tuple[str, set[str]]] = {
    "customers": ("id", {"id", "name", "email", "external_id", "created_at"}),
    "payment_requests": ("id", {"id", "customer_id", "amount_minor", "vat_minor", "due_date", "description",
                                "reference", "fi_payment_line", "fi_payment_id", "created_at", "updated_at",
                                "next_reminder_at"}),
    "messages": ("payment_request_id", {"id", "customer_id", "payment_request_id", "subject", "created_at"}),
    "journal_entries": ("source_id", {"id", "number", "entry_date", "description", "source_id",
                                      "created_at"}),
}  # fmt: skip


def _row(conn: Any, table: str, column: str, value: str) -> dict[str, Any]:
    return dict(
        conn.execute(text(f"SELECT * FROM {table} WHERE {column} = :v"), {"v": value}).mappings().one()
    )


def _postings(conn: Any, request_id: str) -> list[tuple[str, bool, str]]:
    rows = conn.execute(
        text("SELECT p.account_id, p.amount_minor > 0, p.currency FROM postings p JOIN journal_entries j"
             " ON j.id = p.journal_entry_id WHERE j.source_id = :v"), {"v": request_id},
    ).all()  # fmt: skip
    return sorted((str(a), bool(d), str(c)) for a, d, c in rows)


def check_like_service(container: bootstrap.Container, made: PaymentRequest, seeded: PaymentRequest) -> None:
    """The bulk rows of ``seeded`` match the service's rows of ``made`` except in the varying columns."""
    keys = {"customers": (made.customer_id, seeded.customer_id)}
    keys |= dict.fromkeys(("payment_requests", "messages", "journal_entries"), (made.id, seeded.id))
    problems = []
    with container.engine.connect() as conn:
        for table, (column, varying) in VARYING.items():
            a, b = (_row(conn, table, column, key) for key in keys[table])
            problems += [
                f"{table}.{c}: {a[c]!r} by the service, {b[c]!r} seeded"
                for c in a
                if (a[c] != b[c] if c not in varying else (a[c] is None) != (b[c] is None))
            ]
        if _postings(conn, made.id) != _postings(conn, seeded.id):
            problems.append("the journal entries of the two requests post to different accounts")
    if problems:
        raise SystemExit("the seeded rows differ from the service's:\n  " + "\n  ".join(problems))


# -- The bank statement --------------------------------------------------------------------------------


def _credit(
    sequence: int,
    day: date,
    amount: int,
    reference: str | None,
    name: str,
    account: str,
    remittance: str | None,
) -> CamtEntry:
    return CamtEntry(
        statement_ref="STMT-BENCH", sequence=sequence, line=0, direction="credit",
        amount=Decimal(amount).scaleb(-2), currency="DKK", status="booked", booking_date=day, value_date=day,
        end_to_end_id=None,
        reference=reference, remittance=remittance, counterparty_name=name, counterparty_account=account,
        bank_reference=f"{day:%Y%m%d}{sequence:010d}", bank_transaction_code="PMNT-RCDT-DMCT",
    )  # fmt: skip


def line_for(debtor: Debtor, sequence: int, day: date, rng: random.Random) -> CamtEntry:
    """The credit that pays (or, for noise, does not pay) ``debtor``'s request, as the bank reports it."""
    request, kind, name = debtor.request, debtor.kind, debtor.name.upper()
    if kind == NOISE:
        stranger = iban_of(9_000_000 + sequence)
        return _credit(sequence, day, amount_of(rng), None, "Ukendt Afsender", stranger, "Overfoersel")
    if kind == AMOUNT:
        return _credit(sequence, day, request.outstanding_minor, None, name, debtor.account, "Betaling")
    amount = request.outstanding_minor // 2 if kind == PARTIAL else request.outstanding_minor
    return _credit(sequence, day, amount, f"71/{request.fi_payment_id}", name, debtor.account, None)


def write_file(path: Path, account: str, debtors: Sequence[Debtor], rng: random.Random) -> None:
    """A camt.053.001.08 with one credit per debtor, in shuffled order."""
    order = list(debtors)
    rng.shuffle(order)
    now = datetime.now(UTC)
    day = business_date(now)
    lines = [line_for(d, n, day, rng) for n, d in enumerate(order, 1)]
    total = sum((e.amount for e in lines), Decimal("0.00"))
    statement = CamtStatement(
        kind="camt.053", version=VERSION, message_id="MSG-BENCH", statement_ref="STMT-BENCH", account=account,
        currency="DKK", from_date=day, to_date=day, opening_balance=Decimal("0.00"), closing_balance=total,
        created_at=now,
    )  # fmt: skip
    with path.open("wb") as out:
        write_statement(out, statement, lines, version=VERSION)


# -- A: the lower bound; B: betal -----------------------------------------------------------------------


def lower_bound(path: Path, references: dict[str, str]) -> tuple[float, int]:
    """Seconds to stream the file, take each entry's reference and join it to the requests; the joins."""
    reference_path = f"{NS}NtryDtls/{NS}TxDtls/{NS}RmtInf/{NS}Strd/{NS}CdtrRefInf/{NS}Ref"
    started, joined = time.perf_counter(), 0
    for _, element in etree.iterparse(str(path), events=("end",), tag=f"{NS}Ntry"):
        if references.get(element.findtext(reference_path) or "") is not None:
            joined += 1
        element.clear()
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]
    return time.perf_counter() - started, joined


@dataclass(frozen=True)
class Run:
    seconds: float
    read_seconds: float  # until reconciliation starts: hashing, parsing and checking the file
    statement_id: str
    entries: int
    rss_mb: float  # the child's own peak
    cpu_seconds: float  # the child's own CPU time (user + system) in the import; the rest is waiting


def import_in_child(url: str, organisation_id: str, path: str, profile: bool, out: Connection) -> None:
    """The child process: import the file through the service, and send back a ``Run``."""
    logging.getLogger("betal").setLevel(logging.WARNING)
    container = bootstrap.build(Settings(database_url=url, secret_key=SECRET_KEY))
    marks: dict[str, float] = {}

    def progress(stage: str, _done: int) -> None:
        marks.setdefault(stage, time.perf_counter())

    profiler = cProfile.Profile() if profile else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    with Path(path).open("rb") as source, container.uow() as uow:
        sha256 = bank_statement.sha256_of(source)
        result = bank_statement.import_statement(
            uow, owner(organisation_id), source, sha256, progress=progress
        )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if profiler is not None:
        profiler.disable()
        print_profile(profiler)
    container.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    read = marks.get("reconcile", started) - started
    out.send(Run(elapsed, read, result.statement.id, len(result.entries), rss, cpu))


def print_profile(profiler: cProfile.Profile) -> None:
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats("betal", 30)


def betal_run(url: str, organisation_id: str, path: Path, *, profile: bool = False) -> Run:
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=import_in_child, args=(url, organisation_id, str(path), profile, send))
    child.start()
    send.close()
    try:
        run: Run | None = receive.recv()
    except EOFError:  # the child ended without an answer: its traceback is on stderr
        run = None
    child.join()
    if child.exitcode != 0 or run is None:
        raise SystemExit(f"the import failed in the child process (exit code {child.exitcode})")
    return run


# -- Checks ------------------------------------------------------------------------------------------------


PAYABLE_STATUSES = ", ".join(f"'{s.value}'" for s in sorted(PAYABLE))
CHECKS = {
    "states": "SELECT match_status, count(*) FROM statement_entries WHERE statement_id = :s"
    " GROUP BY match_status",
    "rules": "SELECT rule, count(*) FROM reconciliation_matches WHERE organisation_id = :o GROUP BY rule",
    "unbalanced": "SELECT currency, SUM(amount_minor) FROM postings WHERE organisation_id = :o"
    " GROUP BY currency HAVING SUM(amount_minor) <> 0",
    "receivables": "SELECT 'DKK', SUM(p.amount_minor) FROM postings p JOIN ledger_accounts a"
    " ON a.id = p.account_id WHERE a.organisation_id = :o AND a.role = 'receivables'",
    "owed": "SELECT 'DKK', SUM(amount_minor + charges_minor - paid_minor) FROM payment_requests"
    f" WHERE organisation_id = :o AND status IN ({PAYABLE_STATUSES})",
}


def check(container: bootstrap.Container, organisation_id: str, run: Run, debtors: Sequence[Debtor]) -> int:
    """What the import must have done (module docstring); returns the number of entries matched."""
    kinds = Counter(d.kind for d in debtors)
    want = {RULE_OF[k]: n for k, n in kinds.items() if k in RULE_OF}
    params = {"o": organisation_id, "s": run.statement_id}
    with container.engine.connect() as conn:
        found = {
            name: {str(k): int(v or 0) for k, v in conn.execute(text(sql), params).all()}
            for name, sql in CHECKS.items()
        }
    problems = []
    matched = found["states"].get("matched", 0)
    if run.entries != len(debtors) or matched != len(debtors) - kinds[NOISE]:
        problems.append(f"{run.entries} entries added of {len(debtors)}; by match status: {found['states']}")
    if found["rules"] != want:
        problems.append(f"matches by rule {found['rules']}, expected {want}")
    if found["unbalanced"]:
        problems.append(f"postings do not sum to zero: {found['unbalanced']}")
    if found["receivables"] != found["owed"]:
        problems.append(
            f"receivables in the ledger {found['receivables']}, the open requests owe {found['owed']}"
        )
    if problems:
        raise SystemExit("the import did not do what it should:\n  " + "\n  ".join(problems))
    return matched


# -- Rounds and the report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Round:
    lower_seconds: float
    betal: Run
    matched: int
    file_mb: float


def prepare(
    container: bootstrap.Container, entries: int, number: int, folder: Path
) -> tuple[str, list[Debtor], Path]:
    rng = random.Random(number)
    organisation_id = new_organisation(container, rng)
    debtors = seed(container, organisation_id, entries, rng)
    with container.uow() as uow:
        agreement = uow.agreements.get(organisation_id, Method.ACCOUNT_TO_ACCOUNT)
        assert agreement is not None
    path = folder / f"camt053-{number}.xml"
    write_file(path, str(agreement.config["creditor_iban"]), debtors, rng)
    return organisation_id, debtors, path


def one_round(container: bootstrap.Container, url: str, entries: int, number: int, folder: Path) -> Round:
    organisation_id, debtors, path = prepare(container, entries, number, folder)
    references = {f"71/{d.request.fi_payment_id}": d.request.id for d in debtors}
    lower, joined = lower_bound(path, references)  # A
    if joined != sum(1 for d in debtors if d.kind in (REFERENCE, PARTIAL)):
        raise SystemExit(f"the lower bound joined {joined} references")
    run = betal_run(url, organisation_id, path)  # B
    matched = check(container, organisation_id, run, debtors)
    size = path.stat().st_size / 1e6
    path.unlink()
    return Round(lower, run, matched, size)


def print_header(entries: int, backend: str) -> None:
    print(f"camt.053 import + reconciliation: {entries} credits against {entries} open requests, {backend}")
    print("  A = lower bound (iterparse + dict join); B = betal (read: parse and check the file;"
          " rest: reconcile, write, commit)")  # fmt: skip
    print("  round  file MB     A s  A entries/s      B s  (read /   rest)  B cpu s  B entries/s   ratio"
          "  B peak RSS")  # fmt: skip


def print_round(number: int, done: Round, entries: int) -> None:
    lower, b = done.lower_seconds, done.betal
    print(f"  {number:5d} {done.file_mb:8.0f} {lower:7.2f} {entries / lower:12.0f} {b.seconds:8.1f}"
          f"  ({b.read_seconds:5.1f} / {b.seconds - b.read_seconds:6.1f}) {b.cpu_seconds:8.1f}"
          f" {entries / b.seconds:12.0f}"
          f" {b.seconds / lower:7.1f} {b.rss_mb:8.0f} MB", flush=True)  # fmt: skip


def print_summary(rounds: Sequence[Round]) -> None:
    ratio = statistics.median(r.betal.seconds / r.lower_seconds for r in rounds)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    verdict = {True: "met", False: "MISSED"}
    print(f"  {rounds[0].matched} entries matched per run, checked; median ratio {ratio:.1f}"
          f" (target <= {TARGET_RATIO:.0f}: {verdict[ratio <= TARGET_RATIO]}); peak RSS of the imports"
          f" {peak:.0f} MB (target < {TARGET_RSS_MB}: {verdict[peak < TARGET_RSS_MB]})")  # fmt: skip


def backend_of(container: bootstrap.Container) -> str:
    with container.engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            return conn.dialect.name
        return f"PostgreSQL {conn.exec_driver_sql('SHOW server_version').scalar_one()}"


def run_all(url: str, entries: int, rounds: int, profile: bool) -> None:
    container = bootstrap.build(Settings(database_url=url, secret_key=SECRET_KEY))
    try:
        bootstrap.migrate(container)
        backend = backend_of(container)
        with tempfile.TemporaryDirectory() as tmp:
            if profile:
                organisation_id, debtors, path = prepare(container, entries, 0, Path(tmp))
                run = betal_run(url, organisation_id, path, profile=True)
                check(container, organisation_id, run, debtors)
                print(f"profiled: {entries} entries in {run.seconds:.1f} s, {backend}")
                return
            print_header(entries, backend)
            done = []
            for number in range(1, rounds + 1):
                done.append(one_round(container, url, entries, number, Path(tmp)))
                print_round(number, done[-1], entries)
        print_summary(done)
    finally:
        container.close()


@contextmanager
def throwaway_database() -> Iterator[str | None]:
    """A new PostgreSQL database on ``SERVER``, dropped afterwards; None when no server answers."""
    name = f"betal_bench_reconciliation_{os.getpid()}"
    admin = create_engine(SERVER.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                          isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})  # fmt: skip
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError:
        admin.dispose()
        yield None
        return
    try:
        yield f"{SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2, help="A/B pairs (default 2)")
    parser.add_argument("--database-url", help=f"default: a throwaway database on {SERVER}")
    parser.add_argument("--profile", action="store_true", help="one betal run under cProfile")
    args = parser.parse_args(argv)
    logging.getLogger("betal").setLevel(logging.WARNING)
    if args.database_url:
        run_all(args.database_url, args.entries, args.rounds, args.profile)
        return
    with throwaway_database() as url:
        if url is None:
            print(
                f"camt.053 import + reconciliation: skipped, no PostgreSQL at {SERVER} (give --database-url)"
            )
            return
        run_all(url, args.entries, args.rounds, args.profile)


if __name__ == "__main__":
    main()
