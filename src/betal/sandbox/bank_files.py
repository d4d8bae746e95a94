"""betal Sandbox Bank, corporate side: the host-to-host file API a business's bank offers its ERP.

Spec: ISO 20022 ``pain.001.001.03`` / ``.09`` in, ``pain.002.001.10`` and ``camt.053.001.08`` out
(shared/standards/danish-payments.md §4); the request shape of corporate bank file APIs (a file per
``POST``, an ``Idempotency-Key`` header, a status resource and its report, statements per account and
day). Behaviour (docs/bank-files.md, "Sandbox bank: payment files and statements"):

- ``POST /sandbox/bank/v1/payment-files``: the pain.001 file. Needs ``Idempotency-Key``; the same key, or
  a file with the same ``GrpHdr/MsgId``, answers the first answer and books nothing twice. The file is
  parsed safely and must be pain.001.001.03 or .09 whose ``NbOfTxs`` and ``CtrlSum`` match its
  transactions, else 400 ``application/problem+json``. Accepted: 202 ``{"id", "status": "received"}``.
- ``GET …/payment-files/{id}``: the file's status as JSON; ``GET …/payment-files/{id}/status-report``:
  pain.002.001.10 with ``ACSC`` per transaction, or ``RJCT`` reason ``AC01`` for a creditor account the
  sandbox treats as invalid (one ending in ``0000``, or an IBAN with a bad checksum).
- ``GET /sandbox/bank/v1/accounts/{account}/statements?date=YYYY-MM-DD``: camt.053.001.08 for the debtor
  account with one booked debit per accepted transaction whose requested execution date is that day.
  Every account opens with ``OPENING_BALANCE`` DKK; DKK debits on earlier days lower it.

It is the outside world: its state lives in the sandbox store and it never calls betal's services.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from lxml import etree
from starlette.concurrency import run_in_threadpool
from stdnum import iban

from betal.bootstrap import Container
from betal.formats.iso20022.camt import CamtEntry, CamtStatement
from betal.formats.iso20022.camt_writer import write_statement
from betal.formats.iso20022.xml import XmlError, line_of, parse_bytes
from betal.sandbox._support import COPENHAGEN, Refusal, create_once, once, sandbox_only

KEY: Final = "bank"
PREFIX: Final = f"/sandbox/{KEY}/v1"
VERSIONS: Final = ("pain.001.001.03", "pain.001.001.09")
REPORT_VERSION: Final = "pain.002.001.10"
STATEMENT_VERSION: Final = "camt.053.001.08"
OPENING_BALANCE: Final = Decimal("1000000.00")  # every sandbox account's balance before its first debit
ACCOUNT_CURRENCY: Final = "DKK"
INVALID_SUFFIX: Final = "0000"  # a creditor account ending so is rejected with AC01
_NAMESPACE = uuid.UUID("5d8e4c1a-2b7f-4e39-9a60-7c3f1b2e8d45")
_ISO = "urn:iso:std:iso:20022:tech:xsd:"
_TRANSACTION_CODES = {"DKK": "PMNT-ICDT-DMCT", "EUR": "PMNT-ICDT-ESCT"}  # else cross-border XBCT
_PROBLEM = "application/problem+json"

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(sandbox_only)])


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, media_type=_PROBLEM)


class FileRefused(Refusal):
    """A payment file the bank will not take: 400 with a problem body naming the fault."""

    def __init__(self, detail: str, line: int | None = None) -> None:
        where = f"line {line}: " if line else ""
        super().__init__(_problem(400, "Invalid payment file", where + detail))


# --- Reading the pain.001 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transaction:
    """One credit transfer as the bank keeps it (amounts as decimal text, exactly as in the file)."""

    payment_info_id: str
    instruction_id: str | None
    end_to_end_id: str
    amount: str
    currency: str
    execution_date: str
    debtor_account: str
    creditor_name: str | None
    creditor_account: str | None
    remittance: str | None
    reference: str | None
    status: str
    reason: str | None


class _Pain001:
    """Lookups in the file's own namespace; a missing element is a ``FileRefused`` at its parent's line."""

    def __init__(self, namespace: str) -> None:
        self.prefix = f"{{{namespace}}}"

    def find(self, parent: etree._Element, path: str) -> etree._Element | None:
        return parent.find("/".join(self.prefix + name for name in path.split("/")))

    def all(self, parent: etree._Element, name: str) -> list[etree._Element]:
        return parent.findall(self.prefix + name)

    def text(self, parent: etree._Element, path: str) -> str | None:
        element = self.find(parent, path)
        return None if element is None else (element.text or "").strip() or None

    def required(self, parent: etree._Element, path: str) -> str:
        value = self.text(parent, path)
        if value is None:
            raise FileRefused(f"{etree.QName(parent).localname} has no {path}", line_of(parent))
        return value


def _decimal(text: str, element: etree._Element, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FileRefused(f"{what} {text!r} is not a number", line_of(element)) from None
    if not value.is_finite() or value <= 0:
        raise FileRefused(f"{what} must be positive, not {text}", line_of(element))
    return value


def _invalid_account(account: str | None) -> bool:
    """The sandbox's rule for a creditor account its clearing would not find (AC01)."""
    if account is None:
        return True
    looks_like_iban = account[:2].isalpha() and account[2:4].isdigit()
    return account.endswith(INVALID_SUFFIX) or (looks_like_iban and not iban.is_valid(account))


