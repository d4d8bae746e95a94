"""Bulk creation of payment requests from a CSV or JSON file (API.md ``POST /v1/payment-requests/bulk``).

Files (at most ``MAX_BYTES``, the API's 10 MB body limit, and ``MAX_ROWS`` rows), UTF-8 with or without BOM:

- CSV (RFC 4180, https://www.rfc-editor.org/rfc/rfc4180): a header row naming the columns, separated by
  commas or (as Danish spreadsheets export) semicolons, detected from the header. Columns:
  ``customer_id`` or ``customer_external_id`` (one of them per row), ``amount``, ``currency``,
  ``due_date`` (``YYYY-MM-DD``), ``description``, ``reference`` (optional), ``vat_amount`` (optional: the
  output VAT the amount includes, in minor units) and ``allowed_methods`` (method names separated by
  ``|``, e.g. ``fi_card|mobilepay``). Unknown or repeated columns refuse the file.
- JSON (RFC 8259): an array of the objects ``POST /v1/payment-requests`` takes, where
  ``customer_external_id`` may stand instead of ``customer_id``.

``amount`` and ``vat_amount`` are integers in minor units (øre) in both formats, as everywhere in the API.
"1234.50" and "1.234,50" are refused: which character is the decimal separator depends on the
spreadsheet's locale, and a silently misread amount is the one mistake a bulk import must never make.

Every row is checked and every problem is reported as a ``RowError(line, field, message)``: for CSV the
physical line where the record starts (the header is line 1), for JSON the object's 1-based position in
the array. A malformed file (bad encoding, broken quoting, bad header, invalid JSON, no rows) is refused
as a whole with ``InvalidInput`` naming the line. Valid rows are created with
``services.payment_request.create_payment_request`` in transactions of ``BATCH`` rows; should one fail,
its rows are created again one transaction each, so a bad row never undoes good ones. With a
``key_prefix`` (a job) each created row records the idempotency key ``<prefix>:<line>`` in the same
transaction, and a retried job skips the rows it created before.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from betal.domain.calendar import business_date
from betal.domain.customer import validate_external_id
from betal.domain.errors import BetalError, InvalidInput, NotFound
from betal.domain.job import Job, NewJob
from betal.domain.money import currency as check_currency
from betal.domain.money import validate_amount
from betal.domain.payment_method import Method, parse_methods, require_agreements
from betal.domain.payment_request import validate_new_request
from betal.domain.tenancy import Permission, Principal, Role
from betal.formats import payment_request_file as request_file
from betal.formats.payment_request_file import COLUMNS
from betal.formats.payment_request_file import FileFormat as FileFormat  # re-exported for callers
from betal.formats.payment_request_file import RawRow as RawRow
from betal.ports import UnitOfWork
from betal.services.payment_request import NewPaymentRequest, check_vat, create_payment_request

JOB_KIND = "payment_requests.bulk"
MAX_BYTES = 10 * 1024 * 1024
MAX_ERRORS = 1000  # errors kept in a job's result
BATCH = 100  # rows per transaction, and how often progress is reported
PAUSE = 0.05  # seconds between batches, so other writers get a turn (SQLite lets one write at a time)
_DIGITS = re.compile(r"[0-9]{1,15}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class MalformedFile(InvalidInput):
    """The file cannot be read as rows at all; ``line`` says where."""

    code = "bulk.malformed"

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}", field="body")
        self.line = line


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str


def _errors(line: int, exc: BetalError) -> list[RowError]:
    problems = exc.errors if isinstance(exc, InvalidInput) else []
    return [RowError(line, p.field, p.message) for p in problems] or [RowError(line, "row", exc.detail)]


# -- Reading the file ------------------------------------------------------------------------------


def parse_file(fmt: FileFormat, data: bytes) -> list[RawRow]:
    """The file's records, unchecked; ``MalformedFile`` when it cannot be read as rows."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES} bytes; split it", field="body")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedFile(data[: exc.start].count(b"\n") + 1, "is not UTF-8 text") from None
    try:
        return request_file.parse(fmt, text)
    except request_file.FileError as exc:
        raise MalformedFile(exc.line, exc.message) from None


# -- Checking one row (no database) -----------------------------------------------------------------


@dataclass(frozen=True)
class ValidRow:
    line: int
    customer: tuple[str, str]  # ("customer_id" | "customer_external_id", value)
    data: NewPaymentRequest  # customer_id is "" until the customer is looked up


def _text(raw: RawRow, name: str, *, required: bool = True) -> str | None:
    value = raw.values.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput("is required", field=name)
        return None
    if not isinstance(value, str):
        raise InvalidInput("must be a string", field=name)
    return value.strip()


def _minor(raw: RawRow, name: str) -> object:
    """The integer a CSV cell holds (JSON values are taken as they are); an empty cell is ``None``."""
    value = raw.values.get(name)
    if not raw.textual:
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    if not str(value or "").strip():
        return None
    raise InvalidInput("must be a whole number of øre (minor units), e.g. 123450 for 1.234,50", field=name)


