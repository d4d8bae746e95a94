"""pain.002 customer payment status report: the bank's answer to a pain.001 file.

Spec: ISO 20022 ``pain.002.001.03`` (Danish CGI-MP) and ``pain.002.001.10``; later versions (.11–.15)
keep the same elements and are read the same way, recognised by their namespace. Structure, after
shared/standards/danish-payments.md §4.2::

    CstmrPmtStsRpt/GrpHdr (MsgId, CreDtTm)
      /OrgnlGrpInfAndSts (OrgnlMsgId, OrgnlMsgNmId, GrpSts, StsRsnInf)
      /OrgnlPmtInfAndSts* (OrgnlPmtInfId, PmtInfSts, StsRsnInf,
           TxInfAndSts*: OrgnlInstrId, OrgnlEndToEndId, TxSts, StsRsnInf/Rsn/(Cd|Prtry), StsRsnInf/AddtlInf)

A status left out at one level is given by the level above (:meth:`StatusReport.status_of`): a report
with only ``GrpSts`` RJCT rejects every payment of the original file. ``PART`` (some accepted, some not)
is never passed down: it says nothing about one payment. Statuses are the external codes (ACTC, ACCP,
ACSP, ACSC, ACWC, PART, PDNG, RCVD, RJCT, ...): four capital letters, kept as the bank sent them.

The XML is untrusted and read with :func:`betal.formats.iso20022.xml.parse_bytes`; anything unreadable or
missing raises :class:`Pain002Error` with the line it was found on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from betal.formats.iso20022.xml import XmlError, parse_bytes

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
_VERSION = re.compile(r"pain\.002\.001\.[0-9]{2}")
_STATUS = re.compile(r"[A-Z]{4}")
PARTIAL = "PART"


def _line(element: etree._Element) -> int | None:
    """The element's 1-based line in the file (lxml-stubs leave ``sourceline`` untyped)."""
    line: int | None = getattr(element, "sourceline", None)
    return line


def _value(element: etree._Element) -> str | None:
    """The element's text without surrounding blanks; ``None`` when there is none."""
    return (element.text or "").strip() or None


class Pain002Error(ValueError):
    """A status report betal cannot read; ``line`` is 1-based, or ``None`` when it is not known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class TransactionStatus:
    """One payment's status, found by the ids betal wrote in the pain.001."""

    end_to_end_id: str | None
    instruction_id: str | None
    status: str | None
    reason_code: str | None
    reason_text: str | None


@dataclass(frozen=True)
class PaymentInfoStatus:
    """The status of one original ``PmtInf`` batch and of the transactions the bank listed in it."""

    payment_info_id: str
    status: str | None
    reason_code: str | None
    reason_text: str | None
    transactions: tuple[TransactionStatus, ...]


@dataclass(frozen=True)
class StatusReport:
    version: str
    message_id: str
    created_at: datetime | None
    original_message_id: str
    original_message_type: str
    group_status: str | None
    group_reason_code: str | None
    group_reason_text: str | None
    payments: tuple[PaymentInfoStatus, ...]

    def status_of(self, payment_info_id: str, end_to_end_id: str) -> str | None:
        """One payment's status: its own, else its batch's, else the group's; ``None`` when not known."""
        inherited = None if self.group_status == PARTIAL else self.group_status
        for payment in self.payments:
            if payment.payment_info_id != payment_info_id:
                continue
            for tx in payment.transactions:
                if tx.end_to_end_id == end_to_end_id and tx.status is not None:
                    return tx.status
            if payment.status is not None:
                inherited = None if payment.status == PARTIAL else payment.status
        return inherited


