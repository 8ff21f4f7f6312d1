"""invoices (one per task, RLS like every table) and tasks.require_confirmation.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
POSTGRES_ONLY = (
    "grant select, insert, update, delete on table invoices to authenticated, service_role",
    "alter table invoices enable row level security",
    'create policy "invoices_own_rows" on invoices for all to authenticated '
    "using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()))",
)


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(
            sa.Column("require_confirmation", sa.Boolean(), nullable=False, server_default="0")
        )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("total", sa.String(20), nullable=False),
        sa.Column("issuer_rfc", sa.String(13), nullable=False),
        sa.Column("issuer_name", sa.Text(), nullable=True),
        sa.Column("receptor_rfc", sa.Text(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("mismatches", JSON, nullable=False),
        sa.Column("xml_artifact_id", sa.Uuid(), nullable=True),
        sa.Column("pdf_artifact_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invoices"),
        sa.UniqueConstraint("task_id", name="uq_invoices_task_id"),
        sa.ForeignKeyConstraint(
            ["task_id", "user_id"],
            ["tasks.id", "tasks.user_id"],
            name="fk_invoices_task_owner",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_invoices_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["xml_artifact_id"],
            ["artifacts.id"],
            name="fk_invoices_xml_artifact_id_artifacts",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pdf_artifact_id"],
            ["artifacts.id"],
            name="fk_invoices_pdf_artifact_id_artifacts",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_invoices_user_id", "invoices", ["user_id"])
    op.create_index("ix_invoices_uuid", "invoices", ["uuid"])
    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRES_ONLY:
            op.execute(sa.text(statement))


def downgrade() -> None:
    op.drop_table("invoices")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("require_confirmation")
