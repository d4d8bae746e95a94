"""The ledger page's balance chart: daily balances drawn as server-rendered inline SVG lines.

Pure geometry, no drawing library and no script: the portal's Content-Security-Policy allows neither
inline scripts nor inline styles, so the template writes ``<polyline points=...>`` with classes that
``static/ledger.css`` colours. The y axis gets "nice" ticks (1, 2 or 5 times a power of ten, in kroner).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from betal.domain.ledger import AccountRole
from betal.services.ledger import BalanceSeries

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 84, 16, 16, 36
TICKS = 4


@dataclass(frozen=True)
class Line:
    role: AccountRole
    points: str  # "x,y x,y ..." for <polyline>
    last_minor: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    lines: tuple[Line, ...]
    y_ticks: tuple[tuple[float, int], ...]  # (y, value in øre)
    x_ticks: tuple[tuple[float, date], ...]
    zero_y: float


def _step(span: int) -> int:
    """A round step in øre (1, 2 or 5 kroner times a power of ten) giving about ``TICKS`` intervals."""
    rough = max(span // TICKS, 100)
    power = 100
    while power * 10 <= rough:
        power *= 10
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


def _range(series: Sequence[BalanceSeries]) -> tuple[int, int, int]:
    values = [v for s in series for v in s.balances] + [0]
    low, high = min(values), max(values)
    step = _step(max(high - low, 1))
    return (low // step) * step, -((-high) // step) * step or step, step


def build(series: Sequence[BalanceSeries]) -> Chart:
    """The chart of ``series`` (all over the same days), scaled so every balance and zero fit."""
    low, high, step = _range(series)
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    days = series[0].days if series else ()
    count = max(len(days) - 1, 1)

    def x(index: int) -> float:
        return round(LEFT + (right - LEFT) * index / count, 1)

    def y(value: int) -> float:
        return round(bottom - (bottom - TOP) * (value - low) / (high - low), 1)

    lines = tuple(
        Line(s.role, " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(s.balances)), s.balances[-1])
        for s in series
        if s.balances
    )
    y_ticks = tuple((y(v), v) for v in range(low, high + 1, step))
    picks = sorted({0, len(days) // 2, len(days) - 1}) if days else []
    return Chart(
        WIDTH, HEIGHT, LEFT, right, TOP, bottom, lines, y_ticks, tuple((x(i), days[i]) for i in picks), y(0)
    )
