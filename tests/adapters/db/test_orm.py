"""The schema's shape: naming conventions, tenant columns, money and time types."""

from __future__ import annotations

from betal.adapters.db.schema import metadata as _metadata
from betal.adapters.db.types import UtcDateTime

GLOBAL_TABLES = {
    "fx_rates",
    "users",
    "job_schedules",
    "web_sessions",
    "organisations",
    "provider_events",
    "sandbox_objects",
    "one_time_codes",
    "payer_sessions",
    "installation_keys",
}


class TestSchema:
    def test_tenant_tables_carry_organisation_id(self) -> None:
        for name, table in _metadata.tables.items():
            if name not in GLOBAL_TABLES:
                assert "organisation_id" in table.c, f"{name} holds tenant data without organisation_id"

    def test_tables_are_plural_and_constraints_named(self) -> None:
        for name, table in _metadata.tables.items():
            assert name.endswith("s") or name in {"audit_log"}, name
            for constraint in table.constraints:
                assert constraint.name, f"unnamed constraint on {name}"

    def test_timestamps_are_utc_columns(self) -> None:
        for table in _metadata.tables.values():
            for column in table.c:
                if column.name.endswith("_at"):
                    assert isinstance(column.type, UtcDateTime), f"{table.name}.{column.name}"

    def test_event_sequence_unique_per_organisation(self) -> None:
        events = _metadata.tables["events"]
        uniques = [
            {c.name for c in u.columns}
            for u in events.constraints
            if u.__class__.__name__ == "UniqueConstraint"
        ]
        assert {"organisation_id", "sequence"} in uniques