def _transaction(r: _Pain001, tx: etree._Element, batch: dict[str, str]) -> Transaction:
    amount = r.find(tx, "Amt/InstdAmt")
    if amount is None:
        raise FileRefused("CdtTrfTxInf has no Amt/InstdAmt", line_of(tx))
    text = (amount.text or "").strip()
    _decimal(text, amount, "InstdAmt")
    creditor = r.text(tx, "CdtrAcct/Id/IBAN") or r.text(tx, "CdtrAcct/Id/Othr/Id")
    remittance = r.find(tx, "RmtInf")
    lines = [] if remittance is None else [(u.text or "").strip() for u in r.all(remittance, "Ustrd")]
    rejected = _invalid_account(creditor)
    return Transaction(
        payment_info_id=batch["id"],
        instruction_id=r.text(tx, "PmtId/InstrId"),
        end_to_end_id=r.required(tx, "PmtId/EndToEndId"),
        amount=text,
        currency=amount.get("Ccy") or "",
        execution_date=batch["date"],
        debtor_account=batch["debtor"],
        creditor_name=r.text(tx, "Cdtr/Nm"),
        creditor_account=creditor,
        remittance=" ".join(line for line in lines if line) or None,
        reference=r.text(tx, "RmtInf/Strd/CdtrRefInf/Ref"),
        status="RJCT" if rejected else "ACSC",
        reason="AC01" if rejected else None,
    )


def _check_totals(r: _Pain001, element: etree._Element, amounts: list[Decimal]) -> None:
    """``NbOfTxs`` and ``CtrlSum`` (when given) of a group header or batch against its transactions."""
    count, total = r.required(element, "NbOfTxs"), r.text(element, "CtrlSum")
    name = etree.QName(element).localname
    if count != str(len(amounts)):
        raise FileRefused(f"{name} NbOfTxs {count} but {len(amounts)} transactions", line_of(element))
    if total is not None and _decimal(total, element, "CtrlSum") != sum(amounts, Decimal(0)):
        raise FileRefused(f"{name} CtrlSum {total} is not the sum of its amounts", line_of(element))


def _batch(r: _Pain001, info: etree._Element) -> list[Transaction]:
    execution = r.text(info, "ReqdExctnDt/Dt") or r.required(info, "ReqdExctnDt")
    try:
        day = date.fromisoformat(execution).isoformat()
    except ValueError:
        raise FileRefused(f"ReqdExctnDt {execution!r} is not a date", line_of(info)) from None
    batch = {
        "id": r.required(info, "PmtInfId"),
        "date": day,
        "debtor": r.text(info, "DbtrAcct/Id/IBAN") or r.required(info, "DbtrAcct/Id/Othr/Id"),
    }
    transactions = [_transaction(r, tx, batch) for tx in r.all(info, "CdtTrfTxInf")]
    _check_totals(r, info, [Decimal(t.amount) for t in transactions])
    return transactions


def read_file(content: bytes) -> tuple[str, str, list[Transaction]]:
    """``(version, MsgId, transactions)`` of a pain.001 file; ``FileRefused`` for anything wrong."""
    try:
        root = parse_bytes(content)
    except XmlError as exc:
        raise FileRefused(exc.reason, exc.line) from None
    qname = etree.QName(root)
    version = (qname.namespace or "").removeprefix(_ISO)
    if qname.localname != "Document" or version not in VERSIONS:
        raise FileRefused(f"not a pain.001.001.03 or .09 document ({qname.namespace or 'no namespace'})")
    r = _Pain001(qname.namespace or "")
    initiation = r.find(root, "CstmrCdtTrfInitn")
    header = None if initiation is None else r.find(initiation, "GrpHdr")
    if initiation is None or header is None:
        raise FileRefused("Document has no CstmrCdtTrfInitn/GrpHdr", line_of(root))
    transactions = [t for info in r.all(initiation, "PmtInf") for t in _batch(r, info)]
    if not transactions:
        raise FileRefused("the file has no transactions", line_of(initiation))
    _check_totals(r, header, [Decimal(t.amount) for t in transactions])
    return version, r.required(header, "MsgId"), transactions


