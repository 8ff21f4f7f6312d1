"""One event loop and one set of services per worker thread, reused across messages
(async database pools and Redis clients belong to the loop that created them)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from autofactura.core.config import Settings
from autofactura.core.services import Services, build_services

T = TypeVar("T")
_local = threading.local()
_settings: Settings | None = None


def use_settings(settings: Settings) -> None:
    global _settings
    _settings = settings


def run(make: Any) -> Any:
    """Run `make(services)` (a coroutine factory) on this thread's loop."""
    runner: asyncio.Runner | None = getattr(_local, "runner", None)
    if runner is None:
        runner = _local.runner = asyncio.Runner()
    services: Services | None = getattr(_local, "services", None)
    if services is None:
        if _settings is None:
            raise RuntimeError("actors.runtime.use_settings() was not called")
        services = _local.services = build_services(_settings)
    coroutine: Coroutine[Any, Any, Any] = make(services)
    return runner.run(coroutine)


def close_thread() -> None:
    """Release this thread's loop and services (worker thread shutdown)."""
    runner: asyncio.Runner | None = getattr(_local, "runner", None)
    services: Services | None = getattr(_local, "services", None)
    if runner is not None:
        if services is not None:
            runner.run(services.close())
        runner.close()
    _local.runner = _local.services = None
