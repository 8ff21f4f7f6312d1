"""Fixtures for the observability tests: a live server over real HTTP and, in the
distributed mode, a real `autofactura worker` beside it (the embedded server runs its
own worker threads)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from autofactura.core.config import Settings
from autofactura.core.services import Services
from tests.conftest import DISTRIBUTED
from tests.support.live_server import live_server
from tests.support.workers import WorkerProcess, clear_backlog


@dataclass(frozen=True)
class Served:
    url: str
    settings: Settings


@pytest.fixture(scope="module")
def served(settings: Settings, services: Services) -> Iterator[Served]:
    """It depends on `services` so that fixture has set the process's broker first: the
    server borrows it and gives it back when it stops."""
    del services
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(live_server(settings))
        if DISTRIBUTED:
            clear_backlog(settings)
            worker = WorkerProcess(settings)
            stack.callback(worker.stop)
        yield Served(url, settings)
