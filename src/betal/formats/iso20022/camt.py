"""camt.053 (bank-to-customer statement) and camt.054 (debit/credit notification) reader.

Spec: ISO 20022 BankToCustomerStatement and BankToCustomerDebitCreditNotification, versions .001.02 to
.001.12 (https://www.iso20022.org/iso-20022-message-definitions, "Cash Management"); the elements Danish
banks fill in are in shared/standards/danish-payments.md §4.3; the field table is docs/formats/camt.md.

The file is read as a stream (lxml's pull parser with the safe options of ``xml``): each ``TxDtls`` and
each ``Ntry`` becomes a small value as soon as it ends and is then dropped from the tree with everything
before it, so a 500 MB file needs no more memory than a small one. (The transactions of one batch ``Ntry``
are kept as small values until it ends: whether to split it depends on all of them.) The three
places where versions differ (``Sts`` text or ``Sts/Cd``, ``Dbtr/Nm`` or ``Dbtr/Pty/Nm``, ``TxDtls/Amt``)
are decoded in ``camt_elements``, which accepts every form in every version.

A malformed file raises ``CamtError`` with the line and reason. Statements and entries before the fault
have been yielded by then, so a caller must treat the error as rejecting the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from itertools import islice
from typing import BinaryIO

from lxml import etree

from betal.formats.iso20022 import camt_elements as parts
from betal.formats.iso20022 import xml
from betal.formats.iso20022.camt_elements import Paths, Transaction
from betal.formats.iso20022.xml import line_of

SUPPORTED_VERSIONS = range(2, 13)
NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.(\d\d)")
# kind -> (message element under Document, statement element under the message)
MESSAGES = {"camt.053": ("BkToCstmrStmt", "Stmt"), "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}


class CamtError(xml.XmlError):
    """A file that is not a readable camt.053/054: ``str(e)`` is ``"line N: reason"``."""


@dataclass(frozen=True)
class CamtStatement:
    kind: str  # "camt.053" | "camt.054"
    version: str  # e.g. "camt.053.001.08"
    message_id: str  # GrpHdr/MsgId
    statement_ref: str  # Stmt/Id or Ntfctn/Id
    account: str  # Acct/Id/IBAN, else Acct/Id/Othr/Id
    currency: str | None  # Acct/Ccy
    from_date: date | None  # FrToDt/FrDtTm, date part
    to_date: date | None  # FrToDt/ToDtTm, date part
    opening_balance: Decimal | None  # Bal OPBD or PRCD, negative when DBIT
    closing_balance: Decimal | None  # Bal CLBD, negative when DBIT
    created_at: datetime | None  # Stmt/CreDtTm, else GrpHdr/CreDtTm; naive when the file gives no offset


@dataclass(frozen=True)
class CamtEntry:
    statement_ref: str  # the statement it belongs to (a file may hold several)
    sequence: int  # 1-based order in the file
    line: int  # source line of its Ntry
    direction: str  # "credit" | "debit"
    amount: Decimal  # positive, as written
    currency: str  # Amt/@Ccy
    status: str  # "booked" | "pending" | "info"
    booking_date: date | None  # BookgDt/Dt or DtTm
    value_date: date | None  # ValDt/Dt or DtTm
    end_to_end_id: str | None  # TxDtls/Refs/EndToEndId; NOTPROVIDED is None
    reference: str | None  # TxDtls/RmtInf/Strd/CdtrRefInf/Ref (FIK "71/..." or an RF reference)
    remittance: str | None  # RmtInf/Ustrd lines joined by " ", else Ntry/AddtlNtryInf
    counterparty_name: str | None  # credit: RltdPties/Dbtr; debit: RltdPties/Cdtr
    counterparty_account: str | None  # credit: DbtrAcct; debit: CdtrAcct (IBAN, else Othr/Id)
    bank_reference: str | None  # TxDtls/Refs/AcctSvcrRef, else Ntry/AcctSvcrRef (+ "/n" in a batch)
    bank_transaction_code: str | None  # BkTxCd Domn-Fmly-SubFmly codes, else BkTxCd/Prtry/Cd


def read(source: BinaryIO) -> Iterator[CamtStatement | CamtEntry]:
    """Each statement of ``source``, then its entries, in file order; ``CamtError`` for a bad file."""
    try:
        head = xml.read_prolog(source)
        kind, version, message, head = _identify(source, head)
        yield from _Reader(kind, version, message).run(source, head)
    except CamtError:
        raise
    except xml.XmlError as exc:
        raise CamtError(exc.reason, exc.line) from None


def parse_bytes(data: bytes) -> tuple[list[CamtStatement], list[CamtEntry]]:
    """All statements and entries of a small file, or ``CamtError``."""
    items = list(read(BytesIO(data)))
    return [i for i in items if isinstance(i, CamtStatement)], [i for i in items if isinstance(i, CamtEntry)]


def _feed(parser: etree.XMLPullParser, data: bytes) -> list[etree._Element]:
    """Feed ``data`` (empty: the end of the file) and return the elements of the events it produced."""
    try:
        if data:
            parser.feed(data)
        else:
            parser.close()
    except etree.XMLSyntaxError as exc:
        raise xml.syntax_error(exc) from None
    return [element for _, element in parser.read_events() if isinstance(element, etree._Element)]


def _identify(source: BinaryIO, head: bytes) -> tuple[str, str, int, bytes]:
    """Kind, version and the message element's line, checked on the first bytes before the body is
    read; and all bytes read so far, for the real parse to start with.
    """
    probe = etree.XMLPullParser(events=("start",), **xml.safe_iterparse_options())
    started: list[etree._Element] = []
    data = head
    while data:
        started += _feed(probe, data)
        if len(started) > 1:
            break
        data = source.read(xml.CHUNK)
        head += data
    else:
        started += _feed(probe, b"")  # the end of a short file: raises if it is truncated
    kind, version = _kind(started[0])
    message = started[1] if len(started) > 1 else None
    expected = MESSAGES[kind][0]
    if message is None or message.tag != f"{{{etree.QName(started[0]).namespace}}}{expected}":
        found = "nothing" if message is None else etree.QName(message).localname
        line = line_of(started[0] if message is None else message)
        raise CamtError(f"expected {expected} in Document, found {found}", line)
    return kind, version, line_of(message) or 1, head


def _kind(root: etree._Element) -> tuple[str, str]:
    xml.reject_declared_dtd(root)
    qname = etree.QName(root)
    match = NAMESPACE.fullmatch(qname.namespace or "")
    if not match:
        namespace = qname.namespace or "none"
        raise CamtError(f"not a camt.053 or camt.054 document (namespace {namespace})", line_of(root))
    version = f"{match[1]}.001.{match[2]}"
    if int(match[2]) not in SUPPORTED_VERSIONS:
        raise CamtError(f"unsupported version {version} (.001.02 to .001.12 are read)", line_of(root))
    if qname.localname != "Document":
        raise CamtError(f"the root element is {qname.localname}, not Document", line_of(root))
    return match[1], version


def _release(element: etree._Element) -> None:
    """Drop a finished element and everything before it from the tree, so memory stays flat."""
    element.clear()
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


class _Reader:
    """The state of one pass over a file: the group header, the open statement, its pending TxDtls."""

    def __init__(self, kind: str, version: str, message_line: int) -> None:
        self.kind, self.version, self.message_line = kind, version, message_line
        self.namespace = f"urn:iso:std:iso:20022:tech:xsd:{version}"
        message, statement = MESSAGES[kind]
        prefix = f"{{{self.namespace}}}"
        tag = prefix.__add__  # "Ntry" -> "{namespace}Ntry"
        self.message_tag, self.statement_tag, self.header_tag = tag(message), tag(statement), tag("GrpHdr")
        self.entry_tag, self.entry_details_tag, self.details_tag = tag("Ntry"), tag("NtryDtls"), tag("TxDtls")
        self.message_id: str | None = None
        self.created_at: datetime | None = None
        self.open: etree._Element | None = None  # the statement element whose CamtStatement is out
        self.statement_ref = ""
        self.statements = 0
        self.sequence = 0
        self.transactions: list[Transaction] = []

    def run(self, source: BinaryIO, head: bytes) -> Iterator[CamtStatement | CamtEntry]:
        tags = [self.header_tag, self.statement_tag, self.entry_tag, self.details_tag]
        parser = etree.XMLPullParser(events=("end",), tag=tags, **xml.safe_iterparse_options())
        data = head
        while True:
            for element in _feed(parser, data):
                yield from self._handle(element)
            if not data:
                break
            data = source.read(xml.CHUNK)
        if not self.statements:
            message, statement = MESSAGES[self.kind]
            raise CamtError(f"{message} holds no {statement}", self.message_line)

    def _handle(self, element: etree._Element) -> Iterator[CamtStatement | CamtEntry]:
        if element.tag == self.details_tag:
            self._placed(element, self.entry_details_tag, self.entry_tag)
            self.transactions.append(parts.transaction(self._paths(element, parts.DETAILS)))
        elif element.tag == self.entry_tag:
            yield from self._opened(self._placed(element, self.statement_tag, self.message_tag))
            yield from self._entries(self._paths(element, parts.ENTRY))
        elif element.tag == self.statement_tag:
            self._placed(element, self.message_tag)
            yield from self._opened(element)
            self.open = None
        else:
            self._placed(element, self.message_tag)
            header = self._paths(element, parts.HEADER)
            self.message_id, self.created_at = header.required_text("MsgId"), header.timestamp("CreDtTm")
        _release(element)

    def _paths(self, element: etree._Element, wanted: frozenset[str]) -> Paths:
        return Paths(element, self.namespace, wanted)

    def _placed(self, element: etree._Element, *ancestors: str) -> etree._Element:
        """The parent of ``element``, after checking that its parent, grandparent, ... are ``ancestors``."""
        above = list(islice(element.iterancestors(), len(ancestors)))  # never empty: Document is above
        if [ancestor.tag for ancestor in above] != list(ancestors):
            where = etree.QName(above[0]).localname
            raise CamtError(f"{etree.QName(element).localname} is not allowed in {where}", line_of(element))
        return above[0]

    def _opened(self, element: etree._Element) -> Iterator[CamtStatement]:
        """The statement once, before its first entry (its header elements have all ended by then)."""
        if element is self.open:
            return
        if self.message_id is None:
            raise CamtError(f"GrpHdr must come before {etree.QName(element).localname}", line_of(element))
        statement = self._paths(element, parts.STATEMENT)
        account = statement.account("Acct")
        if account is None:
            raise CamtError("Acct has neither Id/IBAN nor Id/Othr/Id", line_of(statement.required("Acct")))
        opening, closing = parts.balances(statement)
        self.open, self.statements = element, self.statements + 1
        self.statement_ref = statement.required_text("Id")
        yield CamtStatement(
            kind=self.kind,
            version=self.version,
            message_id=self.message_id,
            statement_ref=self.statement_ref,
            account=account,
            currency=statement.currency("Acct/Ccy"),
            from_date=statement.timestamp_date("FrToDt/FrDtTm"),
            to_date=statement.timestamp_date("FrToDt/ToDtTm"),
            opening_balance=opening,
            closing_balance=closing,
            created_at=statement.timestamp("CreDtTm") or self.created_at,
        )

    def _entries(self, entry: Paths) -> Iterator[CamtEntry]:
        """One entry per TxDtls of a batch whose TxDtls all carry an amount, else one for the Ntry."""
        amount, currency = parts.amount(entry.required("Amt"))
        reference = entry.text("AcctSvcrRef")
        base = CamtEntry(
            statement_ref=self.statement_ref,
            sequence=0,
            line=line_of(entry.element) or 1,
            direction=parts.direction(entry.required("CdtDbtInd")),
            amount=amount,
            currency=currency,
            status=parts.status(entry),
            booking_date=entry.date_or_datetime("BookgDt"),
            value_date=entry.date_or_datetime("ValDt"),
            end_to_end_id=None,
            reference=None,
            remittance=entry.text("AddtlNtryInf"),
            counterparty_name=None,
            counterparty_account=None,
            bank_reference=reference,
            bank_transaction_code=parts.bank_transaction_code(entry),
        )
        transactions, self.transactions = self.transactions, []
        priced = [(tx, tx.amount) for tx in transactions if tx.amount is not None]
        if len(transactions) > 1 and len(priced) == len(transactions):
            batch = replace(base, remittance=None)  # AddtlNtryInf describes the batch, not each payment
            for number, (tx, (own_amount, own_currency)) in enumerate(priced, 1):
                direction = tx.direction or batch.direction
                own = replace(batch, amount=own_amount, currency=own_currency, direction=direction)
                yield self._detailed(own, tx, tx.bank_reference or (reference and f"{reference}/{number}"))
        elif len(transactions) == 1:
            yield self._detailed(base, transactions[0], transactions[0].bank_reference or reference)
        else:
            self.sequence += 1
            yield replace(base, sequence=self.sequence)

    def _detailed(self, base: CamtEntry, tx: Transaction, bank_reference: str | None) -> CamtEntry:
        """``base`` with what its TxDtls says: ids, remittance, the counterparty, the bank's reference."""
        self.sequence += 1
        name, account = tx.counterparty(base.direction)
        return replace(
            base,
            sequence=self.sequence,
            end_to_end_id=tx.end_to_end_id,
            reference=tx.reference,
            remittance=tx.remittance or base.remittance,
            counterparty_name=name,
            counterparty_account=account,
            bank_reference=bank_reference,
        )
