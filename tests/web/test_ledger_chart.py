"""The balance chart's geometry: every balance and zero inside the plot, nice ticks, three day labels."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from betal.domain.ledger import AccountRole
from betal.services.ledger import BalanceSeries
from betal.web import ledger_chart

START = date(2026, 3, 1)


def series(role: AccountRole, *balances: int) -> BalanceSeries:
    return BalanceSeries(role, tuple(START + timedelta(days=n) for n in range(len(balances))), balances)


def points(line: ledger_chart.Line) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in line.points.split())]


class TestBuild:
    def test_lines_ticks_and_labels(self) -> None:
        chart = ledger_chart.build(
            [series(AccountRole.BANK, 0, 50_000, 120_000), series(AccountRole.RECEIVABLES, 0, 0, 0)]
        )
        bank, receivables = chart.lines
        assert (bank.role, bank.last_minor) == (AccountRole.BANK, 120_000)
        assert (
            points(bank) == [(84.0, 224.0), (394.0, 176.0), (704.0, 108.8)]
            or points(bank)[0][0] == chart.left
        )
        assert [value for _y, value in chart.y_ticks] == [0, 50_000, 100_000, 150_000]
        assert chart.y_ticks[0][0] == chart.bottom == chart.zero_y
        assert chart.y_ticks[-1][0] == chart.top
        assert [day for _x, day in chart.x_ticks] == [
            START,
            START + timedelta(days=1),
            START + timedelta(days=2),
        ]
        assert all(y == chart.zero_y for _x, y in points(receivables))

    def test_negative_balances_put_zero_inside(self) -> None:
        chart = ledger_chart.build([series(AccountRole.BANK, -30_000, 10_000)])
        assert chart.top < chart.zero_y < chart.bottom
        assert [value for _y, value in chart.y_ticks] == [-30_000, -20_000, -10_000, 0, 10_000]

    def test_nothing_booked(self) -> None:
        chart = ledger_chart.build([series(AccountRole.BANK, *([0] * 30))])
        assert [value for _y, value in chart.y_ticks] == [0, 100]
        assert len(chart.x_ticks) == 3
        assert ledger_chart.build([]).lines == ()

    @given(st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=40))
    def test_every_point_is_inside_the_plot(self, balances: list[int]) -> None:
        chart = ledger_chart.build([series(AccountRole.RECEIVABLES, *balances)])
        for x, y in points(chart.lines[0]):
            assert chart.left <= x <= chart.right
            assert chart.top <= y <= chart.bottom
        assert 2 <= len(chart.y_ticks) <= 12
