"""Receivables tables: money as BIGINT minor units + CHAR(3), unique FI ids and provider references."""

from __future__ import annotations

from sqlalchemy import BigInteger

from betal.adapters.db.orm_receivables import PaymentRequestRow, PaymentRow


class TestReceivablesSchema:
    def test_money_columns(self) -> None:
        for table in (PaymentRequestRow.__table__, PaymentRow.__table__):
            assert isinstance(table.c.amount_minor.type, BigInteger)
            assert table.c.currency.type.length == 3  # type: ignore[attr-defined]

    def test_uniqueness(self) -> None:
        def uniques(table: object) -> list[set[str]]:
            return [
                {c.name for c in u.columns}
                for u in table.constraints
                if u.__class__.__name__ == "UniqueConstraint"
            ]  # type: ignore[attr-defined]

        assert {"organisation_id", "fi_payment_id"} in uniques(PaymentRequestRow.__table__)
        assert {"provider", "provider_reference"} in uniques(PaymentRow.__table__)
