"""The fx_rates repository: exact decimals round-trip, ranges and currency filters, duplicates left alone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from betal.bootstrap import Container
from betal.domain.fx import Rate

NOW = datetime(2026, 4, 8, 16, 5, tzinfo=UTC)
RATES = [
    Rate("USD", date(2026, 4, 7), Decimal("1.0811")),
    Rate("DKK", date(2026, 4, 7), Decimal("7.4609")),
    Rate("IDR", date(2026, 4, 8), Decimal("17615.42")),
    Rate("DKK", date(2026, 4, 8), Decimal("7.4606")),
]


def _add(container: Container, rates: list[Rate], source: str = "ECB") -> None:
    with container.uow() as uow:
        uow.fx_rates.add(source, rates, NOW)
        uow.commit()


def test_rates_come_back_exact_by_day_then_currency(container: Container) -> None:
    _add(container, RATES)
    with container.uow() as uow:
        stored = uow.fx_rates.between("ECB", date(2026, 4, 1), date(2026, 4, 30))
    assert stored == [RATES[1], RATES[0], RATES[3], RATES[2]]
    assert str(stored[2].value) == "7.4606"


def test_a_range_and_currencies_narrow_the_answer(container: Container) -> None:
    _add(container, RATES)
    _add(container, [Rate("DKK", date(2026, 4, 8), Decimal("7.5"))], source="TEST")
    with container.uow() as uow:
        assert uow.fx_rates.between("ECB", date(2026, 4, 8), date(2026, 4, 8), {"DKK"}) == [RATES[3]]
        assert uow.fx_rates.between("ECB", date(2026, 4, 1), date(2026, 4, 7), {"DKK", "IDR"}) == [RATES[1]]
        assert uow.fx_rates.between("ECB", date(2026, 4, 9), date(2026, 4, 30)) == []


def test_adding_a_stored_rate_again_keeps_the_stored_one(container: Container) -> None:
    _add(container, RATES)
    _add(
        container,
        [Rate("DKK", date(2026, 4, 8), Decimal("9.99")), Rate("SEK", date(2026, 4, 8), Decimal("11"))],
    )
    with container.uow() as uow:
        stored = uow.fx_rates.between("ECB", date(2026, 4, 8), date(2026, 4, 8), {"DKK", "SEK"})
    assert [(r.quote, r.value) for r in stored] == [("DKK", Decimal("7.4606")), ("SEK", Decimal("11"))]


def test_a_change_replaces_one_value(container: Container) -> None:
    _add(container, RATES)
    with container.uow() as uow:
        uow.fx_rates.change("ECB", Rate("DKK", date(2026, 4, 8), Decimal("7.4610")))
        uow.fx_rates.add("ECB", [], NOW)  # nothing to add is fine
        uow.commit()
    with container.uow() as uow:
        stored = uow.fx_rates.between("ECB", date(2026, 4, 7), date(2026, 4, 8), {"DKK"})
    assert [r.value for r in stored] == [Decimal("7.4609"), Decimal("7.4610")]
