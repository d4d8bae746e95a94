"""FI-kort / indbetalingskort (FIK and GIK) code lines: parse, render and payment-id generation.

Spec: shared/standards/danish-payments.md §1 (card types §1.1, line layout §1.2, check digit §1.3,
test vectors §1.4), after giro-kort.dk/fi-kort3.html, Peppol BIS DK-R-008..011 and Microsoft BC's FIK module.

Layout of the code line (OCR line), ``K`` = kortart, ``P`` = payment id, ``A`` = account::

    +KK<PPPPPPPPPPPPPPP+AAAAAAAA<

- kortart 71: 15-digit id (14 payload + Luhn check digit), 8-digit creditor number
- kortart 75: 16-digit id (15 payload + Luhn check digit), 8-digit creditor number
- kortart 73: no id (a blank is printed), 8-digit creditor number
- kortart 04: 16-digit id (15 payload + Luhn check digit), giro account
- kortart 15: 16-digit id, giro account; its check-digit rule is unknown ([U] in the spec): not checked
- kortart 01: no id, giro account (7 or 8 digits)

Printed lines may contain spaces and ``>`` instead of ``+`` as the first character (Uniconta), and some
generators (Microsoft BC) leave off the trailing ``<``; :func:`parse` accepts all of these and :func:`render`
always writes the canonical form with ``+`` and the trailing ``<``.

This module is pure and imports nothing from betal: callers map :class:`FiLineError` to their own errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import luhn

CREDITOR_CARD_TYPES = frozenset({"71", "73", "75"})  # FIK: account is the 8-digit creditor number
GIRO_CARD_TYPES = frozenset({"01", "04", "15"})  # GIK: account is a giro account
CARD_TYPES = CREDITOR_CARD_TYPES | GIRO_CARD_TYPES

_ID_LENGTH = {"71": 15, "75": 16, "04": 16, "15": 16}  # card types without an entry carry no payment id
_LUHN_CHECKED = frozenset({"71", "75", "04"})
_DIGITS = re.compile(r"[0-9]+")
_LINE = re.compile(r"[+>](?P<card_type>[0-9]{2})<(?P<payment_id>[0-9]*)\+(?P<account>[0-9]+)<?")


class FiLineError(ValueError):
    """A code line or one of its fields is invalid; ``field`` names which, ``value`` is the raw text."""

    def __init__(self, message: str, *, field: str, value: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value


def _check_payment_id(card_type: str, payment_id: str | None) -> None:
    length = _ID_LENGTH.get(card_type)
    if length is None:
        if payment_id is not None:
            raise FiLineError(f"kortart {card_type} has no payment id", field="payment_id", value=payment_id)
        return
    if payment_id is None or len(payment_id) != length or not _DIGITS.fullmatch(payment_id):
        raise FiLineError(
            f"kortart {card_type} needs a {length}-digit payment id",
            field="payment_id",
            value=payment_id or "",
        )
    if card_type in _LUHN_CHECKED and not luhn.is_valid(payment_id):
        raise FiLineError(
            "payment id check digit is wrong (Luhn mod 10)", field="payment_id", value=payment_id
        )


def _check_account(card_type: str, account: str) -> None:
    if card_type in CREDITOR_CARD_TYPES:
        ok, what = len(account) == 8, "an 8-digit creditor number"
    else:
        ok, what = len(account) in (7, 8), "a 7- or 8-digit giro account"
    if not ok or not _DIGITS.fullmatch(account):
        raise FiLineError(f"kortart {card_type} needs {what}", field="account", value=account)


@dataclass(frozen=True)
class FiPaymentLine:
    """One FI payment: kortart, payment id (None for 73 and 01) and creditor number or giro account."""

    card_type: str
    payment_id: str | None
    account: str

    def __post_init__(self) -> None:
        if self.card_type not in CARD_TYPES:
            raise FiLineError(
                f"unknown kortart {self.card_type!r}", field="card_type", value=str(self.card_type)
            )
        _check_payment_id(self.card_type, self.payment_id)
        _check_account(self.card_type, self.account)


def parse(text: str) -> FiPaymentLine:
    """Parse ``+71<000000067097535+85799665<`` (spaces anywhere, ``>`` prefix, no trailing ``<`` allowed)."""
    compact = "".join(text.split())
    match = _LINE.fullmatch(compact)
    if match is None:
        raise FiLineError("not an FI code line like +71<...+...<", field="line", value=text)
    return FiPaymentLine(match["card_type"], match["payment_id"] or None, match["account"])


def render(line: FiPaymentLine) -> str:
    """The canonical code line; kortart 73 and 01 get the blank the printed card shows in place of an id."""
    return f"+{line.card_type}<{line.payment_id or ' '}+{line.account}<"


def make_payment_id(card_type: str, payload: str | int) -> str:
    """A payment id for kortart 71 (14-digit payload), 75 or 04 (15 digits): zero-padded payload + Luhn digit.

    Kortart 15 is refused: its check-digit rule is not known, and a guessed one would put an id on the
    payer's card that the bank might reject.
    """
    if card_type not in _LUHN_CHECKED:
        raise FiLineError(
            f"cannot generate payment ids for kortart {card_type}", field="card_type", value=card_type
        )
    width = _ID_LENGTH[card_type] - 1
    text = str(payload) if isinstance(payload, int) and not isinstance(payload, bool) else payload
    if not isinstance(text, str) or not _DIGITS.fullmatch(text) or len(text) > width:
        raise FiLineError(f"payload must be 1 to {width} digits", field="payment_id", value=str(payload))
    padded = text.zfill(width)
    return padded + luhn.calc_check_digit(padded)
