"""Private Redis and Postgres servers for the restart tests, on free ports in temporary
folders, restarted on the same port mid-run, and the service (API and workers) on them."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from autofactura.core.config import Settings
from autofactura.core.db.migrate import reset_and_upgrade
from tests.faults.stack import Service, fault_settings, serving
from tests.support.create_database import create

PG_BIN = Path("/usr/lib/postgresql/15/bin")
START_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_accepts(port: int, within: float = START_SECONDS) -> None:
    deadline = time.monotonic() + within
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        assert time.monotonic() < deadline, f"nothing listens on port {port}"
        time.sleep(0.05)


class PrivateRedis:
    """redis-server with no persistence: a restart loses every key (queues, heartbeats)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = ["/usr/bin/redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(  # noqa: S603 — the machine's redis-server
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_accepts(self.port)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    async def restart(self, down_seconds: float) -> None:
        self.kill()
        await asyncio.sleep(down_seconds)  # down for a while: clients see refused connections
        await asyncio.to_thread(self.start)


class PrivateCluster:
    """A Postgres cluster of its own (initdb as the postgres user, trust on 127.0.0.1)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.data = folder / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/autofactura"
        shutil.chown(folder, "postgres", "postgres")
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres")

    def _as_postgres(self, *command: object) -> None:
        subprocess.run(  # noqa: S603 — the machine's Postgres tools
            ["/usr/sbin/runuser", "-u", "postgres", "--", *map(str, command)],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def pg_ctl(self, *action: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 "
        options += f"-c unix_socket_directories={self.folder} -c fsync=off"
        log = self.folder / "log"
        self._as_postgres(
            PG_BIN / "pg_ctl", "-D", self.data, "-l", log, "-o", options, "-w", *action
        )

    def start(self) -> None:
        self.pg_ctl("start")
        asyncio.run(create(self.url))
        reset_and_upgrade(self.url)

    async def restart(self) -> None:
        await asyncio.to_thread(self.pg_ctl, "restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self.pg_ctl("stop", "-m", "immediate")


@contextlib.contextmanager
def private_folder(owner: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=f"autofactura-{owner}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def private_service(base: Settings, redis_url: str, database_url: str) -> Iterator[Service]:
    """The service and a worker process on these Redis and Postgres."""
    backends = {"redis_url": redis_url, "database_url": database_url}
    with serving(fault_settings(base.model_copy(update=backends)), workers=True) as service:
        yield service
