"""Row-level security on Postgres: the second wall behind the repositories' own scoping.

Rows are inserted as the owner (postgres, not subject to RLS); the checks then run in raw
SQL transactions that `set local role authenticated` with a user's JWT claims, exactly as
Supabase's PostgREST does and as Database.session(user_id) does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import TextClause, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from autofactura.core.db import Database
from autofactura.core.db.migrate import script
from autofactura.core.db.models import Base, Task

pytestmark = pytest.mark.distributed

OWNER_COLUMN = {"users": "id"}  # every other table is owned through user_id
TABLES = sorted(Base.metadata.tables)


def owner_column(table: str) -> str:
    return OWNER_COLUMN.get(table, "user_id")


@dataclass(frozen=True)
class Rows:
    a: uuid.UUID
    b: uuid.UUID
    ids: dict[str, object]  # A's row id in each table


@pytest.fixture(scope="module")
async def engine(database_url: str, database: Database) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        pytest.skip("row-level security is Postgres only (distributed mode)")
    engine: AsyncEngine = database.engine
    return engine


@pytest.fixture(scope="module")
async def rows(engine: AsyncEngine) -> AsyncIterator[Rows]:
    a, b = uuid.uuid4(), uuid.uuid4()
    profile, task, artifact, invoice = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    playbook, message = uuid.uuid4(), uuid.uuid4()
    key, idempotency, hook, delivery, attempt = (uuid.uuid4() for _ in range(5))
    async with engine.begin() as conn:
        for user in (a, b):
            await conn.execute(
                text("insert into users (id, email, created_at) values (:id, :email, now())"),
                {"id": user, "email": f"{user}@rls.test"},
            )
        await conn.execute(_insert("fiscal_profiles"), {"id": profile, "user": a})
        await conn.execute(_insert("tasks"), {"id": task, "user": a, "profile": profile})
        event = (
            await conn.execute(_insert("task_events"), {"user": a, "task": task, "seq": 1})
        ).scalar_one()
        await conn.execute(_insert("artifacts"), {"id": artifact, "user": a, "task": task})
        await conn.execute(_insert("invoices"), {"id": invoice, "user": a, "task": task})
        await conn.execute(_insert("playbooks"), {"id": playbook, "user": a})
        await conn.execute(_insert("inbound_messages"), {"id": message, "user": a})
        await conn.execute(_insert("api_keys"), {"id": key, "user": a})
        await conn.execute(
            _insert("idempotency_keys"), {"id": idempotency, "user": a, "task": task}
        )
        await conn.execute(_insert("webhooks"), {"id": hook, "user": a})
        await conn.execute(_insert("webhook_deliveries"), {"id": delivery, "user": a, "hook": hook})
        await conn.execute(
            _insert("webhook_attempts"), {"id": attempt, "user": a, "delivery": delivery}
        )
    ids: dict[str, object] = {
        "users": a,
        "fiscal_profiles": profile,
        "tasks": task,
        "task_events": event,
        "artifacts": artifact,
        "invoices": invoice,
        "playbooks": playbook,
        "inbound_messages": message,
        "api_keys": key,
        "idempotency_keys": idempotency,
        "webhooks": hook,
        "webhook_deliveries": delivery,
        "webhook_attempts": attempt,
    }
    yield Rows(a=a, b=b, ids=ids)
    async with engine.begin() as conn:
        await conn.execute(text("delete from users where id in (:a, :b)"), {"a": a, "b": b})


def _insert(table: str) -> TextClause:
    sql = {
        "users": "insert into users (id, email, created_at) values (:id, :email, now())",
        "fiscal_profiles": (
            "insert into fiscal_profiles (id, user_id, tax_id, legal_name, zip, email, "
            "tax_system, cfdi_use, tax_id_confirmed, created_at, updated_at) values "
            "(:id, :user, 'v1:ct-rfc', 'v1:ct-name', 'v1:ct-zip', 'v1:ct-mail', '601', "
            "'G03', false, now(), now())"
        ),
        "tasks": (
            "insert into tasks (id, user_id, fiscal_profile_id, vendor_url, ticket, status, "
            "attempt, created_at, updated_at) values (:id, :user, :profile, "
            "'https://facturacion.example.mx', '{\"folio\": \"1\"}'::jsonb, 'pending', 1, "
            "now(), now())"
        ),
        "task_events": (
            "insert into task_events (task_id, user_id, seq, type, payload, created_at) "
            "values (:task, :user, :seq, 'status', '{}'::jsonb, now()) returning id"
        ),
        "artifacts": (
            "insert into artifacts (id, task_id, user_id, kind, name, content_type, size, "
            "sha256, storage_key, created_at) values (:id, :task, :user, 'pdf', 'f.pdf', "
            "'application/pdf', 1, repeat('0', 64), 'k/f.pdf', now())"
        ),
        "invoices": (
            "insert into invoices (id, task_id, user_id, uuid, total, issuer_rfc, receptor_rfc, "
            "verified, mismatches, created_at) values (:id, :task, :user, "
            "'6F1C9A4E-2D3B-4C5A-9E8F-0A1B2C3D4E5F', '100.00', 'EKU9003173C9', 'v1:ct-rfc', "
            "true, '[]'::jsonb, now())"
        ),
        "playbooks": (
            "insert into playbooks (id, user_id, domain, actions, learned_by, successes, "
            "failures, created_at, updated_at) values (:id, :user, 'facturacion.example.mx', "
            "'[{\"action\": \"finish\"}]'::jsonb, 'autofill', 0, 0, now(), now())"
        ),
        "inbound_messages": (
            "insert into inbound_messages (id, user_id, sha256, channel, invoices, matched, "
            "created_at) values (:id, :user, repeat('0', 64), 'smtp', 0, 0, now())"
        ),
        "api_keys": (
            "insert into api_keys (id, user_id, name, prefix, key_hash, scopes, created_at) "
            "values (:id, :user, 'k', left(md5(random()::text), 12), repeat('0', 64), "
            "'[\"read\"]'::jsonb, now())"
        ),
        "idempotency_keys": (
            "insert into idempotency_keys (id, user_id, key, request_hash, task_id, created_at) "
            "values (:id, :user, md5(random()::text), repeat('0', 64), :task, now())"
        ),
        "webhooks": (
            "insert into webhooks (id, user_id, url, events, secret, created_at) values "
            "(:id, :user, 'https://hooks.example.com', '[]'::jsonb, 'v1:ct', now())"
        ),
        "webhook_deliveries": (
            "insert into webhook_deliveries (id, user_id, webhook_id, event, payload, state, "
            "attempts, created_at) values (:id, :user, :hook, 'task.completed', '{}'::jsonb, "
            "'pending', 0, now())"
        ),
        "webhook_attempts": (
            "insert into webhook_attempts (id, user_id, delivery_id, attempt, duration_ms, "
            "created_at) values (:id, :user, :delivery, 1, 0, now())"
        ),
    }[table]
    return text(sql)


@asynccontextmanager
async def acting(
    engine: AsyncEngine, claims: dict[str, str] | None, setting: str = "request.jwt.claims"
) -> AsyncIterator[AsyncConnection]:
    """A transaction as role `authenticated` with `claims`; always rolled back."""
    async with engine.connect() as conn:
        await conn.execute(text("set local role authenticated"))
        if claims is not None:
            value = json.dumps(claims) if setting == "request.jwt.claims" else claims["sub"]
            await conn.execute(
                text("select set_config(:setting, :value, true)"),
                {"setting": setting, "value": value},
            )
        yield conn
        await conn.rollback()


def sub(user: uuid.UUID) -> dict[str, str]:
    return {"sub": str(user), "role": "authenticated"}


async def count(conn: AsyncConnection, table: str, where: str = "true", **params: object) -> int:
    # Table names and predicates come from this module, never from input.
    sql = f"select count(*) from {table} where {where}"  # noqa: S608
    result = await conn.execute(text(sql), params)
    return int(result.scalar_one())


def sqlstate(error: DBAPIError) -> str | None:
    orig = error.orig
    state = getattr(orig, "sqlstate", None) or getattr(
        getattr(orig, "__cause__", None), "sqlstate", None
    )
    return str(state) if state else None


async def test_every_model_table_has_rls_and_a_policy(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "select c.relname, c.relrowsecurity, count(p.policyname), "
                "has_table_privilege('authenticated', c.oid, 'select,insert,update,delete') "
                "from pg_class c left join pg_policies p "
                "on p.schemaname = 'public' and p.tablename = c.relname "
                "where c.relnamespace = 'public'::regnamespace and c.relname = any(:names) "
                "group by c.relname, c.relrowsecurity, c.oid"
            ),
            {"names": TABLES},
        )
        found = {name: (enabled, policies, granted) for name, enabled, policies, granted in result}
    assert set(found) == set(TABLES)
    for table, (enabled, policies, granted) in found.items():
        assert enabled and policies >= 1 and granted, table


async def test_other_user_sees_none_of_the_rows(engine: AsyncEngine, rows: Rows) -> None:
    async with acting(engine, sub(rows.b)) as conn:
        for table in TABLES:
            column = owner_column(table)
            assert await count(conn, table, f"{column} = :a", a=rows.a) == 0, table
            assert await count(conn, table, f"{column} <> :b", b=rows.b) == 0, table
            assert await count(conn, table, "id = :id", id=rows.ids[table]) == 0, table
        assert await count(conn, "users") == 1  # B's own row


async def test_other_user_cannot_update_or_delete(engine: AsyncEngine, rows: Rows) -> None:
    for table in TABLES:
        async with acting(engine, sub(rows.b)) as conn:
            params = {"id": rows.ids[table]}
            update = f"update {table} set created_at = now() where id = :id"  # noqa: S608
            delete = f"delete from {table} where id = :id"  # noqa: S608
            updated = await conn.execute(text(update), params)
            deleted = await conn.execute(text(delete), params)
            assert (updated.rowcount, deleted.rowcount) == (0, 0), table
            await conn.commit()
    async with engine.connect() as conn:  # as the owner: all still there
        for table in TABLES:
            assert await count(conn, table, "id = :id", id=rows.ids[table]) == 1, table


async def test_other_user_cannot_insert_rows_for_the_owner(engine: AsyncEngine, rows: Rows) -> None:
    params: dict[str, dict[str, Any]] = {
        "users": {"id": uuid.uuid4(), "email": f"{uuid.uuid4()}@rls.test"},
        "fiscal_profiles": {"id": uuid.uuid4(), "user": rows.a},
        "tasks": {"id": uuid.uuid4(), "user": rows.a, "profile": None},
        "task_events": {"task": rows.ids["tasks"], "user": rows.a, "seq": 99},
        "artifacts": {"id": uuid.uuid4(), "task": rows.ids["tasks"], "user": rows.a},
        "invoices": {"id": uuid.uuid4(), "task": rows.ids["tasks"], "user": rows.a},
        "playbooks": {"id": uuid.uuid4(), "user": rows.a},
        "inbound_messages": {"id": uuid.uuid4(), "user": rows.a},
        "api_keys": {"id": uuid.uuid4(), "user": rows.a},
        "idempotency_keys": {"id": uuid.uuid4(), "user": rows.a, "task": rows.ids["tasks"]},
        "webhooks": {"id": uuid.uuid4(), "user": rows.a},
        "webhook_deliveries": {"id": uuid.uuid4(), "user": rows.a, "hook": rows.ids["webhooks"]},
        "webhook_attempts": {
            "id": uuid.uuid4(),
            "user": rows.a,
            "delivery": rows.ids["webhook_deliveries"],
        },
    }
    for table in TABLES:
        with pytest.raises(DBAPIError) as error:
            async with acting(engine, sub(rows.b)) as conn:
                await conn.execute(_insert(table), params[table])
        assert sqlstate(error.value) == "42501", table
        assert "row-level security" in str(error.value), table


async def test_owner_sees_exactly_its_own_rows(engine: AsyncEngine, rows: Rows) -> None:
    async with acting(engine, sub(rows.a)) as conn:
        for table in TABLES:
            column = owner_column(table)
            assert await count(conn, table, f"{column} = :a", a=rows.a) == 1, table
            assert await count(conn, table, f"{column} <> :a", a=rows.a) == 0, table


async def test_owner_cannot_hand_a_row_to_another_user(engine: AsyncEngine, rows: Rows) -> None:
    with pytest.raises(DBAPIError) as error:
        async with acting(engine, sub(rows.a)) as conn:
            await conn.execute(
                text("update tasks set user_id = :b where id = :id"),
                {"b": rows.b, "id": rows.ids["tasks"]},
            )
    assert sqlstate(error.value) == "42501"


async def test_legacy_claim_sub_setting_also_works(engine: AsyncEngine, rows: Rows) -> None:
    async with acting(engine, sub(rows.a), setting="request.jwt.claim.sub") as conn:
        assert await count(conn, "tasks", "id = :id", id=rows.ids["tasks"]) == 1


@pytest.mark.parametrize("claims", [None, {"role": "authenticated"}])
async def test_without_a_subject_nothing_is_visible(
    engine: AsyncEngine, rows: Rows, claims: dict[str, str] | None
) -> None:
    async with acting(engine, claims) as conn:
        assert (await conn.execute(text("select auth.uid()"))).scalar_one() is None
        for table in TABLES:
            assert await count(conn, table) == 0, table
        updated = await conn.execute(text("update tasks set status = 'x'"))
        assert updated.rowcount == 0


async def test_an_empty_subject_fails_closed(engine: AsyncEngine, rows: Rows) -> None:
    """Like Supabase's auth.uid(), `{"sub": ""}` is an error (bad uuid), never a match."""
    with pytest.raises(DBAPIError) as error:
        async with acting(engine, {"sub": ""}) as conn:
            await count(conn, "tasks")
    assert sqlstate(error.value) == "22P02"


