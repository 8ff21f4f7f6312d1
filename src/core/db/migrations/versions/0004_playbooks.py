"""playbooks: each buyer's recorded flow per portal domain (RLS like every table).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
POSTGRES_ONLY = (
    "grant select, insert, update, delete on table playbooks to authenticated, service_role",
    "alter table playbooks enable row level security",
    'create policy "playbooks_own_rows" on playbooks for all to authenticated '
    "using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()))",
)


def upgrade() -> None:
    op.create_table(
        "playbooks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("actions", JSON, nullable=False),
        sa.Column("learned_by", sa.String(32), nullable=False),
        sa.Column("successes", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_playbooks"),
        sa.UniqueConstraint("user_id", "domain", name="uq_playbooks_user_domain"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_playbooks_user_id_users", ondelete="CASCADE"
        ),
    )
    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRES_ONLY:
            op.execute(sa.text(statement))


def downgrade() -> None:
    op.drop_table("playbooks")