def _amount(raw: RawRow) -> int:
    value = _minor(raw, "amount")
    if value is None and raw.textual:
        raise InvalidInput("is required", field="amount")
    return validate_amount(value)


def _vat_amount(raw: RawRow) -> object:
    """Checked against the amount once both are known (``check_vat``); absent means no VAT."""
    value = _minor(raw, "vat_amount")
    return 0 if value is None else value


def _due_date(raw: RawRow) -> date:
    value = _text(raw, "due_date") or ""
    try:
        if _ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidInput("must be a date written YYYY-MM-DD", field="due_date")


def _methods(raw: RawRow) -> tuple[str, ...]:
    value = raw.values.get("allowed_methods")
    if raw.textual and isinstance(value, str):
        value = [m.strip() for m in value.split("|") if m.strip()]
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise InvalidInput("must be a list of payment method names", field="allowed_methods")
    return tuple(m.value for m in parse_methods(value))


def _customer(raw: RawRow) -> tuple[str, str]:
    given = [(n, v) for n in ("customer_id", "customer_external_id") if (v := _text(raw, n, required=False))]
    if len(given) != 1:
        message = "give customer_id or customer_external_id" if not given else "give only one of them"
        raise InvalidInput(message, field="customer_id")
    name, value = given[0]
    if name == "customer_external_id":
        return name, validate_external_id(value, field=name)
    if len(value) > 40:
        raise InvalidInput("is not a customer id", field=name)
    return name, value


_CHECKS: dict[str, Callable[[RawRow], Any]] = {
    "customer": _customer,
    "amount": _amount,
    "currency": lambda raw: check_currency(_text(raw, "currency") or ""),
    "due_date": _due_date,
    "description": lambda raw: _text(raw, "description"),
    "reference": lambda raw: _text(raw, "reference", required=False),
    "vat_amount": _vat_amount,
    "allowed_methods": _methods,
}


def validate_row(raw: RawRow, today: date) -> ValidRow | list[RowError]:
    """The row ready to create, or every problem found in it (pure: the database is checked later)."""
    if raw.problem is not None:
        return [RowError(raw.line, "row", raw.problem)]
    errors = [RowError(raw.line, key, "is not a known field") for key in raw.values if key not in COLUMNS]
    values: dict[str, Any] = {}
    for name, check in _CHECKS.items():
        try:
            values[name] = check(raw)
        except InvalidInput as exc:
            errors += _errors(raw.line, exc)
    reference = values.get("reference")
    if reference is not None and len(reference) > 100:
        errors.append(RowError(raw.line, "reference", "must be at most 100 characters"))
    if not errors and Method.FI_CARD.value in values["allowed_methods"] and values["currency"].code != "DKK":
        errors.append(RowError(raw.line, "currency", "FI-kort payments are in DKK only"))
    if not errors:
        try:
            values["description"] = validate_new_request(
                values["amount"], values["due_date"], today, values["description"]
            )
            values["vat_amount"] = check_vat(values["vat_amount"], values["amount"])
        except InvalidInput as exc:
            errors += _errors(raw.line, exc)
    if errors:
        return errors
    data = NewPaymentRequest(
        customer_id="", amount_minor=values["amount"], currency=values["currency"].code,
        due_date=values["due_date"], description=values["description"], reference=reference,
        allowed_methods=values["allowed_methods"], vat_minor=values["vat_amount"],
    )  # fmt: skip
    return ValidRow(raw.line, values["customer"], data)


# -- Checking against the organisation, and creating ------------------------------------------------


