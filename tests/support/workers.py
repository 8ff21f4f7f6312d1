"""Real `autofactura worker` processes for the distributed mode's tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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
