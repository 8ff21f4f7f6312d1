"""Initial schema: users, fiscal_profiles, tasks, task_events, artifacts.

On Postgres also: the Supabase shim (schema auth, roles, auth.uid()/auth.jwt(), each only
if missing, so a real Supabase project keeps its own), grants to `authenticated` and
`service_role`, and row-level security with one `for all` policy per table.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("users", "fiscal_profiles", "tasks", "task_events", "artifacts")

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# Each statement is idempotent and checks the catalog first, so nothing Supabase already
# has (schema auth, its roles, auth.users, auth.uid(), auth.jwt()) is touched or replaced.
SUPABASE_SHIM: tuple[str, ...] = (
    """
    do $shim$
    begin
      if not exists (select 1 from pg_namespace where nspname = 'auth') then
        create schema auth;
      end if;
    end
    $shim$
    """,
    """
    do $shim$
    declare
      r text;
    begin
      foreach r in array array['anon', 'authenticated', 'service_role'] loop
        if not exists (select 1 from pg_roles where rolname = r) then
          begin
            execute format(
              'create role %I nologin noinherit%s',
              r, case when r = 'service_role' then ' bypassrls' else '' end
            );
          exception when duplicate_object or unique_violation then
            null;  -- created concurrently (roles are cluster-wide)
          end;
        end if;
      end loop;
      -- Database.session(user_id) switches to `authenticated`; the owner must be a member.
      if not pg_has_role(current_user, 'authenticated', 'member') then
        execute format('grant authenticated to %I', current_user);
      end if;
    end
    $shim$
    """,
    """
    do $shim$
    begin
      if to_regclass('auth.users') is null then
        create table auth.users (id uuid primary key, email text);
      end if;
    end
    $shim$
    """,
    """
    do $shim$
    begin
      if not exists (
        select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'auth' and p.proname = 'uid'
      ) then
        create function auth.uid() returns uuid language sql stable as $fn$
          select coalesce(
            nullif(current_setting('request.jwt.claim.sub', true), ''),
            (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
          )::uuid
        $fn$;
      end if;
      if not exists (
        select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'auth' and p.proname = 'jwt'
      ) then
        create function auth.jwt() returns jsonb language sql stable as $fn$
          select coalesce(
            nullif(current_setting('request.jwt.claim', true), ''),
            nullif(current_setting('request.jwt.claims', true), '')
          )::jsonb
        $fn$;
      end if;
    end
    $shim$
    """,
    """
    do $shim$
    declare
      r text;
      s text;
    begin
      foreach r in array array['anon', 'authenticated', 'service_role'] loop
        foreach s in array array['auth', 'public'] loop
          if not has_schema_privilege(r, s, 'usage') then
            execute format('grant usage on schema %I to %I', s, r);
          end if;
        end loop;
      end loop;
    end
    $shim$
    """,
)


def _grants() -> list[str]:
    tables = ", ".join(TABLES)
    return [
        f"grant select, insert, update, delete on table {tables} to authenticated, service_role",
        "grant usage on sequence task_events_id_seq to authenticated, service_role",
    ]


def _row_level_security() -> list[str]:
    statements: list[str] = []
    for table in TABLES:
        owner = "id" if table == "users" else "user_id"
        name = "users_own_row" if table == "users" else f"{table}_own_rows"
        statements += [
            f"alter table {table} enable row level security",
            f'create policy "{name}" on {table} for all to authenticated '
            f"using ({owner} = (select auth.uid())) "
            f"with check ({owner} = (select auth.uid()))",
        ]
    return statements


def _create_tables() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "fiscal_profiles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tax_id", sa.Text(), nullable=False),
        sa.Column("legal_name", sa.Text(), nullable=False),
        sa.Column("zip", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("tax_system", sa.String(3), nullable=False),
        sa.Column("cfdi_use", sa.String(4), nullable=False),
        sa.Column("tax_id_confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fiscal_profiles"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_fiscal_profiles_user_id_users",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_fiscal_profiles_user_id", "fiscal_profiles", ["user_id"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("fiscal_profile_id", sa.Uuid(), nullable=True),
        sa.Column("vendor_url", sa.String(2048), nullable=False),
        sa.Column("ticket", JSON, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("failure_code", sa.String(48), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("intervention_reason", sa.String(48), nullable=True),
        sa.Column("live_url", sa.String(2048), nullable=True),
        sa.Column("engine", sa.String(32), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
        sa.UniqueConstraint("id", "user_id", name="uq_tasks_id_user"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_tasks_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_profile_id"],
            ["fiscal_profiles.id"],
            name="fk_tasks_fiscal_profile_id_fiscal_profiles",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_tasks_fiscal_profile_id", "tasks", ["fiscal_profile_id"])
    op.create_index("ix_tasks_user_created", "tasks", ["user_id", "created_at", "id"])
    op.create_index("ix_tasks_user_status", "tasks", ["user_id", "status"])
    op.create_table(
        "task_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_task_events"),
        sa.UniqueConstraint("task_id", "seq", name="uq_task_events_task_seq"),
        sa.ForeignKeyConstraint(
            ["task_id", "user_id"],
            ["tasks.id", "tasks.user_id"],
            name="fk_task_events_task_owner",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_task_events_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_task_events_user_id", "task_events", ["user_id"])
    op.create_table(
        "artifacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(127), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(1024), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_artifacts"),
        sa.ForeignKeyConstraint(
            ["task_id", "user_id"],
            ["tasks.id", "tasks.user_id"],
            name="fk_artifacts_task_owner",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_artifacts_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_artifacts_task_id", "artifacts", ["task_id"])
    op.create_index("ix_artifacts_user_id", "artifacts", ["user_id"])


def upgrade() -> None:
    _create_tables()
    if op.get_context().dialect.name != "postgresql":
        return
    for statement in (*SUPABASE_SHIM, *_grants(), *_row_level_security()):
        op.execute(sa.text(statement))


def downgrade() -> None:
    # Dropping a table drops its indexes, policies, grants and (task_events) its sequence.
    # The shim's schema, roles and functions stay: on Supabase they are Supabase's.
    for table in reversed(TABLES):
        op.drop_table(table)