# --- Payment files -------------------------------------------------------------------------------------


def file_id(message_id: str) -> str:
    """The bank's id of a file, derived from its ``MsgId``: the same message is the same file."""
    return "bf-" + uuid.uuid5(_NAMESPACE, message_id).hex[:24]


def _outcome(transactions: Iterable[dict[str, Any]]) -> tuple[str, str]:
    """``(status, pain.002 group status)`` from the transactions' statuses."""
    statuses = {t["status"] for t in transactions}
    if statuses == {"ACSC"}:
        return "accepted", "ACSC"
    return ("rejected", "RJCT") if statuses == {"RJCT"} else ("partially_accepted", "PART")


def _receive(container: Container, content: bytes) -> tuple[int, dict[str, Any]]:
    version, message_id, transactions = read_file(content)
    bank_id = file_id(message_id)
    doc = {
        "id": bank_id, "messageId": message_id, "version": version,
        "receivedAt": container.clock.now().isoformat(), "transactions": [asdict(t) for t in transactions],
    }  # fmt: skip
    if container.sandbox_store().get(KEY, bank_id) is None:
        create_once(container, KEY, "payment_file", bank_id, doc)  # a twin with this MsgId wins: same file
    return 202, {"id": bank_id, "status": "received"}


@router.post("/payment-files")
async def submit_file(
    request: Request, idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None
) -> Response:
    if not idempotency_key or len(idempotency_key) > 255:
        return _problem(
            400, "Idempotency-Key required", "send an Idempotency-Key header of 1 to 255 characters"
        )
    content = await request.body()
    container = sandbox_only(request)
    busy = Refusal(_problem(409, "Request in progress", "a request with this Idempotency-Key is running"))
    try:
        return await run_in_threadpool(
            once,
            container,
            KEY,
            f"payment-file:{idempotency_key}",
            lambda: _receive(container, content),
            busy,
        )
    except Refusal as refusal:
        return refusal.response


def _file(request: Request, bank_file_id: str) -> dict[str, Any] | Response:
    doc = sandbox_only(request).sandbox_store().get(KEY, bank_file_id)
    if doc is None or "transactions" not in doc:
        return _problem(404, "Not found", f"no payment file {bank_file_id}")
    return doc


@router.get("/payment-files/{bank_file_id}")
def file_status(bank_file_id: str, request: Request) -> Response:
    doc = _file(request, bank_file_id)
    if isinstance(doc, Response):
        return doc
    transactions = doc["transactions"]
    status, _ = _outcome(transactions)
    accepted = sum(1 for t in transactions if t["status"] == "ACSC")
    return JSONResponse({
        "id": doc["id"], "message_id": doc["messageId"], "version": doc["version"], "status": status,
        "received_at": doc["receivedAt"], "transactions": len(transactions), "accepted": accepted,
        "rejected": len(transactions) - accepted,
    })  # fmt: skip


# --- pain.002 ------------------------------------------------------------------------------------------


def _el(parent: etree._Element, path: str, text: str | None = None) -> etree._Element:
    """A chain of new children in the pain.002 namespace, the last one holding ``text``."""
    for name in path.split("/"):
        parent = etree.SubElement(parent, f"{{{_ISO}{REPORT_VERSION}}}{name}")
    if text is not None:
        parent.text = text
    return parent


def _reason(parent: etree._Element, code: str) -> None:
    info = _el(parent, "StsRsnInf")
    _el(info, "Rsn/Cd", code)
    _el(info, "AddtlInf", "creditor account not found" if code == "AC01" else code)


