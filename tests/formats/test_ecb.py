"""ECB reference rates files: daily, 90-day and historic shapes, exact decimals, clear errors, round trip."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.formats import ecb

DATA = Path(__file__).parent / "data" / "ecb"


def _read(name: str) -> list[ecb.DailyRates]:
    return ecb.read((DATA / name).read_bytes())


class TestRead:
    def test_the_daily_file_holds_one_day_with_exact_rates(self) -> None:
        [day] = _read("eurofxref-daily.xml")
        assert day.day == date(2026, 3, 2)
        assert len(day.rates) == 29
        assert day.rates["DKK"] == Decimal("7.4613")
        assert day.rates["JPY"] == Decimal("162.37")
        assert day.rates["IDR"] == Decimal("17615.42")
        assert all(isinstance(v, Decimal) for v in day.rates.values())
        assert "EUR" not in day.rates  # the base is implied

    def test_a_multi_day_file_comes_back_oldest_first(self) -> None:
        days = _read("eurofxref-hist-90d-easter.xml")  # the file lists the newest day first
        assert [d.day for d in days] == [
            date(2026, 3, 27), date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 2),
            date(2026, 4, 7), date(2026, 4, 8),
        ]  # fmt: skip
        assert "ISK" not in days[-1].rates  # a currency may be missing on a day
        assert days[-1].rates["USD"] == Decimal("1.0790")

    def test_the_historic_file_keeps_currencies_that_no_longer_exist(self) -> None:
        days = _read("eurofxref-hist-1999.xml")
        assert days[0].day == date(1999, 1, 4)
        assert days[0].rates["USD"] == Decimal("1.1789")
        assert days[0].rates["GRD"] == Decimal("327.15")
        assert days[0].rates["CYP"] == Decimal("0.58231")

    @pytest.mark.parametrize(
        ("name", "line", "reason"),
        [
            ("invalid-not-ecb.xml", 2, "not an ECB rates file"),
            ("invalid-rate.xml", 7, "rate 'N/A' for JPY is not a positive decimal number"),
            ("invalid-date.xml", 4, "Cube time '02.03.2026' is not a date"),
            ("invalid-truncated.xml", 6, "Premature end of data"),
        ],
    )
    def test_a_bad_file_names_the_line_and_the_problem(self, name: str, line: int, reason: str) -> None:
        with pytest.raises(ecb.EcbError) as caught:
            _read(name)
        assert caught.value.line == line
        assert reason in caught.value.reason
        assert str(caught.value).startswith(f"line {line}: ")

    @pytest.mark.parametrize(
        ("cubes", "reason"),
        [
            ("<Cube time='2026-03-02'><Cube currency='usd' rate='1.1'/></Cube>", "not a three-letter code"),
            ("<Cube time='2026-03-02'><Cube currency='USD' rate='0'/></Cube>", "not a positive decimal"),
            ("<Cube time='2026-03-02'><Cube currency='USD' rate='-1.1'/></Cube>", "not a positive decimal"),
            ("<Cube time='2026-03-02'><Cube currency='USD' rate='1e3'/></Cube>", "not a positive decimal"),
            (
                "<Cube time='2026-03-02'><Cube currency='USD' rate='1.1'/>"
                "<Cube currency='USD' rate='1.2'/></Cube>",
                "USD appears twice on 2026-03-02",
            ),
            (
                "<Cube time='2026-03-02'><Cube currency='USD' rate='1.1'/></Cube>"
                "<Cube time='2026-03-02'><Cube currency='USD' rate='1.1'/></Cube>",
                "2026-03-02 appears twice",
            ),
        ],
    )
    def test_bad_values_are_refused(self, cubes: str, reason: str) -> None:
        data = (
            f'<gesmes:Envelope xmlns:gesmes="{ecb.GESMES}" xmlns="{ecb.EUROFXREF}"><Cube>{cubes}</Cube>'
            "</gesmes:Envelope>"
        ).encode()
        with pytest.raises(ecb.EcbError, match=reason):
            ecb.read(data)

    def test_an_envelope_without_rates_is_refused(self) -> None:
        data = f'<gesmes:Envelope xmlns:gesmes="{ecb.GESMES}"/>'.encode()
        with pytest.raises(ecb.EcbError, match="no Cube of rates"):
            ecb.read(data)

    def test_entities_are_refused(self) -> None:
        data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
        with pytest.raises(ecb.EcbError, match="DTD or entity"):
            ecb.read(data)


class TestWrite:
    def test_a_file_read_and_written_reads_the_same(self) -> None:
        days = _read("eurofxref-hist-90d-easter.xml")
        assert ecb.read(ecb.write(days)) == days

    def test_the_newest_day_comes_first_as_the_ecb_writes_it(self) -> None:
        text = ecb.write(_read("eurofxref-hist-1999.xml")).decode()
        assert text.index('time="1999-01-06"') < text.index('time="1999-01-04"')
        assert "<gesmes:name>European Central Bank</gesmes:name>" in text

    @given(
        st.dictionaries(
            st.dates(min_value=date(1999, 1, 4), max_value=date(2100, 1, 1)),
            st.dictionaries(
                st.from_regex(r"[A-Z]{3}", fullmatch=True),
                st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999999"), places=4),
                min_size=1,
                max_size=5,
            ),
            max_size=5,
        )
    )
    def test_any_rates_round_trip(self, rates: dict[date, dict[str, Decimal]]) -> None:
        days = [ecb.DailyRates(day, values) for day, values in sorted(rates.items())]
        assert ecb.read(ecb.write(days)) == days
