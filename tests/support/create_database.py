"""Create the distributed test database if it is missing (run by `make test-distributed`).

A Postgres that is not reachable is left for the test run to report: skipped on a laptop,
a failure in CI.
"""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import urlsplit, urlunsplit

import asyncpg


async def create(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    try:
        connection = await asyncpg.connect(admin, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"create_database: Postgres not reachable ({exc}); tests will report it")
        return
    try:
        exists = await connection.fetchval("select 1 from pg_database where datname = $1", name)
        if not exists:
            await connection.execute(f'create database "{name}"')
            print(f"create_database: created {name}")
    finally:
        await connection.close()


if __name__ == "__main__":
    asyncio.run(create(sys.argv[1]))
