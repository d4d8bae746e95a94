"""Exchange rates: import the ECB reference rates, look up a dated rate, convert at it.

Spec: DESIGN.md "Payables" (foreign payments execute at a recorded FX rate) and "Money, time and
identifiers"; the file format is ``formats.ecb``, the arithmetic ``domain.fx``.

- Importing is idempotent: a rate already stored for its day and currency is not added again, so the
  same file (or the 90-day file every day) can be imported any number of times. A stored rate that the
  file gives differently is corrected and counted as ``changed``. One import is one transaction.
- The ECB publishes on TARGET days only, so the rate "on" a day is the latest published on or before it,
  looking back at most ``LOOKBACK_DAYS`` (a weekend plus the Easter and Christmas closures); past that
  the rate is missing, not stale, and ``NotFound`` says so.
- A conversion between two non-euro currencies uses both currencies' rates of the same ECB day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from betal.domain import fx
from betal.domain.errors import InvalidInput, NotFound
from betal.domain.money import currency
from betal.formats import ecb
from betal.ports import UnitOfWork

SOURCE = "ECB"
LOOKBACK_DAYS = 10
CHUNK = 5_000  # rates written between two progress reports

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportResult:
    """What a rates file held (``days``, ``rates``) and what it added (``new``) or corrected (``changed``)."""

    days: int
    rates: int
    new: int
    changed: int
    first_day: date | None
    last_day: date | None


@dataclass(frozen=True)
class Conversion:
    """``amount_minor`` in the target currency at ``rate`` (target units per source unit) of ``rate_date``."""

    amount_minor: int
    rate: Decimal
    rate_date: date


def _read(data: bytes) -> list[ecb.DailyRates]:
    try:
        return ecb.read(data)
    except ecb.EcbError as exc:
        raise InvalidInput(
            f"not an ECB reference rates file: {exc}", field="file", code="fx.file_invalid"
        ) from None


def _write(uow: UnitOfWork, new: list[fx.Rate], changed: list[fx.Rate], on_progress: Progress | None) -> None:
    total, now = len(new) + len(changed), uow.clock.now()
    for start in range(0, len(new), CHUNK):
        uow.fx_rates.add(SOURCE, new[start : start + CHUNK], now)
        if on_progress is not None:
            on_progress(min(start + CHUNK, len(new)), total)
    for rate in changed:
        uow.fx_rates.change(SOURCE, rate)
    if on_progress is not None:
        on_progress(total, total)


def import_rates(
    uow: UnitOfWork, data: bytes, *, dry_run: bool = False, on_progress: Progress | None = None
) -> ImportResult:
    """Store the rates of an ECB file not stored yet; with ``dry_run`` only count what would change.

    ``on_progress(done, total)`` is called as rows are written (not in a dry run).
    """
    days = _read(data)
    rates = [fx.Rate(code, d.day, value) for d in days for code, value in d.rates.items()]
    first, last = (days[0].day, days[-1].day) if days else (None, None)
    stored: dict[tuple[str, date], Decimal] = {}
    if first is not None and last is not None:
        stored = {(r.quote, r.day): r.value for r in uow.fx_rates.between(SOURCE, first, last)}
    new = [r for r in rates if (r.quote, r.day) not in stored]
    changed = [r for r in rates if stored.get((r.quote, r.day), r.value) != r.value]
    result = ImportResult(len(days), len(rates), len(new), len(changed), first, last)
    if dry_run:
        return result
    _write(uow, new, changed, on_progress)
    span = f"{first}..{last}" if first else "empty"
    uow.audit(None, "fx_rates.imported", "fx_rates", f"{SOURCE} {span}", new=len(new), changed=len(changed))
    uow.commit()
    return result


def _day_rates(uow: UnitOfWork, codes: set[str], day: date) -> tuple[date, dict[str, Decimal]]:
    """The latest ECB day on or before ``day`` (within the lookback) with a rate for each of ``codes``."""
    wanted = codes - {fx.BASE}
    if not wanted:
        return day, {}
    per_day: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for rate in uow.fx_rates.between(SOURCE, day - timedelta(days=LOOKBACK_DAYS), day, wanted):
        per_day[rate.day][rate.quote] = rate.value
    for rate_day in sorted(per_day, reverse=True):
        if wanted <= per_day[rate_day].keys():
            return rate_day, per_day[rate_day]
    seen = {code for rates in per_day.values() for code in rates}
    names = " and ".join(sorted(wanted - seen) or sorted(wanted))  # the currencies to blame, if some are
    raise NotFound(
        f"no ECB rate for {names} on {day} or in the {LOOKBACK_DAYS} days before; import the rates first",
        code="fx.rate_not_found",
    )


def rate_on(uow: UnitOfWork, code: str, day: date) -> tuple[Decimal, date]:
    """1 EUR in ``code`` on ``day`` and the ECB day the rate is from (EUR itself is 1 on any day)."""
    known = currency(code).code
    rate_day, rates = _day_rates(uow, {known}, day)
    return rates.get(known, Decimal(1)), rate_day


def convert_on(uow: UnitOfWork, amount_minor: int, from_ccy: str, to_ccy: str, day: date) -> Conversion:
    """``amount_minor`` of ``from_ccy`` in ``to_ccy`` at the rates of ``day`` (see :func:`rate_on`)."""
    source = currency(from_ccy, field="from_currency").code
    target = currency(to_ccy, field="to_currency").code
    if source == target:
        return Conversion(fx.convert(amount_minor, source, target, {}), Decimal(1), day)
    rate_day, rates = _day_rates(uow, {source, target}, day)
    amount = fx.convert(amount_minor, source, target, rates)
    return Conversion(amount, fx.cross_rate(source, target, rates), rate_day)
