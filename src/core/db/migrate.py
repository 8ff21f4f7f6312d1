"""Alembic, configured in code: `autofactura migrate`, embedded start-up and the tests use it.

Each function is synchronous. Alembic's env.py drives the async engine with its own event
loop, so when the caller is already inside a running loop the work moves to a fresh thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from autofactura.core.db.database import async_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

T = TypeVar("T")


def config(url: str) -> Config:
    """An Alembic config for `url`; env.py reads the URL from `attributes`, not the ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = url
    return cfg


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(config("sqlite://"))


def upgrade(url: str, revision: str = "head") -> None:
    """Apply every migration up to `revision` (creating a SQLite file's directory)."""
    _ensure_sqlite_dir(url)
    _outside_loop(lambda: command.upgrade(config(url), revision))


def downgrade(url: str, revision: str = "base") -> None:
    _outside_loop(lambda: command.downgrade(config(url), revision))


def reset_and_upgrade(url: str) -> None:
    """Tests only: wipe the database (schema public, or the SQLite file), then upgrade."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(database + suffix).unlink(missing_ok=True)
    else:
        _outside_loop(lambda: asyncio.run(_reset_postgres(url)))
    upgrade(url)


async def _reset_postgres(url: str) -> None:
    driver_url, connect_args = async_url(url)
    engine = create_async_engine(driver_url, poolclass=NullPool, connect_args=connect_args)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("drop table if exists alembic_version"))
            await conn.execute(text("drop schema if exists public cascade"))
            await conn.execute(text("create schema public"))
            await conn.execute(text("grant usage on schema public to public"))
    finally:
        await engine.dispose()


def _ensure_sqlite_dir(url: str) -> None:
    if not url.startswith("sqlite"):
        return
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _outside_loop(fn: Callable[[], T]) -> T:
    """Run `fn` here, or in a new thread when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(fn())
        except BaseException as exc:  # noqa: BLE001 — re-raised in the calling thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="alembic")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]
