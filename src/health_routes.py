"""Health: /healthz says the process is alive (liveness: restart it if not); /readyz says
it can serve now (readiness: send it traffic), checking the database and Redis each with
a short time limit. 503 names the check that failed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from autofactura.core.services import Services

log = logging.getLogger(__name__)


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def readyz(services: Services) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(_: Request) -> JSONResponse:
        checks = {"database": await _check(services, _database)}
        if services.redis is not None:
            checks["redis"] = await _check(services, _redis)
        ready = all(result == "ok" for result in checks.values())
        body = {"status": "ready" if ready else "unavailable", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    return endpoint


async def _check(services: Services, probe: Callable[[Services], Awaitable[None]]) -> str:
    try:
        async with asyncio.timeout(services.settings.readiness_timeout_seconds):
            await probe(services)
    except TimeoutError:
        return "timeout"
    except Exception as exc:  # noqa: BLE001 — any failure means not ready; the reason is logged
        log.warning("readiness check %s failed: %s", probe.__name__.strip("_"), exc)
        return "error"
    return "ok"


async def _database(services: Services) -> None:
    async with services.db.session(readonly=True) as session:
        await session.execute(text("SELECT 1"))


async def _redis(services: Services) -> None:
    assert services.redis is not None
    await services.redis.ping()
