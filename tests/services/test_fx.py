"""Exchange rates: an idempotent ECB import, corrected rates, the look-back over weekends and TARGET holidays,
conversions at one ECB day's rates, and clear errors."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from betal.bootstrap import Container
from betal.domain.errors import InvalidInput, NotFound
from betal.services import fx

ECB = Path(__file__).parents[1] / "formats" / "data" / "ecb"
EASTER = "eurofxref-hist-90d-easter.xml"  # 2026-03-27 .. 2026-04-08; closed 3 Apr (Good Friday) and 6 Apr


def _import(container: Container, name: str, **options: object) -> fx.ImportResult:
    with container.uow() as uow:
        return fx.import_rates(uow, (ECB / name).read_bytes(), **options)  # type: ignore[arg-type]


def _stored(container: Container) -> list[tuple[str, date, Decimal]]:
    with container.uow() as uow:
        rates = uow.fx_rates.between(fx.SOURCE, date(1990, 1, 1), date(2100, 1, 1))
    return [(r.quote, r.day, r.value) for r in rates]


class TestImportRates:
    def test_a_daily_file_is_stored(self, container: Container) -> None:
        result = _import(container, "eurofxref-daily.xml")
        assert result == fx.ImportResult(1, 29, 29, 0, date(2026, 3, 2), date(2026, 3, 2))
        stored = _stored(container)
        assert len(stored) == 29
        assert ("DKK", date(2026, 3, 2), Decimal("7.4613")) in stored
        assert ("IDR", date(2026, 3, 2), Decimal("17615.42")) in stored

    def test_the_same_file_twice_adds_nothing(self, container: Container) -> None:
        _import(container, EASTER)
        before = _stored(container)
        again = _import(container, EASTER)
        assert (again.days, again.rates, again.new, again.changed) == (7, 55, 0, 0)
        assert _stored(container) == before

    def test_an_overlapping_file_adds_only_its_new_days(self, container: Container) -> None:
        _import(container, "eurofxref-daily.xml")
        result = _import(container, EASTER)
        assert (result.new, result.changed) == (55, 0)
        assert len(_stored(container)) == 29 + 55

    def test_a_corrected_rate_replaces_the_stored_one(self, container: Container) -> None:
        _import(container, "eurofxref-daily.xml")
        result = _import(container, "eurofxref-daily-corrected.xml")
        assert (result.new, result.changed) == (0, 1)
        with container.uow() as uow:
            assert fx.rate_on(uow, "DKK", date(2026, 3, 2)) == (Decimal("7.4614"), date(2026, 3, 2))

    def test_a_dry_run_counts_but_writes_nothing(self, container: Container) -> None:
        result = _import(container, EASTER, dry_run=True)
        assert (result.days, result.rates, result.new) == (7, 55, 55)
        assert _stored(container) == []

    def test_the_historic_file_keeps_old_currencies(self, container: Container) -> None:
        result = _import(container, "eurofxref-hist-1999.xml")
        assert (result.days, result.new, result.first_day) == (3, 24, date(1999, 1, 4))
        assert ("GRD", date(1999, 1, 4), Decimal("327.15")) in _stored(container)

    def test_progress_is_reported_up_to_the_total(self, container: Container) -> None:
        seen: list[tuple[int, int]] = []
        _import(container, EASTER, on_progress=lambda done, total: seen.append((done, total)))
        assert seen[-1] == (55, 55)
        assert all(total == 55 for _, total in seen)

    def test_the_import_is_audited(self, container: Container) -> None:
        _import(container, EASTER)
        with container.uow() as uow:
            since = container.clock.now() - timedelta(minutes=5)
            times = uow.audit_log.times_since(
                "fx_rates.imported", "fx_rates", "ECB 2026-03-27..2026-04-08", since
            )
        assert len(times) == 1

    @pytest.mark.parametrize("name", ["invalid-rate.xml", "invalid-not-ecb.xml", "invalid-truncated.xml"])
    def test_a_bad_file_is_refused_with_its_line_and_nothing_is_written(
        self, container: Container, name: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            _import(container, name)
        assert caught.value.code == "fx.file_invalid"
        assert "not an ECB reference rates file: line " in caught.value.detail
        assert caught.value.errors[0].field == "file"
        assert _stored(container) == []


class TestRateOn:
    @pytest.mark.parametrize(
        ("day", "rate", "rate_day"),
        [
            (date(2026, 4, 2), "1.0768", date(2026, 4, 2)),  # a TARGET day: its own rate
            (date(2026, 4, 3), "1.0768", date(2026, 4, 2)),  # Good Friday
            (date(2026, 4, 5), "1.0768", date(2026, 4, 2)),  # Easter Sunday
            (date(2026, 4, 6), "1.0768", date(2026, 4, 2)),  # Easter Monday: four days back
            (date(2026, 3, 29), "1.0850", date(2026, 3, 27)),  # a weekend
            (date(2026, 4, 18), "1.0790", date(2026, 4, 8)),  # ten days after the last rate: still found
        ],
    )
    def test_the_latest_rate_on_or_before_the_day(
        self, container: Container, day: date, rate: str, rate_day: date
    ) -> None:
        _import(container, EASTER)
        with container.uow() as uow:
            assert fx.rate_on(uow, "USD", day) == (Decimal(rate), rate_day)

    @pytest.mark.parametrize(
        ("code", "day"),
        [("USD", date(2026, 4, 19)), ("USD", date(2026, 3, 26)), ("PLN", date(2026, 4, 8))],
    )
    def test_no_rate_within_ten_days_is_not_found(self, container: Container, code: str, day: date) -> None:
        _import(container, EASTER)
        with container.uow() as uow, pytest.raises(NotFound) as caught:
            fx.rate_on(uow, code, day)
        assert caught.value.code == "fx.rate_not_found"
        assert f"no ECB rate for {code} on {day} or in the 10 days before" in caught.value.detail

    def test_the_euro_is_one_on_any_day(self, container: Container) -> None:
        with container.uow() as uow:
            assert fx.rate_on(uow, "EUR", date(2026, 4, 5)) == (Decimal(1), date(2026, 4, 5))

    def test_an_unknown_currency_is_invalid_input(self, container: Container) -> None:
        with container.uow() as uow, pytest.raises(InvalidInput) as caught:
            fx.rate_on(uow, "XYZ", date(2026, 4, 5))
        assert caught.value.code == "currency.unknown"


class TestConvertOn:
    def test_euro_to_crowns_over_easter(self, container: Container) -> None:
        _import(container, EASTER)
        with container.uow() as uow:
            conversion = fx.convert_on(uow, 10_000, "EUR", "DKK", date(2026, 4, 6))
        assert conversion == fx.Conversion(74_611, Decimal("7.4611"), date(2026, 4, 2))

    def test_a_cross_rate_uses_one_day_that_has_both_currencies(self, container: Container) -> None:
        _import(container, EASTER)  # ISK has no rate on 8 April, so 7 April's rates are used for both
        with container.uow() as uow:
            conversion = fx.convert_on(uow, 1_000, "ISK", "DKK", date(2026, 4, 8))  # ISK has no decimals
        assert conversion.rate_date == date(2026, 4, 7)
        assert conversion.amount_minor == 4_938  # 1000 ISK / 151.10 * 7.4609 = 49.377... DKK
        assert conversion.rate == Decimal("0.04937723362")

    def test_crowns_to_yen_have_no_decimals(self, container: Container) -> None:
        _import(container, EASTER)
        with container.uow() as uow:
            conversion = fx.convert_on(uow, 100_000, "DKK", "JPY", date(2026, 4, 8))
        assert conversion.amount_minor == 21_583  # 1000 DKK / 7.4606 * 161.02 = 21582.71 JPY

    def test_the_same_currency_needs_no_rate(self, container: Container) -> None:
        with container.uow() as uow:
            conversion = fx.convert_on(uow, 12_345, "DKK", "DKK", date(2026, 4, 8))
        assert conversion == fx.Conversion(12_345, Decimal(1), date(2026, 4, 8))

    def test_a_currency_without_rates_is_not_found(self, container: Container) -> None:
        _import(container, EASTER)
        with container.uow() as uow, pytest.raises(NotFound, match="no ECB rate for PLN"):
            fx.convert_on(uow, 100, "PLN", "DKK", date(2026, 4, 8))

    def test_both_currencies_must_be_known(self, container: Container) -> None:
        with container.uow() as uow, pytest.raises(InvalidInput) as caught:
            fx.convert_on(uow, 100, "DKK", "ABC", date(2026, 4, 8))
        assert caught.value.errors[0].field == "to_currency"


def test_a_conversion_is_stable_for_an_old_date(container: Container) -> None:
    """Rates stay where they were stored: a payment executed in 1999 converts the same way today."""
    _import(container, "eurofxref-hist-1999.xml")
    with container.uow() as uow:
        conversion = fx.convert_on(uow, 100_000, "EUR", "DKK", date(1999, 1, 9))
    assert conversion == fx.Conversion(744_520, Decimal("7.4452"), date(1999, 1, 6))
