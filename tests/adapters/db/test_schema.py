"""The schema module registers every table of every model module."""

from __future__ import annotations

from betal.adapters.db.schema import MODULES, metadata


class TestSchema:
    def test_all_model_tables_registered(self) -> None:
        tables = {
            model.__tablename__
            for module in MODULES
            for model in vars(module).values()
            if isinstance(model, type) and hasattr(model, "__tablename__")
        }
        assert tables == set(metadata.tables)
        assert {"organisations", "payment_requests", "sandbox_objects"} <= tables
