"""pain.001 customer credit transfer initiation: the file betal hands a bank to pay suppliers.

Spec: ISO 20022 ``pain.001.001.09`` and ``pain.001.001.03`` (the version Danish banks document in their
CGI-MP guides); Danish conventions from shared/standards/danish-payments.md §4.1 (after the Danish CGI MIG
appendix and Uniconta's ``CdtrAcct.cs`` / ``RmtInf.cs``). How each kind of transfer is written:

============== ============================================= ==========================================
kind           creditor account (``CdtrAcct/Id``)            also
============== ============================================= ==========================================
domestic       ``Othr/Id`` reg(4)+account(10), ``Cd`` BBAN   DKK; ``LclInstrm`` (ONCL/SDCL); agent DKNCS
sepa           ``IBAN``                                      EUR; ``SvcLvl`` SEPA; ``ChrgBr`` SLEV
international  ``IBAN`` or ``Othr/Id``                       BIC and country required; ``ChrgBr`` SHAR
fi_card        ``Othr/Id`` creditor no., ``Prtry`` OCR       DKK; ``Strd/CdtrRefInf`` SCOR "71/<id>"
============== ============================================= ==========================================

Every batch gets ``CtgyPurp`` SUPP. A batch of one kind carries ``PmtTpInf`` once; a mixed batch
carries it on each transaction. Names and texts go through :mod:`.charset` (Danish letters kept on
domestic and FI-kort payments). Version differences: .09 writes ``ReqdExctnDt/Dt`` and ``BICFI``, .03
writes ``ReqdExctnDt`` and ``BIC``. The tree is built with lxml directly (no templates), in one pass.

Pure: imports nothing from betal outside ``formats``; bad input raises :class:`Pain001Error`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Final, Literal

from lxml import etree

from betal.formats.iso20022 import pain001_rules as rules
from betal.formats.iso20022.charset import clean
from betal.formats.iso20022.pain001_rules import Kind, Pain001Error

__all__ = ["V03", "V09", "Kind", "Pain001Error", "PaymentBatch", "Transfer", "write"]

V09: Final = "pain.001.001.09"
V03: Final = "pain.001.001.03"
Version = Literal["pain.001.001.09", "pain.001.001.03"]

_DEFAULT_BEARER = {"sepa": "SLEV", "international": "SHAR"}
_NOT_PROVIDED = "NOTPROVIDED"  # DbtrAgt/FinInstnId/Othr/Id when the debtor's BIC is not given (CGI-MP)


@dataclass(frozen=True)
class Transfer:
    """One payment to one creditor. Which fields a kind needs is in the module docstring and ``rules``.

    ``amount`` is in major units (``Decimal("1234.50")``): the caller converts from minor units with
    its currency's exponent. ``fi_payment_id`` may be given without its leading zeros.
    """

    end_to_end_id: str
    instruction_id: str
    amount: Decimal
    currency: str
    kind: Kind
    creditor_name: str
    creditor_iban: str | None = None
    creditor_bic: str | None = None
    creditor_reg_no: str | None = None
    creditor_account_no: str | None = None
    creditor_country: str | None = None
    creditor_address_lines: tuple[str, ...] = ()
    fi_card_type: str | None = None
    fi_creditor_number: str | None = None
    fi_payment_id: str | None = None
    remittance: str | None = None
    charge_bearer: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "creditor_address_lines", tuple(self.creditor_address_lines))
        rules.check_transfer(self)

    @property
    def danish(self) -> bool:
        return self.kind in rules.DANISH_KINDS


@dataclass(frozen=True)
class PaymentBatch:
    """One ``PmtInf``: transfers from one debtor account on one requested execution date.

    ``local_instrument`` goes on domestic transfers: ``ONCL`` (standard) or ``SDCL`` (same day) for
    Danske Bank and Handelsbanken; ``None`` leaves it out, as Nordea wants.
    """

    payment_info_id: str
    execution_date: date
    debtor_name: str
    debtor_iban: str
    transfers: tuple[Transfer, ...]
    debtor_bic: str | None = None
    local_instrument: str | None = "ONCL"
    control_sum: Decimal = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "transfers", tuple(self.transfers))
        rules.check_batch(self)
        object.__setattr__(self, "control_sum", sum((t.amount for t in self.transfers), Decimal(0)))


class _Tags(dict[str, str]):
    """Qualified tag names (``{namespace}Nm``), each made once per message instead of once per element."""

    def __init__(self, namespace: str) -> None:
        super().__init__()
        self.namespace = namespace

    def __missing__(self, name: str) -> str:
        tag = self[name] = f"{{{self.namespace}}}{name}"
        return tag


class _Builder:
    """Elements in the message's namespace, with the version's differences in one place."""

    def __init__(self, version: Version) -> None:
        self.namespace = f"urn:iso:std:iso:20022:tech:xsd:{version}"
        self.bic = "BICFI" if version == V09 else "BIC"
        self.dated = version == V09
        self._tags = _Tags(self.namespace)

    def root(self) -> etree._Element:
        return etree.Element(self._tags["Document"], nsmap={None: self.namespace})  # type: ignore[dict-item]

    def el(self, parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, self._tags[name])
        if text is not None:
            element.text = text
        return element

    def path(self, parent: etree._Element, names: str, text: str | None = None) -> etree._Element:
        """``path(tx, "CdtrAcct/Id/IBAN", iban)``: a chain of new elements, the last one holding ``text``."""
        *outer, last = names.split("/")
        for name in outer:
            parent = self.el(parent, name)
        return self.el(parent, last, text)


def _decimal(value: Decimal) -> str:
    return format(value, "f")


def _payment_type(b: _Builder, parent: etree._Element, kind: Kind, local_instrument: str | None) -> None:
    info = b.el(parent, "PmtTpInf")
    if kind == "sepa":
        b.path(info, "SvcLvl/Cd", "SEPA")
    if kind == "domestic" and local_instrument:
        b.path(info, "LclInstrm/Cd", local_instrument)
    b.path(info, "CtgyPurp/Cd", "SUPP")


def _creditor_agent(b: _Builder, tx: etree._Element, t: Transfer) -> None:
    if t.creditor_bic is None and t.kind != "domestic":
        return
    institution = b.path(tx, "CdtrAgt/FinInstnId")
    if t.creditor_bic is not None:
        b.el(institution, b.bic, t.creditor_bic)
    if t.kind == "domestic":
        member = b.el(institution, "ClrSysMmbId")
        b.path(member, "ClrSysId/Cd", "DKNCS")  # Danish national clearing: the member id is the reg.no.
        b.el(member, "MmbId", t.creditor_reg_no)


def _creditor(b: _Builder, tx: etree._Element, t: Transfer) -> None:
    creditor = b.el(tx, "Cdtr")
    b.el(creditor, "Nm", clean(t.creditor_name, rules.name_limit(t.kind), danish=t.danish))
    lines = [line for line in (clean(a, 70, danish=t.danish) for a in t.creditor_address_lines) if line]
    if t.creditor_country is None and not lines:
        return
    address = b.el(creditor, "PstlAdr")
    if t.creditor_country is not None:
        b.el(address, "Ctry", t.creditor_country)
    for line in lines:
        b.el(address, "AdrLine", line)


def _creditor_account(b: _Builder, tx: etree._Element, t: Transfer) -> None:
    account = b.path(tx, "CdtrAcct/Id")
    if t.kind == "fi_card":
        other = b.el(account, "Othr")
        b.el(other, "Id", t.fi_creditor_number)
        b.path(other, "SchmeNm/Prtry", "OCR")
    elif t.kind == "domestic":
        other = b.el(account, "Othr")
        b.el(other, "Id", f"{t.creditor_reg_no}{(t.creditor_account_no or '').zfill(10)}")
        b.path(other, "SchmeNm/Cd", "BBAN")
    elif t.creditor_iban is not None:
        b.el(account, "IBAN", t.creditor_iban)
    else:
        b.path(account, "Othr/Id", t.creditor_account_no)


def _remittance(b: _Builder, tx: etree._Element, t: Transfer) -> None:
    reference = rules.fi_reference(t)
    text = clean(t.remittance, 140, danish=t.danish)
    if reference is None and text is None:
        return
    info = b.el(tx, "RmtInf")
    if text is not None:
        b.el(info, "Ustrd", text)
    if reference is not None:
        creditor_ref = b.path(info, "Strd/CdtrRefInf")
        b.path(creditor_ref, "Tp/CdOrPrtry/Cd", "SCOR")
        b.el(creditor_ref, "Ref", reference)


def _transaction(
    b: _Builder, parent: etree._Element, t: Transfer, own_type: bool, local_instrument: str | None
) -> None:
    tx = b.el(parent, "CdtTrfTxInf")
    ids = b.el(tx, "PmtId")
    b.el(ids, "InstrId", t.instruction_id)
    b.el(ids, "EndToEndId", t.end_to_end_id)
    if own_type:
        _payment_type(b, tx, t.kind, local_instrument)
    b.path(tx, "Amt/InstdAmt", _decimal(t.amount)).set("Ccy", t.currency)
    bearer = t.charge_bearer or _DEFAULT_BEARER.get(t.kind)
    if bearer is not None:
        b.el(tx, "ChrgBr", bearer)
    _creditor_agent(b, tx, t)
    _creditor(b, tx, t)
    _creditor_account(b, tx, t)
    _remittance(b, tx, t)


def _payment_info(b: _Builder, parent: etree._Element, batch: PaymentBatch) -> None:
    info = b.el(parent, "PmtInf")
    b.el(info, "PmtInfId", batch.payment_info_id)
    b.el(info, "PmtMtd", "TRF")
    b.el(info, "NbOfTxs", str(len(batch.transfers)))
    b.el(info, "CtrlSum", _decimal(batch.control_sum))
    kinds = {t.kind for t in batch.transfers}
    uniform = len(kinds) == 1
    if uniform:
        _payment_type(b, info, next(iter(kinds)), batch.local_instrument)
    execution = b.el(info, "ReqdExctnDt", None if b.dated else batch.execution_date.isoformat())
    if b.dated:
        b.el(execution, "Dt", batch.execution_date.isoformat())
    danish = kinds <= rules.DANISH_KINDS
    limit = min(rules.name_limit(k) for k in kinds)
    b.path(info, "Dbtr/Nm", clean(batch.debtor_name, limit, danish=danish))
    b.path(info, "DbtrAcct/Id/IBAN", batch.debtor_iban)
    agent = b.path(info, "DbtrAgt/FinInstnId")
    if batch.debtor_bic is not None:
        b.el(agent, b.bic, batch.debtor_bic)
    else:
        b.path(agent, "Othr/Id", _NOT_PROVIDED)
    for transfer in batch.transfers:
        _transaction(b, info, transfer, not uniform, batch.local_instrument)


def _group_header(
    b: _Builder, parent: etree._Element, header: rules.Header, batches: Sequence[PaymentBatch]
) -> None:
    group = b.el(parent, "GrpHdr")
    b.el(group, "MsgId", header.message_id)
    b.el(group, "CreDtTm", header.created_at.isoformat(timespec="seconds"))
    b.el(group, "NbOfTxs", str(sum(len(batch.transfers) for batch in batches)))
    b.el(group, "CtrlSum", _decimal(sum((batch.control_sum for batch in batches), Decimal(0))))
    party = b.el(group, "InitgPty")
    b.el(party, "Nm", clean(header.initiating_party_name, 140, danish=True))
    if header.initiating_party_cvr is not None:
        other = b.path(party, "Id/OrgId/Othr")
        b.el(other, "Id", header.initiating_party_cvr)
        b.path(other, "SchmeNm/Cd", header.cvr_scheme)


def write(
    message_id: str,
    created_at: datetime,
    initiating_party_name: str,
    initiating_party_cvr: str | None,
    batches: Sequence[PaymentBatch],
    *,
    version: Version = V09,
    cvr_scheme: str = "BANK",
) -> bytes:
    """The pain.001 document for ``batches``, UTF-8 with an XML declaration.

    ``initiating_party_cvr`` is written as ``InitgPty/Id/OrgId/Othr`` with ``cvr_scheme`` as its scheme
    code: Danske Bank wants ``BANK`` with the CVR number, Nordea ``CUST``.
    """
    header = rules.Header(message_id, created_at, initiating_party_name, initiating_party_cvr, cvr_scheme)
    rules.check_message(header, version, batches)
    b = _Builder(version)
    root = b.root()
    initiation = b.el(root, "CstmrCdtTrfInitn")
    _group_header(b, initiation, header, batches)
    for batch in batches:
        _payment_info(b, initiation, batch)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
