"""Danish banking days (banklukkedage), in business dates of Europe/Copenhagen.

Rule (shared/standards/danish-payments.md §6, after Danmarks Nationalbank's published closing days,
https://www.nationalbanken.dk/da/vores-arbejde/stabile-priser-pengepolitik-og-dansk-oekonomi/banklukkedage):
the banks are closed on Saturdays, Sundays and the Danish public holidays (``holidays`` package, public
category only: it has Store Bededag up to 2023 and not after its abolition), and also on the Friday after
Ascension Day, 5 June (Grundlovsdag), 24 December and 31 December. 1 May is *not* a bank holiday, which is
why the ``optional`` category of ``holidays`` is not used.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

from betal.domain.errors import InvalidInput

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
_DAY = timedelta(days=1)
_ASCENSION = "Kristi himmelfartsdag"  # the name ``holidays`` gives it with language="da"


@cache
def _closing_days(year: int) -> Mapping[date, str]:
    """Every date in ``year`` the banks are closed for a holiday, weekend or not, with its Danish name."""
    public = holidays.country_holidays("DK", years=year, language="da")
    (ascension,) = public.get_named(_ASCENSION, lookup="exact")
    days: dict[date, str] = dict(public.items())
    days[ascension + _DAY] = "Banklukkedag (dagen efter Kristi himmelfartsdag)"
    days[date(year, 6, 5)] = "Grundlovsdag"
    days[date(year, 12, 24)] = "Juleaftensdag"
    days[date(year, 12, 31)] = "Nytårsaftensdag"
    return MappingProxyType(dict(sorted(days.items())))


def bank_holidays(year: int) -> dict[date, str]:
    """The weekdays (Mon-Fri) of ``year`` on which Danish banks are closed, in date order, with names."""
    return {day: name for day, name in _closing_days(year).items() if day.weekday() < 5}


def is_banking_day(d: date) -> bool:
    """Whether Danish banks are open on ``d``: a weekday that is not a bank holiday."""
    if isinstance(d, datetime):  # a datetime would never match the date keys below
        raise TypeError("pass a date; use business_date() to turn a timestamp into one")
    return d.weekday() < 5 and d not in _closing_days(d.year)


def next_banking_day(d: date) -> date:
    """``d`` itself if it is a banking day, otherwise the first banking day after it."""
    while not is_banking_day(d):
        d += _DAY
    return d


def following_banking_day(d: date) -> date:
    """The first banking day strictly after ``d``."""
    return next_banking_day(d + _DAY)


def preceding_banking_day(d: date) -> date:
    """The last banking day strictly before ``d``."""
    d -= _DAY
    while not is_banking_day(d):
        d -= _DAY
    return d


def add_banking_days(d: date, n: int) -> date:
    """The ``n``-th banking day after ``d`` (before it when ``n`` is negative).

    ``n == 0`` gives :func:`next_banking_day`. Counting starts from ``d`` whether or not ``d`` is a banking
    day, so one banking day after a Saturday is the Monday (if that is open).
    """
    if n == 0:
        return next_banking_day(d)
    step = following_banking_day if n > 0 else preceding_banking_day
    for _ in range(abs(n)):
        d = step(d)
    return d


def business_date(ts: datetime) -> date:
    """The Copenhagen calendar date of an aware timestamp (23:30 UTC on 31 Dec is 1 Jan in Copenhagen)."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise InvalidInput(
            "timestamp must carry a time zone (UTC)", field="timestamp", code="timestamp.naive"
        )
    return ts.astimezone(COPENHAGEN).date()
