"""Real `autofactura worker` processes for the distributed mode's tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import redis

from autofactura.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTOFACTURA_", "DATABASE_URL", "REDIS_URL", "SUPABASE_"))
    }
    env = {
        **keep,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "ENCRYPTION_KEYS": settings.encryption_keys or "",
        "AUTOFACTURA_DATA_DIR": str(settings.data_dir),
        "AUTOFACTURA_EXTRA_ENGINES": settings.extra_engines,
        "AUTOFACTURA_ENGINES": settings.engines,
        "AUTOFACTURA_ALLOW_PRIVATE_URLS": "1" if settings.allow_private_urls else "0",
        "AUTOFACTURA_LEASE_SECONDS": str(settings.lease_seconds),
        "AUTOFACTURA_WORKER_HEARTBEAT_TIMEOUT_SECONDS": str(
            settings.worker_heartbeat_timeout_seconds
        ),
        "AUTOFACTURA_INTERVENTION_TIMEOUT_SECONDS": str(settings.intervention_timeout_seconds),
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def clear_backlog(settings: Settings) -> None:
    """Distributed, every test that creates a task without running a worker leaves a
    `tasks.run` message in Redis and the task PENDING (which an API's sweeper sends again).
    A package that starts real workers calls this first, so they run its own tasks and not
    a backlog of a hundred others, each with a browser, that would hold its tasks past
    their tests' bounds. The leftover tasks end CANCELLED; their tests are over."""
    if not settings.redis_url or not settings.database_url:
        return
    client = redis.Redis.from_url(settings.redis_url)
    try:
        queue = "autofactura:autofactura"  # the broker's namespace, then the tasks' queue
        client.delete(queue, f"{queue}.DQ", f"{queue}.msgs", f"{queue}.DQ.msgs")
        for suffix in ("autofactura", "autofactura.DQ"):  # held by workers killed earlier
            for key in client.scan_iter(match=f"autofactura:__acks__.*.{suffix}"):
                client.delete(key)
    finally:
        client.close()
    # On a thread of its own: an async fixture may call this with its loop running.
    done = threading.Thread(target=asyncio.run, args=(_cancel_unfinished(settings.database_url),))
    done.start()
    done.join()


async def _cancel_unfinished(database_url: str) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "update tasks set status = 'CANCELLED', updated_at = now()"
            " where status in ('PENDING', 'RUNNING', 'PAUSED', 'INTERVENTION_NEEDED')"
        )
    finally:
        await connection.close()


class WorkerProcess:
    """`autofactura worker` in its own process group, so a kill takes all its children."""

    def __init__(
        self,
        settings: Settings,
        threads: int = 2,
        *,
        queues: tuple[str, ...] = (),
        **extra_env: str,
    ) -> None:
        only = ["--queues", *queues] if queues else []
        self.process = subprocess.Popen(  # noqa: S603 — our own interpreter and module
            [
                sys.executable,
                "-m",
                "autofactura",
                "worker",
                "--processes",
                "1",
                "--threads",
                str(threads),
                *only,
            ],
            env=worker_env(settings, **extra_env),
            cwd=ROOT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL: no clean-up, no message acknowledged — a crash."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


@contextlib.contextmanager
def running_worker(settings: Settings, **kwargs: str) -> Iterator[WorkerProcess]:
    worker = WorkerProcess(settings, **kwargs)  # type: ignore[arg-type]
    try:
        yield worker
    finally:
        worker.stop()
