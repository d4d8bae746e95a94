"""The ``fx_rates`` table: dated reference rates by source (``ECB``), 1 EUR = ``rate`` units of ``currency``.

Rates are stored as their exact decimal text, so nothing is lost between the ECB file and a conversion.
Rows are shared by every organisation (a reference rate is a public fact), hence no ``organisation_id``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from betal.adapters.db.orm_ledger import FxRateRow
from betal.adapters.db.upsert import insert_for
from betal.domain.fx import Rate


class SqlAlchemyFxRateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def between(
        self, source: str, start: date, end: date, currencies: Collection[str] | None = None
    ) -> list[Rate]:
        """Rates dated ``start`` to ``end`` inclusive (of ``currencies``, or all), by day then currency."""
        query = select(FxRateRow.currency, FxRateRow.rate_date, FxRateRow.rate).where(
            FxRateRow.source == source, FxRateRow.rate_date >= start, FxRateRow.rate_date <= end
        )
        if currencies is not None:
            query = query.where(FxRateRow.currency.in_(sorted(currencies)))
        rows = self.session.execute(query.order_by(FxRateRow.rate_date, FxRateRow.currency))
        return [Rate(code, day, Decimal(rate)) for code, day, rate in rows]  # plain rows: a history is 200k

    def add(self, source: str, rates: Sequence[Rate], now: datetime) -> None:
        """Insert ``rates``; a row that another writer added meanwhile is left as it is."""
        if not rates:
            return
        values = [
            {"source": source, "currency": r.quote, "rate_date": r.day, "rate": format(r.value, "f"),
             "scale": 0, "created_at": now}
            for r in rates
        ]  # fmt: skip
        table = FxRateRow.__table__  # a Core insert: the ORM's bulk path is slow for a 200k-rate history
        self.session.execute(insert_for(self.session)(table).on_conflict_do_nothing(), values)

    def change(self, source: str, rate: Rate) -> None:
        """Replace the stored value of ``rate``'s day and currency (the source corrected it)."""
        self.session.execute(
            update(FxRateRow)
            .where(
                FxRateRow.source == source,
                FxRateRow.currency == rate.quote,
                FxRateRow.rate_date == rate.day,
            )
            .values(rate=format(rate.value, "f"))
        )
