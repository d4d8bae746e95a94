"""camt.053 / camt.054 writer: one statement (or notification) and its entries, streamed to a file.

Spec: as ``camt``, whose reader reads back everything written here. The sandbox bank, tests and benchmarks
use it; entries are written as they come from the iterable (lxml's ``xmlfile``), so 100,000 of them need
no more memory than ten. Each ``CamtEntry`` becomes one ``Ntry`` with at most one ``TxDtls``. The version
(.001.02 to .001.12) decides the three structural differences: ``Sts`` text or ``Sts/Cd`` (from .07),
``Dbtr/Nm`` or ``Dbtr/Pty/Nm`` (from .07), ``TxDtls/Amt`` or ``TxDtls/AmtDtls/TxAmt/Amt`` (before .03).
Values the schema would refuse (too long, negative amounts, missing balances) raise ``ValueError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import BinaryIO

from lxml import etree

from betal.formats.iso20022.camt import MESSAGES, SUPPORTED_VERSIONS, CamtEntry, CamtStatement

VERSION = re.compile(r"(camt\.05[34])\.001\.(\d\d)")
STATUS_CODES = {"booked": "BOOK", "pending": "PDNG", "info": "INFO"}
INDICATORS = {"credit": "CRDT", "debit": "DBIT"}
_CURRENCY = re.compile(r"[A-Z]{3}")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}")
_ISO_BANK_CODE = re.compile(r"[A-Z0-9]{1,4}-[A-Z0-9]{1,4}-[A-Z0-9]{1,4}")  # Domn-Fmly-SubFmly
_LINE = 140  # Max140Text: one Ustrd line, a name
_ID = 35  # Max35Text: message and statement ids, references
STATUS_CHOICE_FROM, PARTY_CHOICE_FROM, TRANSACTION_AMOUNT_FROM = 7, 7, 3  # first versions with each form


def write_statement(
    out: BinaryIO, statement: CamtStatement, entries: Iterable[CamtEntry], *, version: str = "camt.053.001.08"
) -> None:
    """Write ``statement`` and ``entries`` as a ``version`` document; ``version`` (not ``statement.kind``)
    decides the message. ``ValueError`` for an unknown version or a value the schema would refuse.
    """
    kind, number = _version(version)
    namespace = f"urn:iso:std:iso:20022:tech:xsd:{version}"
    message, statement_element = MESSAGES[kind]
    header = [_group_header(statement), *_statement_header(statement, kind)]  # checked before writing
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{namespace}}}Document", nsmap={None: namespace}):
            xf.write("\n")
            with xf.element(f"{{{namespace}}}{message}"):
                xf.write("\n")
                xf.write(header[0], pretty_print=True)
                with xf.element(f"{{{namespace}}}{statement_element}"):
                    xf.write("\n")
                    for element in header[1:]:
                        xf.write(element, pretty_print=True)
                    for entry in entries:
                        # Elements are built without a namespace: serialised inside the Document's
                        # default namespace, they belong to it, with no declaration repeated on each.
                        xf.write(_entry(entry, number), pretty_print=True)
                xf.write("\n")
            xf.write("\n")


def _version(version: str) -> tuple[str, int]:
    match = VERSION.fullmatch(version)
    if not match or int(match[2]) not in SUPPORTED_VERSIONS:
        raise ValueError(f"cannot write {version!r}: camt.053 or camt.054, .001.02 to .001.12")
    return match[1], int(match[2])


def _filled(element: etree._Element, text: str | None, limit: int | None) -> etree._Element:
    """``element`` holding ``text`` (1 to ``limit`` characters) when given."""
    if text is not None:
        if not text or (limit is not None and len(text) > limit):
            raise ValueError(
                f"{element.tag} must have 1 to {limit or 'any number of'} characters: {text[:40]!r}"
            )
        element.text = text
    return element


def _leaf(name: str, text: str | None = None, limit: int | None = None) -> etree._Element:
    return _filled(etree.Element(name), text, limit)


def _sub(
    parent: etree._Element, name: str, text: str | None = None, limit: int | None = None
) -> etree._Element:
    return _filled(etree.SubElement(parent, name), text, limit)


def _path(
    parent: etree._Element, path: str, text: str | None = None, limit: int | None = None
) -> etree._Element:
    """``"A/B/C"``: nested children of ``parent``, the last one (returned) holding ``text``."""
    *above, last = path.split("/")
    for name in above:
        parent = _sub(parent, name)
    return _sub(parent, last, text, limit)


def _currency(code: str) -> str:
    if not _CURRENCY.fullmatch(code):
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


def _amount(parent: etree._Element, amount: Decimal, currency: str) -> None:
    """``Amt`` with ``Ccy``: written with as many decimals as the ``Decimal`` has."""
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"an amount must be a positive number, not {amount}")
    _sub(parent, "Amt", format(amount, "f")).set("Ccy", _currency(currency))


def _created(statement: CamtStatement) -> datetime:
    if statement.created_at is None:
        raise ValueError("created_at is required to write a statement")
    return statement.created_at


def _group_header(statement: CamtStatement) -> etree._Element:
    header = _leaf("GrpHdr")
    _sub(header, "MsgId", statement.message_id, _ID)
    _sub(header, "CreDtTm", _created(statement).isoformat())
    return header


def _statement_header(statement: CamtStatement, kind: str) -> list[etree._Element]:
    """``Id``, ``CreDtTm``, ``FrToDt``, ``Acct`` and (camt.053 only) the ``Bal`` elements, in order."""
    elements = [_leaf("Id", statement.statement_ref, _ID), _leaf("CreDtTm", _created(statement).isoformat())]
    if (statement.from_date is None) != (statement.to_date is None):
        raise ValueError("from_date and to_date go together")
    if statement.from_date is not None and statement.to_date is not None:
        period = _leaf("FrToDt")
        _sub(period, "FrDtTm", datetime.combine(statement.from_date, time.min).isoformat())
        _sub(period, "ToDtTm", datetime.combine(statement.to_date, time(23, 59, 59)).isoformat())
        elements.append(period)
    account = _leaf("Acct")
    _account(account, statement.account)
    if statement.currency is not None:
        _sub(account, "Ccy", _currency(statement.currency))
    elements.append(account)
    return elements + _balances(statement, kind)


def _balances(statement: CamtStatement, kind: str) -> list[etree._Element]:
    given = [
        (code, amount, day)
        for code, amount, day in (
            ("OPBD", statement.opening_balance, statement.from_date),
            ("CLBD", statement.closing_balance, statement.to_date),
        )
        if amount is not None
    ]
    if kind == "camt.054" and given:
        raise ValueError("a camt.054 notification has no balances")
    if kind == "camt.053" and not given:
        raise ValueError("a camt.053 statement needs an opening or a closing balance")
    if given and statement.currency is None:
        raise ValueError("balances need the account currency")
    created = _created(statement).date()
    return [_balance(code, amount, statement.currency or "", day or created) for code, amount, day in given]


def _balance(code: str, amount: Decimal, currency: str, day: date) -> etree._Element:
    """A ``Bal`` of type ``code``: the amount without its sign, the sign as ``CdtDbtInd``."""
    balance = _leaf("Bal")
    _path(balance, "Tp/CdOrPrtry/Cd", code)
    _amount(balance, abs(amount), currency)
    _sub(balance, "CdtDbtInd", "DBIT" if amount.is_signed() else "CRDT")
    _path(balance, "Dt/Dt", day.isoformat())
    return balance


def _account(parent: etree._Element, account: str) -> None:
    """``Id/IBAN`` for an IBAN, else ``Id/Othr/Id`` (a Danish reg. and account number)."""
    identification = _sub(parent, "Id")
    if _IBAN.fullmatch(account):
        _sub(identification, "IBAN", account)
    else:
        _path(identification, "Othr/Id", account, 34)


def _entry(entry: CamtEntry, version: int) -> etree._Element:
    ntry = _leaf("Ntry")
    _amount(ntry, entry.amount, entry.currency)
    _sub(ntry, "CdtDbtInd", _coded(INDICATORS, entry.direction, "direction"))
    status = _coded(STATUS_CODES, entry.status, "status")
    _path(ntry, "Sts/Cd" if version >= STATUS_CHOICE_FROM else "Sts", status)
    for name, day in (("BookgDt", entry.booking_date), ("ValDt", entry.value_date)):
        if day is not None:
            _path(ntry, f"{name}/Dt", day.isoformat())
    if entry.bank_reference is not None:
        _sub(ntry, "AcctSvcrRef", entry.bank_reference, _ID)
    _bank_transaction_code(_sub(ntry, "BkTxCd"), entry.bank_transaction_code)
    details = (entry.end_to_end_id, entry.counterparty_name, entry.counterparty_account, entry.remittance)
    if any(value is not None for value in (*details, entry.reference)):
        _details(_path(ntry, "NtryDtls/TxDtls"), entry, version)
    return ntry


def _coded(codes: dict[str, str], value: str, what: str) -> str:
    if value not in codes:
        raise ValueError(f"unknown {what} {value!r}: one of {', '.join(codes)}")
    return codes[value]


def _bank_transaction_code(parent: etree._Element, code: str | None) -> None:
    """ISO ``Domn-Fmly-SubFmly`` codes as ``Domn``; anything else as the bank's ``Prtry/Cd``."""
    if code is None:
        return
    if _ISO_BANK_CODE.fullmatch(code):
        domain, family, sub_family = code.split("-")
        domain_element = _sub(parent, "Domn")
        _sub(domain_element, "Cd", domain)
        family_element = _sub(domain_element, "Fmly")
        _sub(family_element, "Cd", family)
        _sub(family_element, "SubFmlyCd", sub_family)
    else:
        _path(parent, "Prtry/Cd", code, _ID)


