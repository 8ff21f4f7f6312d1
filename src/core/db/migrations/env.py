"""Alembic environment: the async engine (asyncpg / aiosqlite) driven with run_sync.

The URL comes from `config.attributes["url"]` (see autofactura.core.db.migrate) or, failing
that, from the `sqlalchemy.url` main option.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from autofactura.core.db.database import async_url
from autofactura.core.db.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: set config.attributes['url']")
    return str(url)


def _configure(**options: Any) -> None:
    context.configure(target_metadata=target_metadata, compare_type=True, **options)


def run_offline() -> None:
    url = _url()
    _configure(
        url=async_url(url)[0],
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    # SQLite batch mode recreates tables; foreign keys stay off (the default on a fresh
    # connection) so dropping the old copy never cascades.
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    driver_url, connect_args = async_url(_url())
    engine = create_async_engine(driver_url, poolclass=NullPool, connect_args=connect_args)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    asyncio.run(run_online())
