"""events and audit_log are append-only: the database refuses UPDATE and DELETE on them

Revision ID: 5e1f0a7c2b13
Revises: a9e09f37460c
Create Date: 2026-11-22 13:00:00

DESIGN.md "Core entities": events are immutable and ordered per organisation; the audit log is
append-only. The issue on events: "events are kept and never changed". A trigger on each table makes
any UPDATE or DELETE fail, whatever code or person runs it (on PostgreSQL a superuser can still drop the
trigger on purpose; that is an operator's act, visible in the schema).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '5e1f0a7c2b13'
down_revision: str | None = 'a9e09f37460c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("events", "audit_log")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION betal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
            END $$
            """
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION betal_append_only()"
            )
        return
    for table in TABLES:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION betal_append_only()")
        return
    for table in TABLES:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{action}")
