"""Typed access to the elements of one UBL 2 document, collecting the problems met on the way.

UBL 2.1 (OASIS, http://docs.oasis-open.org/ubl/os-UBL-2.1/) puts every basic value in the ``cbc``
namespace and every aggregate in ``cac``; amounts carry a ``currencyID`` attribute, dates are
``xsd:date``. :class:`Doc` reads those values and records a :class:`Problem` with the element's line
instead of raising, so one upload reports every bad value at once.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from lxml import etree

from betal.formats.ubl.model import Amount, Problem

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS = {"cbc": CBC, "cac": CAC}

Element = etree._Element

_DECIMAL = re.compile(r"[+-]?[0-9]{1,18}(\.[0-9]{0,18})?")  # xsd:decimal, bounded; no exponent form
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?")


def find(el: Element, path: str) -> Element | None:
    """The first element at ``path`` (``cac:Party/cbc:EndpointID``) below ``el``, or None."""
    return el.find(path, NS)


def find_all(el: Element, path: str) -> list[Element]:
    return el.findall(path, NS)


def text(el: Element | None, path: str | None = None) -> str | None:
    """The stripped text at ``path`` (or of ``el`` itself); None when absent or blank."""
    node = el if el is None or path is None else find(el, path)
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def line_of(el: Element | None) -> int | None:
    """The element's 1-based source line (``sourceline``, which lxml-stubs leave untyped)."""
    line: object = None if el is None else el.sourceline
    return line if isinstance(line, int) else None


class Doc:
    """Reads values from a document in ``currency`` and keeps every problem found."""

    def __init__(self, currency: str = "", exponent: int = 2) -> None:
        self.currency = currency
        self.exponent = exponent
        self.problems: list[Problem] = []
        self.bad_amounts = 0

    def add(self, el: Element | None, code: str, field: str, reason: str) -> None:
        self.problems.append(Problem(line_of(el), code, field, reason))

    def required(self, el: Element, path: str, field: str) -> str:
        """The text at ``path``; a ``missing`` problem (at ``el``'s line) and "" when there is none."""
        value = text(el, path)
        if value is None:
            self.add(el, "missing", field, f"{field} is missing")
            return ""
        return value

    def decimal(self, el: Element, path: str, field: str) -> Decimal | None:
        """A decimal number (quantity, percent, price) at ``path``, or None when absent or malformed."""
        node = find(el, path)
        raw = text(node)
        if raw is None:
            return None
        if not _DECIMAL.fullmatch(raw):
            self.add(node, "invalid_number", field, f"{field} {raw!r} is not a decimal number")
            return None
        return Decimal(raw)

    def date(self, el: Element, path: str, field: str) -> date | None:
        """An ``xsd:date`` (``2026-05-29``, a time zone suffix allowed) at ``path``, or None."""
        node = find(el, path)
        raw = text(node)
        if raw is None:
            return None
        match = _DATE.fullmatch(raw)
        if match:
            try:
                return date.fromisoformat(match[1])
            except ValueError:
                pass  # 2026-02-30: the right shape, but no such day
        self.add(node, "invalid_date", field, f"{field} {raw!r} is not a date (YYYY-MM-DD)")
        return None

    def amount(self, el: Element, path: str, field: str, *, required: bool = True) -> Amount:
        """The amount at ``path`` in minor units; zero when absent (a problem too if ``required``)."""
        node = find(el, path)
        raw = text(node)
        if node is None or raw is None:
            if required:
                self._bad_amount(el, "missing", field, f"{field} is missing")
            return Amount(0, self.exponent)
        currency = node.get("currencyID")
        if currency is not None and currency.strip() != self.currency:
            self._bad_amount(
                node,
                "currency_mismatch",
                field,
                f"{field} is in {currency.strip()}, but the document currency is {self.currency}",
            )
        return self.parse_amount(node, raw, field)

    def parse_amount(self, node: Element, raw: str, field: str) -> Amount:
        """``raw`` in minor units; a problem when it is not a number or has more decimals than allowed."""
        if not _DECIMAL.fullmatch(raw):
            self._bad_amount(node, "invalid_amount", field, f"{field} {raw!r} is not an amount")
            return Amount(0, self.exponent)
        scaled = Decimal(raw).scaleb(self.exponent)
        if scaled != scaled.to_integral_value():
            self._bad_amount(
                node,
                "invalid_amount",
                field,
                f"{field} {raw} has more than {self.exponent} decimals, which {self.currency} does not allow",
            )
            return Amount(0, self.exponent)
        return Amount(int(scaled), self.exponent)

    def _bad_amount(self, el: Element | None, code: str, field: str, reason: str) -> None:
        self.bad_amounts += 1
        self.add(el, code, field, reason)