class _Reader:
    """Child lookups in the document's own namespace, with errors that point at the parent's line."""

    def __init__(self, namespace: str) -> None:
        self.prefix = f"{{{namespace}}}"

    def child(self, parent: etree._Element, name: str) -> etree._Element | None:
        return parent.find(self.prefix + name)

    def children(self, parent: etree._Element, name: str) -> list[etree._Element]:
        return parent.findall(self.prefix + name)

    def text(self, parent: etree._Element, path: str) -> str | None:
        element: etree._Element | None = parent
        for name in path.split("/"):
            element = None if element is None else self.child(element, name)
        return None if element is None else _value(element)

    def required(self, parent: etree._Element, path: str) -> str:
        value = self.text(parent, path)
        if value is None:
            raise Pain002Error(f"{etree.QName(parent).localname} has no {path}", _line(parent))
        return value

    def status(self, parent: etree._Element, name: str) -> str | None:
        element = self.child(parent, name)
        value = None if element is None else _value(element)
        if element is not None and value is not None and not _STATUS.fullmatch(value):
            raise Pain002Error(
                f"{name} {value!r} is not a status code (four capital letters)", _line(element)
            )
        return value

    def reason(self, parent: etree._Element) -> tuple[str | None, str | None]:
        """The first reason code (``Cd`` or ``Prtry``) and all additional texts of ``StsRsnInf``."""
        infos = self.children(parent, "StsRsnInf")
        codes = [self.text(i, "Rsn/Cd") or self.text(i, "Rsn/Prtry") for i in infos]
        texts = [t for i in infos for a in self.children(i, "AddtlInf") if (t := _value(a))]
        return next((c for c in codes if c), None), " ".join(texts) or None


def _transaction(r: _Reader, element: etree._Element) -> TransactionStatus:
    code, text = r.reason(element)
    return TransactionStatus(
        end_to_end_id=r.text(element, "OrgnlEndToEndId"),
        instruction_id=r.text(element, "OrgnlInstrId"),
        status=r.status(element, "TxSts"),
        reason_code=code,
        reason_text=text,
    )


def _payment(r: _Reader, element: etree._Element) -> PaymentInfoStatus:
    code, text = r.reason(element)
    return PaymentInfoStatus(
        payment_info_id=r.required(element, "OrgnlPmtInfId"),
        status=r.status(element, "PmtInfSts"),
        reason_code=code,
        reason_text=text,
        transactions=tuple(_transaction(r, tx) for tx in r.children(element, "TxInfAndSts")),
    )


def _version(root: etree._Element) -> str:
    qname = etree.QName(root)
    version = (qname.namespace or "").removeprefix(NAMESPACE_PREFIX)
    if qname.localname != "Document" or not _VERSION.fullmatch(version):
        found = qname.namespace or "no namespace"
        raise Pain002Error(f"not a pain.002 document ({qname.localname} in {found})", _line(root))
    return version


def _created_at(r: _Reader, header: etree._Element) -> datetime | None:
    text = r.text(header, "CreDtTm")
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise Pain002Error(f"CreDtTm {text!r} is not a date and time", _line(header)) from None


def read(data: bytes) -> StatusReport:
    """The status report in ``data``; :class:`Pain002Error` with a line number for anything wrong."""
    try:
        root = parse_bytes(data)
    except XmlError as exc:
        raise Pain002Error(exc.reason, exc.line) from None
    version = _version(root)
    r = _Reader(NAMESPACE_PREFIX + version)
    report = r.child(root, "CstmrPmtStsRpt")
    if report is None:
        raise Pain002Error("Document has no CstmrPmtStsRpt", _line(root))
    header, group = r.child(report, "GrpHdr"), r.child(report, "OrgnlGrpInfAndSts")
    if header is None or group is None:
        raise Pain002Error("CstmrPmtStsRpt needs GrpHdr and OrgnlGrpInfAndSts", _line(report))
    code, text = r.reason(group)
    return StatusReport(
        version=version,
        message_id=r.required(header, "MsgId"),
        created_at=_created_at(r, header),
        original_message_id=r.required(group, "OrgnlMsgId"),
        original_message_type=r.required(group, "OrgnlMsgNmId"),
        group_status=r.status(group, "GrpSts"),
        group_reason_code=code,
        group_reason_text=text,
        payments=tuple(_payment(r, p) for p in r.children(report, "OrgnlPmtInfAndSts")),
    )