@dataclass
class Plan:
    """The rows ready to create (customer resolved) and the errors of all the others."""

    ready: list[tuple[int, NewPaymentRequest]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def check_rows(uow: UnitOfWork, principal: Principal, rows: list[RawRow]) -> Plan:
    """Validate every row, look up its customer and check its methods against the agreements (no writes)."""
    principal.require(Permission.BILL)
    org = principal.organisation_id
    today = business_date(uow.clock.now())
    agreements = uow.agreements.list_for_organisation(org)
    customers: dict[tuple[str, str], str | None] = {}
    plan = Plan()
    for raw in rows:
        row = validate_row(raw, today)
        if isinstance(row, list):
            plan.errors += row
            continue
        name, value = row.customer
        if row.customer not in customers:
            by_id = name == "customer_id"
            found = uow.customers.get(org, value) if by_id else uow.customers.get_by_external_id(org, value)
            customers[row.customer] = None if found is None else found.id
        customer_id = customers[row.customer]
        try:
            if customer_id is None:
                raise InvalidInput("no such customer in this organisation", field=name)
            require_agreements((Method(m) for m in row.data.allowed_methods), agreements)
        except InvalidInput as exc:
            plan.errors += _errors(row.line, exc)
            continue
        plan.ready.append((row.line, replace(row.data, customer_id=customer_id)))
    return plan


@dataclass(frozen=True)
class BulkResult:
    total: int
    created: int
    errors: list[RowError]

    @property
    def failed(self) -> int:
        return len({e.line for e in self.errors})

    def as_dict(self) -> dict[str, Any]:
        """The job's result: counts and the first ``MAX_ERRORS`` errors, by line."""
        errors = [{"line": e.line, "field": e.field, "message": e.message} for e in self.errors[:MAX_ERRORS]]
        return {"total": self.total, "created": self.created, "failed": self.failed, "errors": errors}


Progress = Callable[[int, int], None]


def run_rows(
    new_uow: Callable[[], UnitOfWork],
    principal: Principal,
    rows: list[RawRow],
    *,
    key_prefix: str | None = None,
    on_progress: Progress | None = None,
) -> BulkResult:
    """Create every valid row (``BATCH`` per transaction), reporting ``(rows done, rows)`` as it goes."""
    with new_uow() as uow:
        plan = check_rows(uow, principal, rows)
    errors, created, done = list(plan.errors), 0, len(rows) - len(plan.ready)
    report = on_progress or (lambda _done, _total: None)
    report(done, len(rows))
    for start in range(0, len(plan.ready), BATCH):
        batch = plan.ready[start : start + BATCH]
        try:
            created += _create(new_uow, principal, batch, key_prefix)
        except BetalError:  # a row the checks let through failed: create the batch row by row
            for line, data in batch:
                try:
                    created += _create(new_uow, principal, [(line, data)], key_prefix)
                except BetalError as exc:
                    errors += _errors(line, exc)
        done += len(batch)
        report(done, len(rows))
        if done < len(rows):
            time.sleep(PAUSE)
    return BulkResult(len(rows), created, sorted(errors, key=lambda e: e.line))


def _create(
    new_uow: Callable[[], UnitOfWork],
    principal: Principal,
    batch: list[tuple[int, NewPaymentRequest]],
    key_prefix: str | None,
) -> int:
    org = principal.organisation_id
    with new_uow() as uow:
        uow.defer_commit = True  # one transaction for the batch; create_payment_request only flushes
        for line, data in batch:
            key = None if key_prefix is None else f"{key_prefix}:{line}"
            if key is not None and not uow.idempotency.reserve(org, key, JOB_KIND, uow.clock.now()):
                continue  # created by an earlier attempt of this job
            request = create_payment_request(uow, principal, data)
            if key is not None:
                uow.idempotency.complete(org, key, 201, request.id)
        uow.commit_deferred()
    return len(batch)


# -- The job ----------------------------------------------------------------------------------------


def enqueue_bulk(uow: UnitOfWork, principal: Principal, fmt: FileFormat, data: bytes) -> str:
    """Check the file can be read and queue the job that creates its rows; returns the job's id.

    The raw file goes into the job's payload (the job re-reads it), so it is capped at ``MAX_BYTES``.
    """
    principal.require(Permission.BILL)
    rows = parse_file(fmt, data)
    org = principal.organisation_id
    dedupe_key = f"{JOB_KIND}:{secrets.token_hex(16)}"
    payload = {
        "format": fmt.value,
        "content": data.decode("utf-8-sig"),
        "rows": len(rows),
        "principal": {"role": principal.role.value, "type": principal.actor_type, "id": principal.actor_id},
    }
    job = NewJob(JOB_KIND, payload, organisation_id=org, dedupe_key=dedupe_key, max_attempts=5)
    uow.enqueue(job)
    uow.audit(org, "payment_request.bulk_queued", "organisation", org, rows=len(rows), format=fmt.value)
    uow.commit()
    return job.id


def job_input(job: Job) -> tuple[Principal, list[RawRow]]:
    """Who queued the job and the rows of its file; ``InvalidInput`` (the job fails) for a bad payload."""
    payload, who = job.payload, job.payload.get("principal") or {}
    content = payload.get("content")
    try:
        role, fmt = Role(str(who["role"])), FileFormat(str(payload["format"]))
        principal = Principal(str(job.organisation_id or ""), role, str(who["type"]), str(who["id"]))
    except (KeyError, ValueError, TypeError):
        content = None
    if not isinstance(content, str) or job.organisation_id is None:
        raise InvalidInput("the job's payload is not a bulk import", field="payload")
    return principal, parse_file(fmt, content.encode())


def operator(uow: UnitOfWork, organisation_id: str) -> Principal:
    """The principal of the command line: an operator acting as owner of an existing organisation."""
    if uow.organisations.get(organisation_id) is None:
        raise NotFound(f"no organisation {organisation_id}", code="organisation.not_found")
    return Principal(organisation_id, Role.OWNER, "system", "cli")