def status_report(doc: dict[str, Any], created_at: datetime) -> bytes:
    """pain.002.001.10 for a stored file: the group, each batch, each transaction with its status."""
    namespace = f"{_ISO}{REPORT_VERSION}"
    root = etree.Element(f"{{{namespace}}}Document", nsmap={None: namespace})  # type: ignore[dict-item]
    report = _el(root, "CstmrPmtStsRpt")
    header = _el(report, "GrpHdr")
    _el(header, "MsgId", "rpt-" + doc["id"].removeprefix("bf-"))
    _el(header, "CreDtTm", created_at.isoformat(timespec="seconds"))
    group = _el(report, "OrgnlGrpInfAndSts")
    _el(group, "OrgnlMsgId", doc["messageId"])
    _el(group, "OrgnlMsgNmId", doc["version"])
    _el(group, "GrpSts", _outcome(doc["transactions"])[1])
    batches: dict[str, list[dict[str, Any]]] = {}
    for tx in doc["transactions"]:
        batches.setdefault(tx["payment_info_id"], []).append(tx)
    for batch_id, transactions in batches.items():
        info = _el(report, "OrgnlPmtInfAndSts")
        _el(info, "OrgnlPmtInfId", batch_id)
        _el(info, "PmtInfSts", _outcome(transactions)[1])
        for tx in transactions:
            entry = _el(info, "TxInfAndSts")
            if tx["instruction_id"] is not None:
                _el(entry, "OrgnlInstrId", tx["instruction_id"])
            _el(entry, "OrgnlEndToEndId", tx["end_to_end_id"])
            _el(entry, "TxSts", tx["status"])
            if tx["reason"] is not None:
                _reason(entry, tx["reason"])
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@router.get("/payment-files/{bank_file_id}/status-report")
def file_status_report(bank_file_id: str, request: Request) -> Response:
    doc = _file(request, bank_file_id)
    if isinstance(doc, Response):
        return doc
    created_at = sandbox_only(request).clock.now().astimezone(COPENHAGEN)
    return Response(status_report(doc, created_at), media_type="application/xml")


# --- camt.053 ------------------------------------------------------------------------------------------


def _debits(files: list[dict[str, Any]], account: str) -> list[tuple[str, dict[str, Any]]]:
    """``(bank reference, transaction)`` of every accepted transaction from ``account``, oldest first."""
    return [
        (f"{doc['id']}-{number}", tx)
        for doc in files
        for number, tx in enumerate(doc.get("transactions", []), start=1)
        if tx["debtor_account"] == account and tx["status"] == "ACSC"
    ]


def _entry(reference: str, tx: dict[str, Any], day: date, sequence: int) -> CamtEntry:
    return CamtEntry(
        statement_ref="", sequence=sequence, line=0, direction="debit", amount=Decimal(tx["amount"]),
        currency=tx["currency"], status="booked", booking_date=day, value_date=day,
        end_to_end_id=tx["end_to_end_id"], reference=tx["reference"], remittance=tx["remittance"],
        counterparty_name=tx["creditor_name"], counterparty_account=tx["creditor_account"],
        bank_reference=reference,
        bank_transaction_code=_TRANSACTION_CODES.get(tx["currency"], "PMNT-ICDT-XBCT"),
    )  # fmt: skip


def statement(files: list[dict[str, Any]], account: str, day: date, created_at: datetime) -> bytes:
    """camt.053.001.08 of ``account`` on ``day``; balances move only by debits in the account currency."""
    debits = _debits(files, account)
    today = [(ref, tx) for ref, tx in debits if tx["execution_date"] == day.isoformat()]
    earlier = [tx for _, tx in debits if tx["execution_date"] < day.isoformat()]

    def spent(transactions: Iterable[dict[str, Any]]) -> Decimal:
        return sum(
            (Decimal(t["amount"]) for t in transactions if t["currency"] == ACCOUNT_CURRENCY), Decimal(0)
        )

    opening = OPENING_BALANCE - spent(earlier)
    ref = f"stmt-{day:%Y%m%d}-{hashlib.sha256(account.encode()).hexdigest()[:16]}"
    header = CamtStatement(
        kind="camt.053", version=STATEMENT_VERSION, message_id=ref, statement_ref=ref, account=account,
        currency=ACCOUNT_CURRENCY, from_date=day, to_date=day, opening_balance=opening,
        closing_balance=opening - spent(tx for _, tx in today), created_at=created_at,
    )  # fmt: skip
    out = BytesIO()
    entries = (_entry(ref, tx, day, n) for n, (ref, tx) in enumerate(today, start=1))
    write_statement(out, header, entries, version=STATEMENT_VERSION)
    return out.getvalue()


@router.get("/accounts/{account}/statements")
def account_statement(
    account: str, request: Request, day: Annotated[str, Query(alias="date")] = ""
) -> Response:
    try:
        wanted = date.fromisoformat(day) if len(day) == len("YYYY-MM-DD") else None
    except ValueError:
        wanted = None
    if wanted is None:
        return _problem(400, "Invalid date", "date must be a day as YYYY-MM-DD")
    if not 1 <= len(account) <= 34 or not account.isalnum():
        return _problem(400, "Invalid account", "the account must be an IBAN or an account number")
    container = sandbox_only(request)
    files = container.sandbox_store().list(KEY, "payment_file")
    created_at = datetime.combine(wanted, time(23, 59, 59), tzinfo=COPENHAGEN)
    return Response(statement(files, account, wanted, created_at), media_type="application/xml")
