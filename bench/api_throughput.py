"""API throughput: createTask and a 50-task page over real HTTP against a live uvicorn server,
then the same operations through `schema.execute` in-process; prints one table."""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

# The live-server helper lives with the tests; this script runs from a checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.api import PROFILE  # the same valid profile the tests use
from tests.support.live_server import live_server

from autofactura.actors.tasks import DramatiqQueue
from autofactura.core.config import Settings
from autofactura.core.db.migrate import upgrade
from autofactura.core.services import build_services
from autofactura.schema import build_schema
from autofactura.schema.context import Context

REGISTER = """mutation($e: String!, $p: String!) { register(email: $e, password: $p) {
  __typename ... on AuthPayload { token } ... on UserError { message } } }"""
CREATE_PROFILE = """mutation($input: FiscalProfileInput!) { createFiscalProfile(input: $input) {
  __typename ... on FiscalProfile { id } ... on UserError { message } } }"""
CREATE_TASK = """mutation($input: CreateTaskInput!) { createTask(input: $input) {
  __typename ... on Task { id status } ... on UserError { code message } } }"""
PAGE = """{ tasks(first: 50) { edges { node {
  id status ticket { folio total } fiscalProfile { taxId } } } } }"""

# Runs one GraphQL operation for a worker; returns the data, or None on any error.
Execute = Callable[[int, str, dict[str, Any]], Awaitable[dict[str, Any] | None]]


@dataclass
class Run:
    ops: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0

    def ms(self, percent: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100)[percent - 1]


def task_input(profile_id: str, folio: str) -> dict[str, Any]:
    ticket = {"folio": folio, "date": str(date.today() - timedelta(days=1)), "total": "245.50"}
    return {"vendorUrl": "https://93.184.216.34/f", "ticket": ticket, "fiscalProfileId": profile_id}


def succeeded(data: dict[str, Any] | None) -> bool:
    created = (data or {}).get("createTask")
    return bool(data) and (created is None or created["__typename"] == "Task")


async def measure(
    execute: Execute,
    query: str,
    make_vars: Callable[[int, int], dict[str, Any]],
    workers: int,
    seconds: float,
) -> Run:
    """`workers` concurrent loops running `query` until the deadline."""
    run, deadline = Run(), time.perf_counter() + seconds

    async def worker(index: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            ok = succeeded(await execute(index, query, make_vars(index, n)))
            run.latencies_ms.append((time.perf_counter() - started) * 1000)
            run.ops, run.errors, n = run.ops + ok, run.errors + (not ok), n + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(workers)))
    run.seconds = time.perf_counter() - started
    return run


async def both(
    execute: Execute, profile_id: str, prefix: str, workers: int, seconds: float
) -> dict[str, Run]:
    def folio(worker: int, n: int) -> dict[str, Any]:  # a new folio per call
        return {"input": task_input(profile_id, f"{prefix}-{worker}-{n}")}

    return {
        "createTask": await measure(execute, CREATE_TASK, folio, workers, seconds),
        "tasks(first: 50)": await measure(execute, PAGE, lambda _w, _n: {}, workers, seconds),
    }


async def post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any] | None:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "variables": variables}
    response = await client.post("/graphql", json=body, headers=headers)
    result: dict[str, Any] = response.json() if response.status_code == 200 else {"errors": 1}
    data: dict[str, Any] | None = None if result.get("errors") else result["data"]
    return data


async def setup(base_url: str, tasks: int) -> tuple[str, str]:
    """A user, a profile and `tasks` tasks, over HTTP; returns (token, profile id)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        email = f"bench-{secrets.token_hex(6)}@example.com"
        data = await post(client, REGISTER, {"e": email, "p": "bench-pass-1"})
        token = data["register"]["token"] if data else ""
        data = await post(client, CREATE_PROFILE, {"input": PROFILE}, token)
        profile_id = data["createFiscalProfile"]["id"] if data else ""
        for n in range(tasks):
            data = await post(
                client, CREATE_TASK, {"input": task_input(profile_id, f"S-{n}")}, token
            )
            assert succeeded(data), data
    return token, profile_id


async def over_http(
    base_url: str, token: str, profile_id: str, args: argparse.Namespace
) -> dict[str, Run]:
    # One client (so one keep-alive connection) per worker, like separate callers.
    clients = [httpx.AsyncClient(base_url=base_url, timeout=30) for _ in range(args.workers)]

    async def execute(worker: int, query: str, variables: dict[str, Any]) -> Any:
        return await post(clients[worker], query, variables, token)

    try:
        return await both(execute, profile_id, "H", args.workers, args.duration)
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


async def in_process(
    settings: Settings, token: str, profile_id: str, args: argparse.Namespace
) -> dict[str, Run]:
    # Its own services on this loop (never the server's), sending to the same queue.
    services = build_services(settings, queue=DramatiqQueue())
    schema = build_schema(settings)

    async def execute(_: int, query: str, variables: dict[str, Any]) -> Any:
        context = Context(services=services, token=token)
        result = await schema.execute(query, variable_values=variables, context_value=context)
        return None if result.errors else result.data

    try:
        return await both(execute, profile_id, "P", args.workers, args.duration)
    finally:
        await services.close()


def report(args: argparse.Namespace, http: dict[str, Run], local: dict[str, Run]) -> None:
    mode = "distributed (Postgres + Redis)" if args.redis_url else "embedded (SQLite, in-process)"
    print(
        f"Python {platform.python_version()} · {os.cpu_count()} CPUs · mode {mode} · "
        f"{args.workers} workers · {args.duration:g} s per run"
    )
    print(
        f"{'operation':<17} {'HTTP ops/s':>10} {'in-proc ops/s':>13} {'ratio':>6} "
        f"{'HTTP p50/p99 ms':>17} {'in-proc p50/p99 ms':>19}  errors http/in-proc"
    )
    for name, h in http.items():
        p = local[name]
        ratio = h.rate / p.rate if p.rate else float("nan")
        print(
            f"{name:<17} {h.rate:>10.1f} {p.rate:>13.1f} {ratio:>6.2f} "
            f"{h.ms(50):>8.1f}/{h.ms(99):<8.1f} {p.ms(50):>9.1f}/{p.ms(99):<9.1f}  "
            f"{h.errors}/{p.errors}"
        )


def settings_for(args: argparse.Namespace, data_dir: Path) -> Settings:
    return Settings(
        env="production",
        data_dir=data_dir,
        redis_url=args.redis_url,
        database_url=args.database_url or f"sqlite:///{data_dir / 'bench.db'}",
        encryption_keys=f"bench:{base64.b64encode(os.urandom(32)).decode()}",
        jwt_secret=secrets.token_hex(32),
        rate_limit_create_task="100000000/60",
    )


async def bench(args: argparse.Namespace, settings: Settings, base_url: str) -> None:
    token, profile_id = await setup(base_url, args.tasks)
    http = await over_http(base_url, token, profile_id, args)
    report(args, http, await in_process(settings, token, profile_id, args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=50, help="tasks created before measuring")
    parser.add_argument("--database-url", help="Postgres URL (distributed mode); migrated here")
    parser.add_argument("--redis-url", help="Redis URL (distributed mode)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="autofactura-bench-") as tmp:
        settings = settings_for(args, Path(tmp))
        upgrade(str(settings.database_url))
        # The server stays up through the in-process run too: its embedded worker keeps
        # running the tasks created, so both measurements carry the same background work.
        with live_server(settings) as base_url:
            asyncio.run(bench(args, settings, base_url))


if __name__ == "__main__":
    main()
