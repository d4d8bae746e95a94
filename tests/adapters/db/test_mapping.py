"""Rows to frozen domain dataclasses and back, enums included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

from betal.adapters.db.mapping import to_columns, to_domain
from betal.domain.tenancy import Membership, Role


@dataclass(frozen=True)
class Thing:
    id: str
    role: Role | None


class TestMapping:
    def test_enum_fields_are_converted(self) -> None:
        row = SimpleNamespace(
            id="mem_1", user_id="u", organisation_id="o", role="approver", created_at=datetime.now(UTC)
        )
        membership = to_domain(Membership, row)
        assert membership.role is Role.APPROVER
        assert to_columns(membership)["role"] == "approver"

    def test_optional_enum_left_alone_when_none(self) -> None:
        assert to_domain(Thing, SimpleNamespace(id="x", role=None)) == Thing("x", None)