async def test_shim_is_idempotent_and_never_replaces_existing_functions(
    engine: AsyncEngine,
) -> None:
    shim: tuple[str, ...] = script().get_revision("0001").module.SUPABASE_SHIM
    marker = uuid.uuid4()
    async with engine.connect() as conn:
        # Stand-in for Supabase's own auth.uid(): the shim must leave it alone.
        await conn.execute(
            text(
                "create or replace function auth.uid() returns uuid language sql stable "
                f"as $$ select '{marker}'::uuid $$"
            )
        )
        for _ in range(2):
            for statement in shim:
                await conn.execute(text(statement))
        assert (await conn.execute(text("select auth.uid()"))).scalar_one() == marker
        await conn.rollback()


async def test_app_session_cannot_read_another_users_task(
    engine: AsyncEngine, database_url: str, rows: Rows
) -> None:
    db = Database(database_url)
    try:
        async with db.session(user_id=rows.b) as session:
            role = (await session.execute(text("select current_user"))).scalar_one()
            assert role == "authenticated"
            assert await session.get(Task, rows.ids["tasks"]) is None
            assert (await session.execute(select(Task))).scalars().all() == []
        async with db.session(user_id=rows.a) as session:
            task = await session.get(Task, rows.ids["tasks"])
            assert task is not None and task.user_id == rows.a
    finally:
        await db.dispose()