def _details(tx: etree._Element, entry: CamtEntry, version: int) -> None:
    """The one ``TxDtls``: references, amount, the counterparty, remittance, in schema order."""
    if entry.end_to_end_id is not None:
        _path(tx, "Refs/EndToEndId", entry.end_to_end_id, _ID)
    if version >= TRANSACTION_AMOUNT_FROM:
        _amount(tx, entry.amount, entry.currency)
        _sub(tx, "CdtDbtInd", INDICATORS[entry.direction])
    else:
        _amount(_path(tx, "AmtDtls/TxAmt"), entry.amount, entry.currency)
    if entry.counterparty_name is not None or entry.counterparty_account is not None:
        _parties(_sub(tx, "RltdPties"), entry, version)
    if entry.remittance is not None or entry.reference is not None:
        remittance = _sub(tx, "RmtInf")
        for line in _lines(entry.remittance or ""):
            _sub(remittance, "Ustrd", line, _LINE)
        if entry.reference is not None:
            reference = _path(remittance, "Strd/CdtrRefInf")
            _path(reference, "Tp/CdOrPrtry/Cd", "SCOR")
            _sub(reference, "Ref", entry.reference, _ID)


def _parties(parties: etree._Element, entry: CamtEntry, version: int) -> None:
    """The payer (``Dbtr``) of a credit or the payee (``Cdtr``) of a debit, and their account."""
    role = "Dbtr" if entry.direction == "credit" else "Cdtr"
    if entry.counterparty_name is not None:
        name_path = f"{role}/Pty/Nm" if version >= PARTY_CHOICE_FROM else f"{role}/Nm"
        _path(parties, name_path, entry.counterparty_name, _LINE)
    if entry.counterparty_account is not None:
        _account(_sub(parties, f"{role}Acct"), entry.counterparty_account)


def _lines(text: str) -> list[str]:
    """``text`` in ``Ustrd`` lines of at most 140 characters, broken between words (the reader joins
    the lines with a space, so a text with single spaces reads back unchanged).
    """
    lines: list[str] = []
    for word in text.split():
        while len(word) > _LINE:
            lines.append(word[:_LINE])
            word = word[_LINE:]
        if lines and len(lines[-1]) + 1 + len(word) <= _LINE:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
