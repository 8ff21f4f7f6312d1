"""The pipeline under test, for real: one live server on short timings for the whole
package and, in the distributed mode, real `autofactura worker` processes beside it (the
server runs no workers when REDIS_URL is set; the embedded server runs its own threads).

Timings: a lease of 3 s and a heartbeat timeout of 5 s make a dead worker's task
recoverable quickly; a 5 s intervention timeout bounds the wait for a person.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from autofactura.core.config import Settings
from autofactura.core.services import Services
from tests.conftest import DISTRIBUTED
from tests.pipeline.helpers import Buyer, register
from tests.support.api import make_settings
from tests.support.live_server import live_server
from tests.support.workers import WorkerProcess, clear_backlog

LEASE_SECONDS = 3
HEARTBEAT_TIMEOUT_SECONDS = 5
INTERVENTION_TIMEOUT_SECONDS = 5
WORKER_THREADS = 4


def variant(base: Settings, **overrides: object) -> Settings:
    """The test settings (same database, Redis, keys, data dir) with a few values changed
    (the database too, when `database_url` is one of them)."""
    database_url = overrides.pop("database_url", base.database_url)
    assert isinstance(database_url, str)
    return make_settings(
        database_url, base.redis_url, base.data_dir, base.encryption_keys or "", **overrides
    )


@dataclass
class Workers:
    """The distributed mode's worker processes; a test may kill them and start others."""

    settings: Settings
    processes: list[WorkerProcess] = field(default_factory=list)
    threads: int = WORKER_THREADS
    env: dict[str, str] = field(default_factory=dict)  # more for `worker_env`

    def start(self) -> WorkerProcess:
        worker = WorkerProcess(self.settings, threads=self.threads, queues=(), **self.env)
        self.processes.append(worker)
        return worker

    def kill_all(self) -> None:
        for worker in self.processes:
            worker.kill()
        self.processes.clear()

    def stop_all(self) -> None:
        for worker in self.processes:
            worker.stop()
        self.processes.clear()


@dataclass(frozen=True)
class Pipeline:
    url: str
    settings: Settings
    workers: Workers | None  # None in the embedded mode: the server runs them


@pytest.fixture(scope="package")
def pipeline_settings(settings: Settings) -> Settings:
    return variant(
        settings,
        lease_seconds=LEASE_SECONDS,
        worker_heartbeat_timeout_seconds=HEARTBEAT_TIMEOUT_SECONDS,
        intervention_timeout_seconds=INTERVENTION_TIMEOUT_SECONDS,
        worker_threads=WORKER_THREADS,
        # The API's sweeper hands a dead worker's task to another one within seconds.
        sweep_interval_seconds=1,
        # Retries after a dead browser come back at once, not after seconds.
        retry_min_backoff_ms=100,
        allow_private_urls=True,  # the test portals are on loopback
    )


@pytest.fixture(scope="package")
def pipeline(pipeline_settings: Settings, services: Services) -> Iterator[Pipeline]:
    """The live server (and workers). It depends on `services` so that fixture has set the
    process's broker and actor settings first: the server then points the embedded worker
    threads at its own (short) timings, and gives the originals back when it stops."""
    del services
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(live_server(pipeline_settings))
        workers: Workers | None = None
        if DISTRIBUTED:
            clear_backlog(pipeline_settings)
            workers = Workers(pipeline_settings)
            stack.callback(workers.stop_all)
            workers.start()
        yield Pipeline(url, pipeline_settings, workers)


@pytest.fixture
async def buyer(pipeline: Pipeline) -> Buyer:
    """A fresh account with one fiscal profile, on the live server."""
    return await register(pipeline.url)
