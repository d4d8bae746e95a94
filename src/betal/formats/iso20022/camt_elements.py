"""Decoding the camt.053/054 elements betal reads: amounts, dates, codes, accounts, parties, TxDtls.

Spec: ISO 20022 BankToCustomerStatement / BankToCustomerDebitCreditNotification .001.02 to .001.12; the
element paths are listed in docs/formats/camt.md. Three of them differ between versions and every form is
accepted in every version: the entry status is plain text up to .06 and ``Sts/Cd`` from .07, a party's
name is ``Dbtr/Nm`` up to .06 and ``Dbtr/Pty/Nm`` from .07, and a transaction has its own ``Amt`` from .03
(``AmtDtls/TxAmt/Amt`` in every version). Elements of other namespaces (inside ``SplmtryData``) are never
read. A value that cannot be decoded raises ``xml.XmlError`` with the line of the element holding it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from betal.formats.iso20022.xml import XmlError, line_of

STATUSES = {"BOOK": "booked", "PDNG": "pending", "FUTR": "pending", "INFO": "info"}
DIRECTIONS = {"CRDT": "credit", "DBIT": "debit"}
OPENING_BALANCES = ("OPBD", "PRCD")  # opening booked; previously closed booked (yesterday's closing)
CLOSING_BALANCE = "CLBD"
NOT_PROVIDED = "NOTPROVIDED"  # what a bank writes for an EndToEndId the payer did not give
_AMOUNT = re.compile(r"\d{1,18}(?:\.\d{1,18})?")  # decimals are checked against the currency later
_CURRENCY = re.compile(r"[A-Z]{3}")
_DATE = re.compile(r"(\d{4}-\d\d-\d\d)(?:Z|[+-]\d\d:\d\d)?")  # xs:date, with an optional time zone
_BANK_CODE = ("BkTxCd/Domn/Cd", "BkTxCd/Domn/Fmly/Cd", "BkTxCd/Domn/Fmly/SubFmlyCd")
_SHOWN = 40  # characters of a bad value quoted in an error


@dataclass(frozen=True, slots=True)
class Transaction:
    """What one TxDtls says, kept (instead of its elements) until its Ntry has been read."""

    amount: tuple[Decimal, str] | None  # TxDtls/Amt, else AmtDtls/TxAmt/Amt
    direction: str | None  # TxDtls/CdtDbtInd (.03 on)
    end_to_end_id: str | None
    bank_reference: str | None  # Refs/AcctSvcrRef
    reference: str | None  # RmtInf/Strd/CdtrRefInf/Ref
    remittance: str | None  # RmtInf/Ustrd lines joined by " "
    debtor: tuple[str | None, str | None]  # RltdPties/Dbtr name, DbtrAcct
    creditor: tuple[str | None, str | None]  # RltdPties/Cdtr name, CdtrAcct

    def counterparty(self, direction: str) -> tuple[str | None, str | None]:
        """The other side: who paid us on a credit, whom we paid on a debit."""
        return self.debtor if direction == "credit" else self.creditor


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


def _text(element: etree._Element | None) -> str | None:
    return None if element is None else (element.text or "").strip() or None


def wanted(*paths: str) -> frozenset[str]:
    """``paths`` and every path above them: what ``Paths`` looks at in an element."""
    steps = [path.split("/") for path in paths]
    return frozenset("/".join(parts[:end]) for parts in steps for end in range(1, len(parts) + 1))


HEADER = wanted("MsgId", "CreDtTm")
STATEMENT = wanted("Id", "CreDtTm", "FrToDt/FrDtTm", "FrToDt/ToDtTm", "Acct/Id/IBAN", "Acct/Id/Othr/Id",
                   "Acct/Ccy", "Bal")  # fmt: skip
BALANCE = wanted("Tp/CdOrPrtry/Cd", "Amt", "CdtDbtInd")
ENTRY = wanted("Amt", "CdtDbtInd", "Sts/Cd", "Sts/Prtry", "BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt",
               "ValDt/DtTm", "AcctSvcrRef", "AddtlNtryInf", *_BANK_CODE, "BkTxCd/Prtry/Cd")  # fmt: skip
DETAILS = wanted(
    "Amt", "AmtDtls/TxAmt/Amt", "CdtDbtInd", "Refs/EndToEndId", "Refs/AcctSvcrRef",
    "RmtInf/Strd/CdtrRefInf/Ref", "RmtInf/Ustrd", *(f"RltdPties/{party}/{name}" for party in ("Dbtr", "Cdtr")
    for name in ("Nm", "Pty/Nm")), *(f"RltdPties/{account}/Id/{id_}" for account in ("DbtrAcct", "CdtrAcct")
    for id_ in ("IBAN", "Othr/Id")),
)  # fmt: skip


class Paths:
    """The ``wanted`` descendants of an element by their path below it (``"Refs/EndToEndId"``, the first
    of each), found in one walk that enters only the wanted subtrees: much faster than a ``find`` per field.
    """

    def __init__(self, element: etree._Element, namespace: str, paths: frozenset[str]) -> None:
        self.element = element
        self.namespace = namespace
        self._prefix = f"{{{namespace}}}"
        self._wanted = paths
        self._found: dict[str, etree._Element] = {}
        self._index(element, "")

    def _index(self, element: etree._Element, above: str) -> None:
        for child in element:
            tag = child.tag
            if isinstance(tag, str) and tag.startswith(self._prefix):  # not a comment, not foreign
                path = above + tag[len(self._prefix) :]
                if path in self._wanted:
                    self._found.setdefault(path, child)
                    if len(child):  # a later sibling may hold what the first lacks (Strd, say)
                        self._index(child, path + "/")

    def get(self, path: str) -> etree._Element | None:
        return self._found.get(path)

    def text(self, path: str) -> str | None:
        """The stripped text at ``path``; ``None`` when the element is absent or empty."""
        return _text(self._found.get(path))

    def required(self, path: str) -> etree._Element:
        found = self._found.get(path)
        if found is None:
            raise XmlError(f"{etree.QName(self.element).localname} has no {path}", line_of(self.element))
        return found

    def required_text(self, path: str) -> str:
        found = self.required(path)
        text = _text(found)
        if text is None:
            raise XmlError(f"{etree.QName(self.element).localname} has an empty {path}", line_of(found))
        return text

    def children(self, path: str, name: str) -> list[etree._Element]:
        """Every ``name`` directly below ``path`` (the repeatable elements: ``Ustrd``, ``Bal``)."""
        parent = self.element if path == "." else self._found.get(path)
        return [] if parent is None else list(parent.iterchildren(self._prefix + name))

    def currency(self, path: str) -> str | None:
        """An optional ``Ccy`` element: an ISO 4217 code, or ``None`` when absent."""
        code = self.text(path)
        if code is not None and not _CURRENCY.fullmatch(code):
            raise XmlError(f"currency {_shown(code)} is not an ISO 4217 code", line_of(self.required(path)))
        return code

    def timestamp(self, path: str) -> datetime | None:
        found = self._found.get(path)
        return None if found is None else _datetime(found)

    def timestamp_date(self, path: str) -> date | None:
        """The date part of the date and time at ``path`` (a statement's period: ``FrToDt/FrDtTm``)."""
        moment = self.timestamp(path)
        return None if moment is None else moment.date()

    def date_or_datetime(self, path: str) -> date | None:
        """A ``DateAndDateTime`` choice at ``path``: its ``Dt``, or the date part of its ``DtTm``."""
        holder = self._found.get(path)
        if holder is None:
            return None
        day, moment = self._found.get(f"{path}/Dt"), self._found.get(f"{path}/DtTm")
        if day is not None:
            return _date(day)
        if moment is None:
            raise XmlError(f"{path} has neither Dt nor DtTm", line_of(holder))
        return _datetime(moment).date()

    def account(self, path: str) -> str | None:
        """An account at ``path``: ``Id/IBAN``, else ``Id/Othr/Id`` (a Danish reg. and account number)."""
        return self.text(f"{path}/Id/IBAN") or self.text(f"{path}/Id/Othr/Id")

    def party_name(self, path: str) -> str | None:
        """A party's ``Nm`` (.02 to .06) or ``Pty/Nm`` (.07 on)."""
        return self.text(f"{path}/Nm") or self.text(f"{path}/Pty/Nm")

    def remittance(self) -> str | None:
        """The ``RmtInf/Ustrd`` lines joined by a space."""
        lines = (_text(line) for line in self.children("RmtInf", "Ustrd"))
        return " ".join(line for line in lines if line) or None


def amount(element: etree._Element) -> tuple[Decimal, str]:
    """An ``...Amount`` element: the positive decimal as written, and its ``Ccy``."""
    text = (element.text or "").strip()
    if not _AMOUNT.fullmatch(text):
        raise XmlError(f"amount {_shown(text)} is not a decimal number", line_of(element))
    currency = element.get("Ccy", "")
    if not _CURRENCY.fullmatch(currency):
        raise XmlError(f"currency {_shown(currency)} is not an ISO 4217 code", line_of(element))
    return Decimal(text), currency


def coded(element: etree._Element, codes: dict[str, str], what: str) -> str:
    """``codes`` of the element's text; an unknown code is an error."""
    value = _text(element) or ""
    if value not in codes:
        raise XmlError(f"unknown {what} {_shown(value)}", line_of(element))
    return codes[value]


def direction(element: etree._Element) -> str:
    return coded(element, DIRECTIONS, "credit/debit indicator")


def status(entry: Paths) -> str:
    """``Sts`` as plain text (.02 to .06) or ``Sts/Cd`` / ``Sts/Prtry`` (.07 on)."""
    holder = entry.required("Sts")
    choice = [code for code in (entry.get("Sts/Cd"), entry.get("Sts/Prtry")) if code is not None]
    return coded(choice[0] if choice else holder, STATUSES, "entry status")


def bank_transaction_code(entry: Paths) -> str | None:
    """ISO ``Domn-Fmly-SubFmly`` (e.g. ``PMNT-RCDT-DMCT``), else the bank's ``Prtry/Cd``."""
    codes = [code for code in (entry.text(path) for path in _BANK_CODE) if code]
    return "-".join(codes) if codes else entry.text("BkTxCd/Prtry/Cd")


def transaction(details: Paths) -> Transaction:
    own_amount = details.get("Amt")
    if own_amount is None:
        own_amount = details.get("AmtDtls/TxAmt/Amt")
    indicator = details.get("CdtDbtInd")
    end_to_end_id = details.text("Refs/EndToEndId")
    return Transaction(
        amount=None if own_amount is None else amount(own_amount),
        direction=None if indicator is None else direction(indicator),
        end_to_end_id=None if end_to_end_id == NOT_PROVIDED else end_to_end_id,
        bank_reference=details.text("Refs/AcctSvcrRef"),
        reference=details.text("RmtInf/Strd/CdtrRefInf/Ref"),
        remittance=details.remittance(),
        debtor=(details.party_name("RltdPties/Dbtr"), details.account("RltdPties/DbtrAcct")),
        creditor=(details.party_name("RltdPties/Cdtr"), details.account("RltdPties/CdtrAcct")),
    )


def balances(statement: Paths) -> tuple[Decimal | None, Decimal | None]:
    """Opening (``OPBD``, else ``PRCD``) and closing (``CLBD``) balance, negative when ``DBIT``."""
    found: dict[str, Decimal] = {}
    for element in statement.children(".", "Bal"):
        balance = Paths(element, statement.namespace, BALANCE)
        code = balance.text("Tp/CdOrPrtry/Cd") or ""
        if code in (*OPENING_BALANCES, CLOSING_BALANCE) and code not in found:
            value, _ = amount(balance.required("Amt"))
            found[code] = -value if direction(balance.required("CdtDbtInd")) == "debit" else value
    opening = found.get(OPENING_BALANCES[0], found.get(OPENING_BALANCES[1]))
    return opening, found.get(CLOSING_BALANCE)


def _date(element: etree._Element) -> date:
    text = _text(element) or ""
    match = _DATE.fullmatch(text)
    try:
        return date.fromisoformat(match[1] if match else "")
    except ValueError:
        raise XmlError(f"{_shown(text)} is not a valid date", line_of(element)) from None


def _datetime(element: etree._Element) -> datetime:
    text = _text(element) or ""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise XmlError(f"{_shown(text)} is not a valid date and time", line_of(element)) from None
