"""The service under fault: settings with short timings, its worker processes (the
distributed mode), and tasks created over real HTTP for a vendor URL of the test's."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from autofactura.core.config import Settings
from tests.faults.procs import browsers_under, kill_group, still_running
from tests.pipeline.conftest import Workers, variant
from tests.pipeline.helpers import CREATE_TASK, Buyer
from tests.support.live_server import live_server
from tests.support.workers import WorkerProcess, clear_backlog

WORKER_THREADS = 2  # two workers at most: four Chromiums on two cores
MAX_TASK_CLAIMS = 5
TASK_TIMEOUT_SECONDS = 30
_FOLIOS = itertools.count(1)


def fault_settings(base: Settings, **overrides: object) -> Settings:
    """Autofill alone (the deterministic engine on the local portals), a 3 s lease, a 5 s
    heartbeat timeout, a sweep a second and a bound on each run."""
    values: dict[str, object] = {
        "engines": "autofill",
        "lease_seconds": 3,
        "worker_heartbeat_timeout_seconds": 5,
        "intervention_timeout_seconds": 120,  # the test answers; never the run's own end
        "sweep_interval_seconds": 1,
        "retry_min_backoff_ms": 100,
        "max_task_claims": MAX_TASK_CLAIMS,
        "task_timeout_seconds": TASK_TIMEOUT_SECONDS,
        "worker_threads": WORKER_THREADS,
        "allow_private_urls": True,
    }
    return variant(base, **{**values, **overrides})


def run_bound(settings: Settings) -> float:
    """The longest one run may take to end by itself (its own bound) or be taken over
    (a dead worker's lease runs out and the sweep re-sends it), plus a margin for closing
    its browser and writing its end on a loaded machine. Waits are multiples of it."""
    takeover = 2 * settings.lease_seconds + settings.sweep_interval_seconds
    return settings.task_timeout_seconds + takeover + settings.worker_heartbeat_timeout_seconds + 15


class Crew(Workers):
    """`autofactura worker` processes for these settings; killed ones leave no Chromium."""

    def __init__(self, settings: Settings) -> None:
        env = {
            "AUTOFACTURA_MAX_TASK_CLAIMS": str(settings.max_task_claims),
            "AUTOFACTURA_TASK_TIMEOUT_SECONDS": str(settings.task_timeout_seconds),
        }
        super().__init__(settings, threads=WORKER_THREADS, env=env)

    def kill(self, worker: WorkerProcess) -> None:
        """SIGKILL a worker; the Chromiums it had started must end with it."""
        browsers = browsers_under(worker.process.pid)
        worker.kill()
        self.processes.remove(worker)
        left = still_running(browsers, within=15)
        for pid in left:  # leave the machine clean before failing
            kill_group(pid)
        assert left == [], "a SIGKILLed worker left its Chromium running"

    def kill_all(self) -> None:
        for worker in list(self.processes):
            self.kill(worker)


@dataclass(frozen=True)
class Service:
    url: str
    settings: Settings
    crew: Crew | None  # None in the embedded mode: the server runs its own worker threads


@contextlib.contextmanager
def serving(own: Settings, *, workers: bool) -> Iterator[Service]:
    """A live server for `own` and, with `workers`, a worker process; the process's broker
    (set by the session's `services`) is borrowed by the server and given back after."""
    with live_server(own) as url:
        crew = Crew(own) if workers else None
        try:
            if crew is not None:
                clear_backlog(own)
                crew.start()
            yield Service(url, own, crew)
        finally:
            if crew is not None:
                crew.stop_all()


def new_folio(prefix: str) -> str:
    return f"{prefix}-{next(_FOLIOS):04d}".upper()  # as the portal reads it


async def create_task(buyer: Buyer, vendor_url: str, folio: str, total: str = "245.50") -> str:
    ticket = {
        "folio": folio,
        "date": (date.today() - timedelta(days=1)).isoformat(),
        "total": total,
    }
    task_input = {"vendorUrl": vendor_url, "ticket": ticket, "fiscalProfileId": buyer.profile_id}
    created = (await buyer.api.data(CREATE_TASK, input=task_input))["createTask"]
    assert created["__typename"] == "Task", created
    task_id: str = created["id"]
    return task_id
