"""``cac:PaymentMeans`` of a UBL invoice: FI-kort, giro, Danish account or IBAN, checked as the DK rules say.

Spec: shared/standards/danish-payments.md §5.1 (Peppol BIS 3 DK-R-005..011), §5.2 (OIOUBL 2.1 payment
channels), §1 (FI-kort kortart, payment-id lengths and Luhn check digits, via ``formats.fi_line``) and §2
(reg.no. 4 digits, account at most 10 digits, IBAN ISO 7064 mod 97-10 via python-stdnum).

The two profiles write FI-kort differently, and both are read here:

- Peppol: ``PaymentMeansCode`` 93, ``PaymentID`` ``71#<payment id>``, creditor number in
  ``PayeeFinancialAccount/ID``; giro is code 50 with ``04#<payment id>`` and the giro account.
- OIOUBL: code 93, channel ``DK:FIK``, ``PaymentID`` the kortart alone (``71``), ``InstructionID`` the
  payment id and ``CreditAccount/AccountID`` the creditor number; giro is code 50, channel ``DK:GIRO``.

Account transfers (codes 30, 31, 42, 58) are an IBAN when ``PayeeFinancialAccount/ID`` starts with two
letters (the BIC in ``FinancialInstitutionBranch/ID``, or ``.../FinancialInstitution/ID`` in OIOUBL),
otherwise a Danish account with the reg.no. in ``FinancialInstitutionBranch/ID``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

from betal.formats.fi_line import FiLineError, FiPaymentLine
from betal.formats.ubl.model import PaymentMeans
from betal.formats.ubl.tree import Doc, Element, find, find_all, text

DK_CODES = ("1", "10", "31", "42", "48", "49", "50", "58", "59", "93", "97")  # DK-R-005
FIK = "93"  # FI-kort (FIK): kortart 71, 73, 75
GIRO = "50"  # girokort (GIK): kortart 01, 04, 15
SEPA = "58"
ACCOUNT_CODES = frozenset({"30", "31", "42", SEPA})
CARD_TYPES = {FIK: ("71", "73", "75"), GIRO: ("01", "04", "15")}  # DK-R-008, DK-R-010
NO_ID_CARD_TYPES = frozenset({"73", "01"})  # the payer writes a message instead of a payment id

_IBAN_START = re.compile(r"[A-Za-z]{2}[0-9]{2}")
_REG_NO = re.compile(r"[0-9]{4}")
_ACCOUNT_NO = re.compile(r"[0-9]{1,10}")


class _Invalid(ValueError):
    """A payment means that cannot be paid to; ``node`` is the element at fault."""

    def __init__(self, reason: str, node: Element | None) -> None:
        super().__init__(reason)
        self.node = node


def read_payment_means(doc: Doc, root: Element, *, danish: bool) -> tuple[PaymentMeans, ...]:
    """Every usable ``cac:PaymentMeans``; problems in ``doc`` for missing or invalid ones."""
    nodes = find_all(root, "cac:PaymentMeans")
    if not nodes:
        doc.add(
            root, "no_payment_means", "PaymentMeans", "no payment means: the document does not say how to pay"
        )
    found = []
    for number, node in enumerate(nodes, start=1):
        field = f"PaymentMeans[{number}]"
        try:
            found.append(_one(doc, node, field, danish=danish))
        except _Invalid as exc:
            doc.add(_at(exc.node, node), "invalid_payment_means", field, f"{field}: {exc}")
    return tuple(found)


def _one(doc: Doc, node: Element, field: str, *, danish: bool) -> PaymentMeans:
    code = text(node, "cbc:PaymentMeansCode")
    if code is None:
        raise _Invalid("PaymentMeansCode is missing", node)
    if danish and code not in DK_CODES:
        raise _Invalid(
            f"PaymentMeansCode {code} is not allowed for a Danish supplier (DK-R-005: {', '.join(DK_CODES)})",
            find(node, "cbc:PaymentMeansCode"),
        )
    means = PaymentMeans(
        code=code,
        kind="other",
        channel=text(node, "cbc:PaymentChannelCode"),
        due_date=doc.date(node, "cbc:PaymentDueDate", f"{field}/PaymentDueDate"),
        payment_id=text(node, "cbc:PaymentID"),
    )
    if code in CARD_TYPES:
        return _fi_card(node, means)
    if code in ACCOUNT_CODES:
        return _account(node, means, danish=danish)
    return means


def _fi_card(node: Element, means: PaymentMeans) -> PaymentMeans:
    """FI-kort or giro: kortart, payment id and account, checked by ``fi_line`` (length, Luhn digit)."""
    raw = means.payment_id or ""
    card_type, hash_sign, rest = raw.partition("#")  # Peppol "71#<id>"; OIOUBL "71" + InstructionID
    id_node = find(node, "cbc:PaymentID") if hash_sign else find(node, "cbc:InstructionID")
    allowed = CARD_TYPES[means.code]
    if card_type not in allowed:
        raise _Invalid(
            f"PaymentID {raw!r} must give the kortart {', '.join(allowed)} for PaymentMeansCode {means.code}"
            " (DK-R-008, DK-R-010)",
            find(node, "cbc:PaymentID"),
        )
    payment_id = "".join((rest if hash_sign else text(id_node) or "").split())
    account_node = find(node, "cac:PayeeFinancialAccount/cbc:ID")
    if text(account_node) is None:
        account_node = find(node, "cac:CreditAccount/cbc:AccountID")
    try:
        line = FiPaymentLine(
            card_type,
            None if card_type in NO_ID_CARD_TYPES else payment_id or None,
            "".join((text(account_node) or "").split()),
        )
    except FiLineError as exc:
        at = _at(account_node if exc.field == "account" else id_node, node)
        raise _Invalid(f"{exc.message}: {exc.value!r}" if exc.value else exc.message, at) from None
    return replace(
        means,
        kind="fi_card",
        fi_card_type=line.card_type,
        fi_payment_id=line.payment_id,
        fi_creditor_number=line.account,
    )


def _account(node: Element, means: PaymentMeans, *, danish: bool) -> PaymentMeans:
    """An IBAN (with BIC) or a Danish reg.no. + account; other countries' accounts are kept as written."""
    account_node = find(node, "cac:PayeeFinancialAccount")
    account = text(account_node, "cbc:ID")
    if account_node is None or account is None:
        raise _Invalid("PayeeFinancialAccount/ID, the account to pay to, is missing (DK-R-006)", node)
    compact = "".join(account.split())
    branch = text(account_node, "cac:FinancialInstitutionBranch/cbc:ID")
    if _IBAN_START.match(compact):
        return replace(means, kind="iban", iban=_iban(account, account_node), bic=_bic(account_node, branch))
    if means.code == SEPA:
        raise _Invalid(f"PaymentMeansCode 58 (SEPA) needs an IBAN, not {account!r}", account_node)
    if not danish:
        return replace(means, reg_no=branch, account_no=compact)
    if branch is None:
        raise _Invalid("FinancialInstitutionBranch/ID, the reg.no., is missing (DK-R-006)", account_node)
    if not _REG_NO.fullmatch(branch):
        raise _Invalid(f"reg.no. {branch!r} is not 4 digits", account_node)
    if not _ACCOUNT_NO.fullmatch(compact):
        raise _Invalid(f"account number {account!r} is not 1 to 10 digits (OIOUBL-BIL-038)", account_node)
    return replace(means, kind="domestic", reg_no=branch, account_no=compact)


def _at(el: Element | None, fallback: Element) -> Element:
    """``el``, or ``fallback`` when absent (lxml elements without children are falsy, so no ``or``)."""
    return fallback if el is None else el


def _iban(raw: str, node: Element) -> str:
    try:
        return str(stdnum_iban.validate(raw))
    except ValidationError as exc:
        raise _Invalid(f"IBAN {raw!r} is invalid: {_lower(str(exc))}", node) from None


def _bic(account_node: Element, branch: str | None) -> str | None:
    """The BIC: Peppol puts it in the branch ID, OIOUBL in the institution ID; a reg.no. there is no BIC."""
    raw = text(account_node, "cac:FinancialInstitutionBranch/cac:FinancialInstitution/cbc:ID")
    if raw is None and branch is not None and not _REG_NO.fullmatch(branch):
        raw = branch
    if raw is None:
        return None
    try:
        return str(stdnum_bic.validate(raw))
    except ValidationError as exc:
        raise _Invalid(f"BIC {raw!r} is invalid: {_lower(str(exc))}", account_node) from None


def _lower(message: str) -> str:
    """python-stdnum's "The number has an invalid length." as a clause: "the number has an invalid length"."""
    return message[:1].lower() + message[1:].rstrip(".")
