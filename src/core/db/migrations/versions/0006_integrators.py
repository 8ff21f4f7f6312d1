"""For integrators: API keys (hashed), createTask idempotency keys, webhook endpoints,
their deliveries and each attempt (the delivery log). RLS on all, like every table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TABLES = ("api_keys", "idempotency_keys", "webhooks", "webhook_deliveries", "webhook_attempts")


def _postgres_only(table: str) -> tuple[str, ...]:
    return (
        f"grant select, insert, update, delete on table {table} to authenticated, service_role",
        f"alter table {table} enable row level security",
        f'create policy "{table}_own_rows" on {table} for all to authenticated '
        "using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()))",
    )


def _owned(table: str, *columns: sa.Column[object], **kwargs: object) -> None:
    """A table with id, user_id (cascading) and created_at around `columns`."""
    op.create_table(
        table,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        *columns,
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE"
        ),
        *kwargs.get("constraints", ()),  # type: ignore[misc]
    )
    op.create_index(f"ix_{table}_user_id", table, ["user_id"])


def upgrade() -> None:
    _owned(
        "api_keys",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        constraints=(sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),),
    )
    _owned(
        "idempotency_keys",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        constraints=(
            sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),
            sa.ForeignKeyConstraint(
                ["task_id", "user_id"],
                ["tasks.id", "tasks.user_id"],
                name="fk_idempotency_keys_task_owner",
                ondelete="CASCADE",
            ),
        ),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    _owned(
        "webhooks",
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("events", JSON, nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    _owned(
        "webhook_deliveries",
        sa.Column("webhook_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("event", sa.String(48), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replay_of", sa.Uuid(), nullable=True),
        constraints=(
            sa.ForeignKeyConstraint(
                ["webhook_id"],
                ["webhooks.id"],
                name="fk_webhook_deliveries_webhook_id_webhooks",
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["task_id"],
                ["tasks.id"],
                name="fk_webhook_deliveries_task_id_tasks",
                ondelete="SET NULL",
            ),
        ),
    )
    op.create_index("ix_webhook_deliveries_webhook_id", "webhook_deliveries", ["webhook_id"])
    op.create_index(
        "ix_webhook_deliveries_state_next", "webhook_deliveries", ["state", "next_attempt_at"]
    )
    _owned(
        "webhook_attempts",
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        constraints=(
            sa.ForeignKeyConstraint(
                ["delivery_id"],
                ["webhook_deliveries.id"],
                name="fk_webhook_attempts_delivery_id_webhook_deliveries",
                ondelete="CASCADE",
            ),
        ),
    )
    op.create_index("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"])
    if op.get_context().dialect.name == "postgresql":
        for table in TABLES:
            for statement in _postgres_only(table):
                op.execute(sa.text(statement))


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
