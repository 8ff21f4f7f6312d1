"""Load: N tasks queued at once through the distributed service, end to end.

`autofactura serve` on Postgres + Redis, W `autofactura worker` processes (B browsers and
B threads each), the local vendor portals on 127.0.0.1 (three kinds by default) with their
ledger, buyers registered over GraphQL, live subscribers over WebSockets; then every task
is created at once (createTasks, one call per buyer) and the bench waits for all to end.
Prints tasks per minute, time to invoice (created → COMPLETED), peak RSS of the API,
workers and Chromiums, final statuses, stuck and lost tasks, the ledger's stamps per
ticket and whether the subscribed streams were gap-free.

    .venv/bin/python bench/load.py --database-url postgresql://… --redis-url redis://… \\
        --tasks 200 --workers 2 --browsers-per-worker 2 [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(1, str(ROOT))  # the tests' portals and worker helper

from loadkit.memory import MemorySampler  # noqa: E402
from loadkit.report import summarize, text  # noqa: E402
from loadkit.run import Outcome, run_load  # noqa: E402
from tests.portals.app import PortalServer, serve_portals  # noqa: E402
from tests.support.workers import WorkerProcess, worker_env  # noqa: E402

from autofactura.core.config import Settings  # noqa: E402
from autofactura.core.db.migrate import upgrade  # noqa: E402
from autofactura.core.services import database_url  # noqa: E402

START_TIMEOUT_S = 60.0
LOGS = ROOT / "var"  # bench-load-api.log, bench-load-workers.log: kept after the run
PARTS = ("api", "workers")


@dataclass
class Stack:
    api_url: str
    portals: PortalServer
    sampler: MemorySampler
    workers: list[subprocess.Popen[bytes]]


async def _recreate(url: str) -> None:
    """Drop and create the bench's database. An earlier run's unfinished tasks would come
    back through the API's sweeper, encrypted with that run's key, and fail in the workers."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    admin = await asyncpg.connect(admin_url, timeout=10)
    try:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.execute(f'create database "{name}"')
    finally:
        await admin.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(what: str, ready: Any, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready():
        dead = [p.args for p in processes if p.poll() is not None]
        if dead:
            raise RuntimeError(f"{what}: a process exited: {dead}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready in {START_TIMEOUT_S:.0f} s")
        time.sleep(0.1)


def _errors(log: Path) -> int:
    lines = log.read_text(errors="replace").splitlines()
    return sum(1 for line in lines if "ERROR" in line or line.startswith("Traceback"))


def _healthy(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    return False


@contextlib.contextmanager
def _api(
    settings: Settings, env: dict[str, str], log: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 — our own interpreter and module
            [sys.executable, "-m", "autofactura", "serve", "--port", str(port)],
            env=worker_env(settings, **env),
            cwd=ROOT,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait("the API", lambda: _healthy(url), [process])
        yield process, url
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to its process group, SIGKILL if it is still there 20 s later."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(20)
            return


def _settings(args: argparse.Namespace, data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=args.database_url,
        redis_url=args.redis_url,
        encryption_keys=f"k1:{base64.b64encode(os.urandom(32)).decode()}",
        allow_private_urls=True,  # the portals are on loopback
        log_level="WARNING",
    )


def _env(browsers: int) -> dict[str, str]:
    """What worker_env does not carry: limits raised for the bench, the browser budget."""
    return {
        "AUTOFACTURA_JWT_SECRET": secrets.token_hex(32),
        "AUTOFACTURA_RATE_LIMIT_REGISTER": "100000/60",
        "AUTOFACTURA_RATE_LIMIT_LOGIN": "100000/60",
        "AUTOFACTURA_RATE_LIMIT_CREATE_TASK": "100000/60",
        "AUTOFACTURA_PASSWORD_HASH_TIME_COST": "1",
        "AUTOFACTURA_PASSWORD_HASH_MEMORY_KIB": "8192",
        "AUTOFACTURA_BROWSER_CONCURRENCY": str(browsers),
    }


def _worker(settings: Settings, args: argparse.Namespace, env: dict[str, str]) -> WorkerProcess:
    # mypy reads **env as a possible `queues`; it holds only AUTOFACTURA_* names.
    return WorkerProcess(settings, args.browsers_per_worker, **env)  # type: ignore[arg-type]


@contextlib.contextmanager
def _output_to(log: Path) -> Iterator[None]:
    """Processes started in the block write their stdout and stderr to `log` (they inherit
    fds 1 and 2), so the workers' logs stay out of the report."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with log.open("wb") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
    try:
        yield
    finally:
        for fd, copy in zip((1, 2), saved, strict=True):
            os.dup2(copy, fd)
            os.close(copy)


@contextlib.contextmanager
def stack(args: argparse.Namespace, data_dir: Path) -> Iterator[Stack]:
    settings = _settings(args, data_dir)
    LOGS.mkdir(exist_ok=True)
    asyncio.run(_recreate(args.database_url))
    upgrade(database_url(settings))
    queue = redis.Redis.from_url(args.redis_url)
    queue.flushdb()  # a bench's own Redis db: no messages or heartbeats of an earlier run
    env = _env(args.browsers_per_worker)
    with contextlib.ExitStack() as exits:
        portals = exits.enter_context(serve_portals())
        api, api_url = exits.enter_context(_api(settings, env, LOGS / "bench-load-api.log"))
        with _output_to(LOGS / "bench-load-workers.log"):
            workers = [_worker(settings, args, env) for _ in range(args.workers)]
        for worker in workers:
            exits.callback(worker.stop)
        # Every worker has fetched from its queue once (a heartbeat each) before any task.
        processes = [w.process for w in workers]
        beats = "autofactura:__heartbeats__"
        _wait("the workers", lambda: queue.zcard(beats) >= args.workers, processes)
        roots = {"api": [api.pid], "workers": [p.pid for p in processes]}
        sampler = MemorySampler(roots)
        sampler.start()
        exits.callback(sampler.stop)
        yield Stack(api_url, portals, sampler, processes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--browsers-per-worker", type=int, default=2)
    parser.add_argument("--buyers", type=int, default=10, help="tasks are spread over them")
    parser.add_argument("--subscribe", type=int, default=20, help="taskEvents subscribers")
    parser.add_argument("--portals", default="clasico,tabla,marco")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for every task")
    parser.add_argument(
        "--database-url", required=True, help="a Postgres database of its own: dropped, created"
    )
    parser.add_argument("--redis-url", required=True, help="a Redis db of its own: flushed")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="autofactura-load-") as tmp,
        stack(args, Path(tmp)) as running,
    ):
        outcome: Outcome = asyncio.run(run_load(args, running.api_url, running.portals))
        running.sampler.stop()
        outcome.memory = running.sampler.report()
        # A worker that died mid-run leaves the others its tasks: the numbers are not W's.
        outcome.workers_exited = [p.returncode for p in running.workers if p.poll() is not None]
    outcome.log_errors = {part: _errors(LOGS / f"bench-load-{part}.log") for part in PARTS}
    result = summarize(args, outcome)
    print(json.dumps(result, indent=2) if args.json else text(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
