"""Invoices by e-mail: each buyer's inbound address, the profile's delivery choice, tasks
that wait for the e-mail, invoices (and their files) kept without a task, and the log of
received messages that makes a redelivered e-mail a no-op.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRES_ONLY = (
    "grant select, insert, update, delete on table inbound_messages to authenticated, service_role",
    "alter table inbound_messages enable row level security",
    'create policy "inbound_messages_own_rows" on inbound_messages for all to authenticated '
    "using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()))",
)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("inbound_local_part", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_users_inbound_local_part", ["inbound_local_part"])
    with op.batch_alter_table("fiscal_profiles") as batch:
        batch.add_column(sa.Column("use_inbound_email", sa.Boolean(), nullable=True))
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(
            sa.Column("awaiting_email_until", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("invoices") as batch:
        batch.alter_column("task_id", existing_type=sa.Uuid(), nullable=True)
        batch.add_column(
            sa.Column("source", sa.String(16), nullable=False, server_default="portal")
        )
        batch.add_column(sa.Column("issued_at", sa.String(32), nullable=True))
    with op.batch_alter_table("artifacts") as batch:
        batch.alter_column("task_id", existing_type=sa.Uuid(), nullable=True)
    op.create_index("ix_tasks_awaiting_email", "tasks", ["status", "awaiting_email_until"])
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("invoices", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_messages"),
        sa.UniqueConstraint("user_id", "sha256", name="uq_inbound_messages_user_sha256"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_inbound_messages_user_id_users", ondelete="CASCADE"
        ),
    )
    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRES_ONLY:
            op.execute(sa.text(statement))


def downgrade() -> None:
    op.drop_table("inbound_messages")
    op.drop_index("ix_tasks_awaiting_email", "tasks")
    op.execute(sa.text("delete from invoices where task_id is null"))
    op.execute(sa.text("delete from artifacts where task_id is null"))
    with op.batch_alter_table("artifacts") as batch:
        batch.alter_column("task_id", existing_type=sa.Uuid(), nullable=False)
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("issued_at")
        batch.drop_column("source")
        batch.alter_column("task_id", existing_type=sa.Uuid(), nullable=False)
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("awaiting_email_until")
    with op.batch_alter_table("fiscal_profiles") as batch:
        batch.drop_column("use_inbound_email")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_inbound_local_part", type_="unique")
        batch.drop_column("inbound_local_part")
