"""ECB euro foreign exchange reference rates: the ``eurofxref`` XML files.

Spec: https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/ (the daily
``eurofxref-daily.xml``, the 90-day ``eurofxref-hist-90d.xml`` and the full ``eurofxref-hist.xml``).
All three have one shape; the daily file holds one ``Cube time=``, the others one per TARGET day, newest
first::

    <gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
                     xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
      <gesmes:subject>Reference rates</gesmes:subject>
      <gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
      <Cube>
        <Cube time="2026-03-02">
          <Cube currency="USD" rate="1.0921"/>      1 EUR = 1.0921 USD
          ...

Rates are read as exact ``Decimal`` values (never floats). The historic file keeps currencies that no
longer exist (CYP, EEK, ...): they are returned like any other. The file comes from outside, so it is
parsed with the safe parser; problems raise :class:`EcbError` with the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lxml import etree

from betal.formats.iso20022.xml import XmlError, parse_bytes

GESMES = "http://www.gesmes.org/xml/2002-08-01"
EUROFXREF = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
_CUBE = f"{{{EUROFXREF}}}Cube"
_CURRENCY = re.compile(r"[A-Z]{3}")
_RATE = re.compile(r"[0-9]{1,9}(\.[0-9]{1,10})?")  # at most 20 characters, as fx_rates stores them


def _line(element: etree._Element) -> int | None:
    """The element's 1-based line in the file (lxml-stubs leave ``sourceline`` untyped)."""
    line: int | None = getattr(element, "sourceline", None)
    return line


class EcbError(ValueError):
    """A file that is not ECB reference rates; ``line`` is 1-based, or ``None`` when it is not known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class DailyRates:
    """The rates of one day: 1 EUR = ``rates[code]`` units of that currency."""

    day: date
    rates: dict[str, Decimal]


def _day(element: etree._Element) -> date:
    text = element.get("time") or ""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise EcbError(f"Cube time {text!r} is not a date (YYYY-MM-DD)", _line(element)) from None


def _rate(element: etree._Element) -> tuple[str, Decimal]:
    code, text = element.get("currency") or "", element.get("rate") or ""
    if not _CURRENCY.fullmatch(code):
        raise EcbError(f"currency {code!r} is not a three-letter code", _line(element))
    if not _RATE.fullmatch(text) or not Decimal(text):
        raise EcbError(f"rate {text!r} for {code} is not a positive decimal number", _line(element))
    return code, Decimal(text)


def _daily(element: etree._Element) -> DailyRates:
    rates: dict[str, Decimal] = {}
    for child in element.iterchildren(_CUBE):
        code, value = _rate(child)
        if code in rates:
            raise EcbError(f"{code} appears twice on {element.get('time')}", _line(child))
        rates[code] = value
    return DailyRates(_day(element), rates)


def read(data: bytes) -> list[DailyRates]:
    """Every day in an ECB rates file, oldest first; :class:`EcbError` for anything else."""
    try:
        root = parse_bytes(data)
    except XmlError as exc:
        raise EcbError(exc.reason, exc.line) from None
    if root.tag != f"{{{GESMES}}}Envelope":
        raise EcbError(f"not an ECB rates file: the root is {etree.QName(root).localname}", _line(root))
    outer = root.find(_CUBE)
    if outer is None:
        raise EcbError("the file has no Cube of rates", _line(root))
    days: dict[date, DailyRates] = {}
    for element in outer.iterchildren(_CUBE):
        daily = _daily(element)
        if daily.day in days:
            raise EcbError(f"{daily.day} appears twice", _line(element))
        days[daily.day] = daily
    return [days[d] for d in sorted(days)]


def write(days: Iterable[DailyRates]) -> bytes:
    """An ECB rates file for ``days`` (newest first, as the ECB publishes it), UTF-8."""
    root = etree.Element(f"{{{GESMES}}}Envelope", nsmap={"gesmes": GESMES, None: EUROFXREF})  # type: ignore[dict-item]
    etree.SubElement(root, f"{{{GESMES}}}subject").text = "Reference rates"
    sender = etree.SubElement(root, f"{{{GESMES}}}Sender")
    etree.SubElement(sender, f"{{{GESMES}}}name").text = "European Central Bank"
    outer = etree.SubElement(root, _CUBE)
    for daily in sorted(days, key=lambda d: d.day, reverse=True):
        cube = etree.SubElement(outer, _CUBE, time=daily.day.isoformat())
        for code, value in daily.rates.items():
            etree.SubElement(cube, _CUBE, currency=code, rate=format(value, "f"))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
