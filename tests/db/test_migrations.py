"""The Alembic migrations build exactly the schema the models describe, on both backends.

`compare_metadata` runs with type comparison on; a model change without a migration (or a
migration that drifts from the models) shows up as a non-empty diff and fails here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Index, MetaData, String, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from autofactura.core.db.database import async_url, sqlite_url
from autofactura.core.db.migrate import downgrade, script, upgrade
from autofactura.core.db.models import Base

TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/autofactura_test"
)


async def _run(url: str, fn: Any) -> Any:
    driver_url, connect_args = async_url(url)
    engine = create_async_engine(driver_url, poolclass=NullPool, connect_args=connect_args)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def _diff(metadata: MetaData) -> Any:
    def compare(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    return compare


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _version(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


async def test_single_head() -> None:
    assert len(script().get_heads()) == 1, "branched migrations: add a merge revision"


async def test_migrated_schema_matches_models(migrated: str) -> None:
    assert await _run(migrated, _diff(Base.metadata)) == []
    assert await _run(migrated, _version) == script().get_current_head()


async def test_drift_is_detected(migrated: str) -> None:
    """The comparison is not vacuous: a model change without a migration shows up."""
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    tasks = drifted.tables["tasks"]
    tasks.append_column(Column("invoice_uuid", String(36), nullable=True))
    Index("ix_tasks_status", tasks.c.status)
    users = drifted.tables["users"]
    users.c.email.type = String(320)

    diff = await _run(migrated, _diff(drifted))
    flat = [op for entry in diff for op in (entry if isinstance(entry, list) else [entry])]
    kinds = {op[0] for op in flat}
    assert {"add_column", "add_index", "modify_type"} <= kinds, diff


@pytest.fixture(params=["sqlite", "postgresql"])
async def scratch_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh SQLite file in a missing directory, or a brand-new Postgres database."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "nested" / "dir" / "scratch.db")
        return
    import asyncpg

    parts = urlsplit(TEST_DATABASE_URL)
    try:
        admin = await asyncpg.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password,
            database="postgres",
            timeout=3,
        )
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("AUTOFACTURA_TEST_MODE") == "distributed" and os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    name = f"autofactura_mig_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'create database "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()


async def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    """Called from a running event loop, so upgrade() takes its fresh-thread path."""
    mine = set(Base.metadata.tables)
    postgres = scratch_url.startswith("postgresql")

    upgrade(scratch_url)
    assert mine <= await _run(scratch_url, _tables)
    assert await _run(scratch_url, _diff(Base.metadata)) == []

    downgrade(scratch_url, "base")
    assert await _run(scratch_url, _tables) <= {"alembic_version"}
    assert await _run(scratch_url, _version) is None
    if postgres:  # the shim stays: on Supabase those objects are Supabase's
        assert await _run(scratch_url, _scalar("select to_regprocedure('auth.uid()') is not null"))

    upgrade(scratch_url)
    upgrade(scratch_url)  # already at head: a no-op
    assert await _run(scratch_url, _diff(Base.metadata)) == []
    assert await _run(scratch_url, _version) == script().get_current_head()
    if postgres:
        rls = (
            "select count(*) filter (where relrowsecurity) from pg_class "
            "where relnamespace = 'public'::regnamespace and relname = any(:names)"
        )
        assert await _run(scratch_url, _scalar(rls, names=sorted(mine))) == len(mine)


def _scalar(sql: str, **params: Any) -> Any:
    def run(conn: Connection) -> Any:
        return conn.execute(text(sql), params).scalar_one()

    return run
