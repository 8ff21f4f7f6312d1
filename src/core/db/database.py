"""Engines and the transaction boundary: a request or an actor opens one, services use it.

On Postgres a session opened for a user also runs as the `authenticated` role with that
user's JWT claims, so the row-level-security policies are a second wall behind the
repositories' own scoping.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

AfterCommit = Callable[[], Awaitable[None] | None]
Publisher = Callable[[list[Any]], Awaitable[None]]


def async_url(url: str) -> tuple[str, dict[str, Any]]:
    """Map a conventional URL to its async driver; asyncpg takes `ssl`, not `sslmode`."""
    if url.startswith("sqlite"):
        return url.replace("sqlite://", "sqlite+aiosqlite://", 1), {}
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    connect_args: dict[str, Any] = {}
    if "sslmode" in query:
        mode = query.pop("sslmode")
        connect_args["ssl"] = mode if mode != "disable" else False
    scheme = "postgresql+asyncpg"
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), "")), connect_args


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class Database:
    """One engine per process and the per-transaction session boundary."""

    def __init__(self, url: str, *, echo: bool = False, publisher: Publisher | None = None) -> None:
        self.url = url
        # Receives the events each transaction recorded, once it has committed.
        self.publisher = publisher
        driver_url, connect_args = async_url(url)
        self.is_postgres = driver_url.startswith("postgresql")
        options: dict[str, Any] = {"echo": echo, "connect_args": connect_args}
        if self.is_postgres:
            options.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(driver_url, **options)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = self._sessions
        if not self.is_postgres:
            # SQLite: transactions that may write take the write lock when they begin;
            # read-only ones use their own engine and never wait for writers (WAL).
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
            self.read_engine = create_async_engine(driver_url, **options)
            event.listen(self.read_engine.sync_engine, "connect", _sqlite_read_pragmas)
            self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(
        self, user_id: uuid.UUID | None = None, *, readonly: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A transaction: commits when the block ends, rolls back when it raises.

        Callbacks registered with `after_commit(session, fn)` run only after the commit.
        `readonly` promises no writes (on SQLite they would fail).
        """
        makers = self._read_sessions if readonly else self._sessions
        async with makers() as session:
            session.info["after_commit"] = []
            if user_id is not None and self.is_postgres:
                await _act_as(session, user_id)
            try:
                yield session
                await session.commit()
            except BaseException:
                session.info.pop(PENDING_EVENTS, None)
                await session.rollback()
                raise
            events = session.info.pop(PENDING_EVENTS, [])
            if events and self.publisher is not None:
                await self.publisher(events)
            for callback in session.info["after_commit"]:
                result = callback()
                if result is not None:
                    await result

    async def dispose(self) -> None:
        await self.engine.dispose()
        if not self.is_postgres:
            await self.read_engine.dispose()


PENDING_EVENTS = "events_to_publish"


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` once this session's transaction has committed (never on rollback)."""
    session.info.setdefault("after_commit", []).append(callback)


async def _act_as(session: AsyncSession, user_id: uuid.UUID) -> None:
    claims = json.dumps({"sub": str(user_id), "role": "authenticated"})
    await session.execute(
        text(
            "select set_config('request.jwt.claims', :claims, true), "
            "set_config('role', 'authenticated', true)"
        ),
        {"claims": claims},
    )


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock up front: a read that later writes would otherwise fail at
    # once with "database is locked" when another writer got there first.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_read_pragmas(connection: Any, record: Any) -> None:
    _sqlite_pragmas(connection, record)
    cursor = connection.cursor()
    cursor.execute("PRAGMA query_only=ON")  # a write by mistake fails loudly
    cursor.close()


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # We issue BEGIN ourselves (above); pysqlite's implicit transactions would not.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
