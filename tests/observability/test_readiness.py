"""/healthz (alive) and /readyz (can serve now) over real HTTP: ready when the database
and Redis answer; 503 naming the check that failed when one cannot be reached, while the
process stays alive and /metrics says which source it could not read."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from autofactura.core.config import Settings
from autofactura.core.services import Services
from tests.conftest import DISTRIBUTED
from tests.observability.processes import free_port
from tests.observability.scrape import scrape, value
from tests.support.api import make_settings
from tests.support.live_server import live_server

SOURCE_UP = "autofactura_metrics_source_up"


def _get(url: str, path: str) -> httpx.Response:
    return httpx.get(f"{url}{path}", timeout=30)


def test_ready_when_everything_answers(settings: Settings, services: Services) -> None:
    del services  # set the process's broker first; the server borrows it
    with live_server(settings) as url:
        alive, ready = _get(url, "/healthz"), _get(url, "/readyz")
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    checks = {"database": "ok", **({"redis": "ok"} if DISTRIBUTED else {})}
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "checks": checks})


def _elsewhere(settings: Settings, database_url: str, redis_url: str | None) -> Settings:
    keys = settings.encryption_keys or ""
    return make_settings(database_url, redis_url, settings.data_dir, keys)


def _unreachable_database(settings: Settings, tmp_path: Path) -> Settings:
    if DISTRIBUTED:  # nothing listens there
        url = f"postgresql://postgres@127.0.0.1:{free_port()}/x"
        return _elsewhere(settings, url, settings.redis_url)
    blocker = tmp_path / "a-file"  # a database "inside" a file cannot be opened
    blocker.write_text("not a directory")
    return _elsewhere(settings, f"sqlite:///{blocker}/autofactura.db", None)


async def test_not_ready_without_the_database(
    settings: Settings, services: Services, tmp_path: Path
) -> None:
    del services
    with live_server(_unreachable_database(settings, tmp_path)) as url:
        alive, ready = _get(url, "/healthz"), _get(url, "/readyz")
        samples = await scrape(url)  # still answers, saying what it could not read
    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["checks"]["database"] == "error"
    assert value(samples, SOURCE_UP, source="database") == 0
    assert ("autofactura_tasks", frozenset({("status", "PENDING")})) not in samples


@pytest.mark.skipif(not DISTRIBUTED, reason="the embedded mode uses no Redis")
async def test_not_ready_without_redis(settings: Settings, services: Services) -> None:
    del services
    assert settings.database_url is not None
    redis_url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with live_server(_elsewhere(settings, settings.database_url, redis_url)) as url:
        alive, ready = _get(url, "/healthz"), _get(url, "/readyz")
        samples = await scrape(url)
    assert alive.status_code == 200
    body = ready.json()
    assert (ready.status_code, body["status"]) == (503, "unavailable")
    assert body["checks"] == {"database": "ok", "redis": "error"}
    assert value(samples, SOURCE_UP, source="database") == 1
    assert value(samples, SOURCE_UP, source="queue") == 0
