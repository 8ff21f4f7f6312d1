"""Shared fixtures. The suite runs twice: AUTOFACTURA_TEST_MODE=embedded (SQLite, in-process
queue and bus) and =distributed (the machine's Postgres and Redis). A missing Postgres or
Redis skips the distributed run on a laptop but fails it in CI (CI=true)."""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from autofactura.core.db import Database
from autofactura.core.db.database import sqlite_url
from autofactura.core.privacy import Keyring, use_keyring

pytest_plugins = ["tests.support.api", "tests.portals.fixture"]

MODE = os.environ.get("AUTOFACTURA_TEST_MODE", "embedded")
DISTRIBUTED = MODE == "distributed"
TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/autofactura_test"
)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), 2):
            return True
    except OSError:
        return False


def require(url: str, what: str) -> None:
    if reachable(url):
        return
    message = f"{what} not reachable at {url}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def encryption_keys() -> str:
    """Two keys, so every test also runs with a rotated-out key configured."""
    return ",".join(f"{kid}:{base64.b64encode(os.urandom(32)).decode()}" for kid in ("k2", "k1"))


@pytest.fixture(scope="session", autouse=True)
def keyring(encryption_keys: str) -> Keyring:
    ring = Keyring.from_setting(encryption_keys)
    use_keyring(ring)
    return ring


@pytest.fixture(scope="session")
def database_url(data_dir: Path) -> str:
    if not DISTRIBUTED:
        return sqlite_url(data_dir / "test.db")
    require(TEST_DATABASE_URL, "PostgreSQL")
    return TEST_DATABASE_URL


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    if not DISTRIBUTED:
        return None
    require(TEST_REDIS_URL, "Redis")
    return TEST_REDIS_URL


@pytest.fixture(scope="session")
def migrated(database_url: str) -> Iterator[str]:
    """A clean database with every migration applied, once per run."""
    from autofactura.core.db.migrate import reset_and_upgrade

    reset_and_upgrade(database_url)
    yield database_url


@pytest.fixture(scope="session")
async def database(migrated: str) -> AsyncIterator[Database]:
    db = Database(migrated)
    yield db
    await db.dispose()
