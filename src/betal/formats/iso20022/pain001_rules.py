"""What a pain.001 transfer, batch and message must hold before a bank file is written.

Spec: the ISO 20022 pain.001.001.03 / .09 XSDs (lengths, patterns, amounts with at most 5 decimals and
18 digits), the EPC SEPA rulebook (EUR, IBAN, ``SLEV``, names of at most 70 characters) and
shared/standards/danish-payments.md §1 (FI-kort ids and creditor numbers) and §2 (reg.no. and account).
Nothing is written for input that breaks a rule: :class:`Pain001Error` names the field and the payment.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, NoReturn, get_args

from betal.formats.fi_line import FiLineError, FiPaymentLine
from betal.formats.iso20022.charset import clean, is_latin_id

if TYPE_CHECKING:
    from betal.formats.iso20022.pain001 import PaymentBatch, Transfer

Kind = Literal["domestic", "sepa", "international", "fi_card"]
KINDS = frozenset(get_args(Kind))
DANISH_KINDS = frozenset({"domestic", "fi_card"})
VERSIONS = frozenset({"pain.001.001.09", "pain.001.001.03"})
CHARGE_BEARERS = frozenset({"DEBT", "CRED", "SHAR", "SLEV"})
FI_ID_WIDTH = {"71": 15, "75": 16, "04": 16}  # kortart 73 carries no payment id
FI_CARD_TYPES = frozenset({*FI_ID_WIDTH, "73"})
FI_WITH_MESSAGE = frozenset({"73", "75"})  # the kortarter whose payer may write to the creditor
MAX_ADDRESS_LINES = 7  # PostalAddress6 / PostalAddress24: AdrLine 0..7
MAX_DIGITS, MAX_DECIMALS = 18, 5  # ActiveOrHistoricCurrencyAndAmount and DecimalNumber

_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")  # ISO 13616: shortest (Norway) 15, longest 34
_IBAN_DIGITS = str.maketrans({letter: str(ord(letter) - 55) for letter in string.ascii_uppercase})
_BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?")  # within both .03 BIC and .09 BICFI
_CURRENCY = re.compile(r"[A-Z]{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_REG_NO = re.compile(r"[0-9]{4}")
_ACCOUNT_NO = re.compile(r"[0-9]{1,10}")
_FOREIGN_ACCOUNT = re.compile(r"[A-Za-z0-9]{1,34}")
_CVR = re.compile(r"[0-9]{8}")
_CODE = re.compile(r"[A-Z0-9]{4}")


class Pain001Error(ValueError):
    """Input a pain.001 file cannot carry: ``field`` names it (``creditor_iban``), ``value`` holds it."""

    def __init__(self, message: str, *, field: str, value: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value


@dataclass(frozen=True)
class Header:
    message_id: str
    created_at: datetime
    initiating_party_name: str
    initiating_party_cvr: str | None
    cvr_scheme: str


def _fail(where: str, field: str, problem: str, value: object = None) -> NoReturn:
    raise Pain001Error(f"{where}: {field} {problem}", field=field, value=value)


def name_limit(kind: str) -> int:
    """SEPA names are at most 70 characters (EPC rulebook); the ISO schema allows 140."""
    return 70 if kind == "sepa" else 140


def fi_reference(t: Transfer) -> str | None:
    """``CdtrRefInf/Ref`` of an FI-kort payment: ``"71/000000067097535"`` (id padded to 15, 16 for 75/04)."""
    if t.kind != "fi_card" or t.fi_payment_id is None or t.fi_card_type is None:
        return None
    return f"{t.fi_card_type}/{t.fi_payment_id.zfill(FI_ID_WIDTH[t.fi_card_type])}"


def _check_id(where: str, field: str, value: object) -> None:
    if not isinstance(value, str) or not is_latin_id(value):
        _fail(where, field, "must be 1-35 letters, digits or / - ? : ( ) . , ' + (no / at either end)", value)


def is_iban(value: str) -> bool:
    """Compact IBAN with a good ISO 7064 MOD 97-10 check (what the bank needs; the edge validates more)."""
    return bool(_IBAN.fullmatch(value)) and int((value[4:] + value[:4]).translate(_IBAN_DIGITS)) % 97 == 1


def _check_iban(where: str, field: str, value: str | None) -> None:
    if not isinstance(value, str) or not is_iban(value):
        _fail(where, field, "must be a valid IBAN in compact form, e.g. DK5000400440116243", value)


def _check_pattern(where: str, field: str, pattern: re.Pattern[str], value: str | None, shape: str) -> None:
    if value is None or not pattern.fullmatch(value):
        _fail(where, field, f"must be {shape}", value)


def _check_amount(where: str, value: object) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        _fail(where, "amount", "must be a positive Decimal", value)
    exponent = int(value.as_tuple().exponent)
    if exponent < -MAX_DECIMALS or len(value.as_tuple().digits) > MAX_DIGITS:
        _fail(where, "amount", f"must have at most {MAX_DECIMALS} decimals and {MAX_DIGITS} digits", value)


def _check_currency(where: str, t: Transfer, required: str) -> None:
    if t.currency != required:
        _fail(where, "currency", f"must be {required} for a {t.kind} transfer", t.currency)


def _check_domestic(where: str, t: Transfer) -> None:
    _check_currency(where, t, "DKK")
    _check_pattern(where, "creditor_reg_no", _REG_NO, t.creditor_reg_no, "a 4-digit registration number")
    _check_pattern(where, "creditor_account_no", _ACCOUNT_NO, t.creditor_account_no, "1-10 digits")


def _check_sepa(where: str, t: Transfer) -> None:
    _check_currency(where, t, "EUR")
    _check_iban(where, "creditor_iban", t.creditor_iban)
    if t.charge_bearer not in (None, "SLEV"):
        _fail(where, "charge_bearer", "must be SLEV on a SEPA transfer", t.charge_bearer)


def _check_international(where: str, t: Transfer) -> None:
    _check_pattern(where, "creditor_bic", _BIC, t.creditor_bic, "the creditor bank's BIC")
    _check_pattern(where, "creditor_country", _COUNTRY, t.creditor_country, "an ISO 3166 country code")
    if t.creditor_iban is not None:
        _check_iban(where, "creditor_iban", t.creditor_iban)
    else:
        shape = "an IBAN or account number (1-34 letters and digits)"
        _check_pattern(where, "creditor_account_no", _FOREIGN_ACCOUNT, t.creditor_account_no, shape)


def _check_fi_card(where: str, t: Transfer) -> None:
    _check_currency(where, t, "DKK")
    card_type = t.fi_card_type
    if card_type is None or card_type not in FI_CARD_TYPES:
        _fail(where, "fi_card_type", "must be 71, 73, 75 or 04", card_type)
    width = FI_ID_WIDTH.get(card_type)
    payment_id = t.fi_payment_id
    if width is not None and payment_id is not None and len(payment_id) <= width:
        payment_id = payment_id.zfill(width)
    try:
        FiPaymentLine(card_type, payment_id, t.fi_creditor_number or "")
    except FiLineError as exc:
        field = "fi_payment_id" if exc.field == "payment_id" else "fi_creditor_number"
        _fail(where, field, f"is wrong: {exc.message}", exc.value)
    if t.remittance is not None and card_type not in FI_WITH_MESSAGE:
        _fail(
            where, "remittance", f"cannot be sent with kortart {card_type} (only 73 and 75 carry a message)"
        )


_KIND_CHECKS: dict[str, Callable[[str, Transfer], None]] = {
    "domestic": _check_domestic,
    "sepa": _check_sepa,
    "international": _check_international,
    "fi_card": _check_fi_card,
}


def check_transfer(t: Transfer) -> None:
    """Raise :class:`Pain001Error` for the first field ``t`` gets wrong."""
    _check_id("transfer", "end_to_end_id", t.end_to_end_id)
    where = f"transfer {t.end_to_end_id}"
    _check_id(where, "instruction_id", t.instruction_id)
    if t.kind not in KINDS:
        _fail(where, "kind", "must be domestic, sepa, international or fi_card", t.kind)
    _check_amount(where, t.amount)
    _check_pattern(where, "currency", _CURRENCY, t.currency, "an ISO 4217 code")
    if not isinstance(t.creditor_name, str) or clean(t.creditor_name, 140) is None:
        _fail(where, "creditor_name", "is empty", t.creditor_name)
    if t.creditor_bic is not None:
        _check_pattern(where, "creditor_bic", _BIC, t.creditor_bic, "a BIC (8 or 11 characters)")
    if t.charge_bearer is not None and t.charge_bearer not in CHARGE_BEARERS:
        _fail(where, "charge_bearer", "must be DEBT, CRED, SHAR or SLEV", t.charge_bearer)
    if len(t.creditor_address_lines) > MAX_ADDRESS_LINES:
        _fail(where, "creditor_address_lines", f"may hold at most {MAX_ADDRESS_LINES} lines")
    if t.creditor_country is not None:
        _check_pattern(where, "creditor_country", _COUNTRY, t.creditor_country, "an ISO 3166 country code")
    _KIND_CHECKS[t.kind](where, t)


def check_batch(batch: PaymentBatch) -> None:
    """Raise :class:`Pain001Error` for a batch that is empty, badly named or repeats an instruction id."""
    _check_id("batch", "payment_info_id", batch.payment_info_id)
    where = f"batch {batch.payment_info_id}"
    if not isinstance(batch.execution_date, date) or isinstance(batch.execution_date, datetime):
        _fail(where, "execution_date", "must be a date", batch.execution_date)
    if not isinstance(batch.debtor_name, str) or clean(batch.debtor_name, 140) is None:
        _fail(where, "debtor_name", "is empty", batch.debtor_name)
    _check_iban(where, "debtor_iban", batch.debtor_iban)
    if batch.debtor_bic is not None:
        _check_pattern(where, "debtor_bic", _BIC, batch.debtor_bic, "a BIC (8 or 11 characters)")
    if batch.local_instrument is not None:
        _check_pattern(where, "local_instrument", _CODE, batch.local_instrument, "a code such as ONCL")
    if not batch.transfers:
        _fail(where, "transfers", "must hold at least one transfer")
    seen: set[str] = set()
    for transfer in batch.transfers:
        if transfer.instruction_id in seen:
            _fail(where, "instruction_id", "appears twice in the batch", transfer.instruction_id)
        seen.add(transfer.instruction_id)


def check_message(header: Header, version: str, batches: Sequence[PaymentBatch]) -> None:
    """Raise :class:`Pain001Error` for a header or batch list no bank would accept."""
    if version not in VERSIONS:
        _fail("message", "version", "must be pain.001.001.09 or pain.001.001.03", version)
    _check_id("message", "message_id", header.message_id)
    if not isinstance(header.created_at, datetime):
        _fail("message", "created_at", "must be a datetime", header.created_at)
    if not isinstance(header.initiating_party_name, str) or clean(header.initiating_party_name, 140) is None:
        _fail("message", "initiating_party_name", "is empty", header.initiating_party_name)
    if header.initiating_party_cvr is not None:
        _check_pattern("message", "initiating_party_cvr", _CVR, header.initiating_party_cvr, "8 digits")
    _check_pattern("message", "cvr_scheme", _CODE, header.cvr_scheme, "a 4-letter code such as BANK")
    if not batches:
        _fail("message", "batches", "must hold at least one batch")
    ids = [batch.payment_info_id for batch in batches]
    if len(set(ids)) != len(ids):
        _fail("message", "payment_info_id", "must differ between the batches of a message")
    total = sum((batch.control_sum for batch in batches), Decimal(0))
    if len(total.as_tuple().digits) > MAX_DIGITS:
        _fail("message", "batches", f"add up to more than {MAX_DIGITS} digits", total)
