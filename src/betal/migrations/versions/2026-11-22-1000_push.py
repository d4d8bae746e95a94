"""push

Revision ID: b4e1a0c0d001
Revises: c3fa867fe583
Create Date: 2026-11-22 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import betal.adapters.db.types

revision: str = 'b4e1a0c0d001'
down_revision: str | None = 'c3fa867fe583'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('installation_keys',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('private_key', sa.Text(), nullable=False),
    sa.Column('public_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', betal.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_installation_keys'))
    )
    op.create_table('push_subscriptions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('organisation_id', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=False),
    sa.Column('endpoint', sa.String(length=1000), nullable=False),
    sa.Column('p256dh', sa.String(length=100), nullable=False),
    sa.Column('auth', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', betal.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expired_at', betal.adapters.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_push_subscriptions_customer_id_customers')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_push_subscriptions_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions')),
    sa.UniqueConstraint('organisation_id', 'customer_id', 'endpoint', name=op.f('uq_push_subscriptions_organisation_id_customer_id_endpoint'))
    )
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscriptions_endpoint'), ['endpoint'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_endpoint'))

    op.drop_table('push_subscriptions')
    op.drop_table('installation_keys')
