"""Live subscriptions under load: the app's `taskEvents` (GraphQL over graphql-transport-ws)
beside a bare Starlette WebSocket relay of the same Redis feed (bench/relay.py).

Loads: (a) 1,000 subscribers over 500 RUNNING tasks, 2 events/s per task (a busy day);
(b) 100 subscribers of one task (an integrator's dashboard). For each load the app and the
relay are measured one after the other in the same run, with the same feed, each server in
its own child process (so its CPU is its own): deliveries/s, server CPU seconds per 1,000
deliveries, deliveries per server CPU-second, and p50/p99 latency from the publish (after
the event rows commit, as the worker does) to the client's receipt. With --profile, py-spy
samples the app server under load (a) and the per-delivery CPU is broken down by layer.

Distributed mode: Postgres database `autofactura_bench_subs` (created, migrated, dropped at
the end unless --keep-db) and Redis db 13 (flushed before and after).

    .venv/bin/python bench/subscriptions.py [--window 20] [--warmup 3] [--profile 15]

Roles of this file: the orchestrator (default; also plays the worker that publishes),
`--serve-app FD` (the app under uvicorn, like `autofactura serve`) and `--client` (a
process of WebSocket subscribers driven over stdin/stdout).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import json
import math
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from redis.exceptions import RedisError

THIS = Path(__file__).resolve()
BENCH = THIS.parent
ROOT = BENCH.parent
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
CHANNEL = "autofactura:events:task:"
SUBSCRIPTION = (
    "subscription($id: ID!){ taskEvents(taskId: $id, after: 0) "
    "{ seq type status message payload createdAt } }"
)
# A step like the engines record: what was done, a line for people, no secret.
STEP = {"action": "fill", "field": "folio", "message": "Capturando el folio del ticket"}


# ---------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    fields = data[data.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def runqueue_wait_seconds(pid: int) -> float:
    """Time the process's main thread spent runnable but waiting for a CPU."""
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[1]) / 1e9


def machine_busy_seconds() -> float:
    """Non-idle CPU seconds of the whole machine so far (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return (sum(parts[:8]) - idle) / CLK_TCK


def self_cpu() -> float:
    t = os.times()
    return t.user + t.system


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    return sock


def raise_fd_limit() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# ---------------------------------------------------------------------------------------
# Role: the app server (child process)
# ---------------------------------------------------------------------------------------


def serve_app(fd: int) -> None:
    """The app as `autofactura serve` runs it, on an inherited bound socket."""
    raise_fd_limit()
    sys.path.insert(0, str(BENCH))
    import uvicorn
    from relay import uvicorn_config

    from autofactura.app import create_app
    from autofactura.core.config import Settings

    settings = Settings(**json.loads(os.environ["BENCH_APP_SETTINGS"]))
    watch_gc()
    if os.environ.get("BENCH_PATCH_GQL_LEAK"):
        patch_graphql_core_leak()
    deflate = bool(os.environ.get("BENCH_WS_DEFLATE"))
    server = uvicorn.Server(uvicorn_config(create_app(settings), deflate))
    server.run(sockets=[socket.socket(fileno=fd)])


def watch_gc() -> None:
    """Time every garbage collection, by generation; every 0.25 s a thread writes the totals
    to stderr (`gcsum`), and each collection of the oldest generation is logged (`gc2`)."""
    import gc

    started = [0.0]
    totals = [0.0, 0.0, 0.0]  # seconds per generation
    full = [0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        pause = time.perf_counter() - started[0]
        generation = info["generation"]
        totals[generation] += pause
        if generation == 2:
            full[0] += 1
            print(f"gc2 {time.time():.3f} {pause * 1000:.1f}", file=sys.stderr, flush=True)
            if os.environ.get("BENCH_GC_TYPES"):
                counts = Counter(type(o).__qualname__ for o in gc.get_objects())
                print("   ", counts.most_common(12), file=sys.stderr, flush=True)

    def report() -> None:
        while True:
            print(
                f"gcsum {time.time():.3f} {totals[0]:.6f} {totals[1]:.6f} {totals[2]:.6f} "
                f"{full[0]}",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(0.25)

    gc.callbacks.append(callback)
    threading.Thread(target=report, daemon=True, name="bench-gc").start()


def patch_graphql_core_leak() -> None:
    """Experiment (--patch-gql-leak): graphql-core 3.3.1+ memoizes collected subfields in a
    dict that every per-event executor of a subscription shares, keyed by the identity of
    field lists that are new at each event and kept alive by the cache: it grows by one
    entry per event for the subscription's life. A fresh dict per event fixes it; it never
    hit across events anyway."""
    from graphql.execution.executor import Executor

    original = Executor.build_per_event_executor

    def build_per_event_executor(self: Executor[Any], payload: Any) -> Executor[Any]:
        executor = original(self, payload)
        executor._relevant_sub_fields = {}
        return executor

    Executor.build_per_event_executor = build_per_event_executor  # type: ignore[method-assign]


@dataclass
class GcUse:
    seconds: float = 0.0  # all generations
    full_seconds: float = 0.0
    full: int = 0
    longest_ms: float = 0.0


def gc_use(log: Path, t0: float, t1: float) -> GcUse | None:
    """The app's GC time between t0 and t1, from its log (see watch_gc)."""
    if not log.exists():
        return None
    before = after = None
    longest = 0.0
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 6 and parts[0] == "gcsum":
            ts = float(parts[1])
            values = (sum(map(float, parts[2:5])), float(parts[4]), int(parts[5]))
            if ts <= t0:
                before = values
            if ts <= t1:
                after = values
        elif len(parts) == 3 and parts[0] == "gc2" and t0 <= float(parts[1]) <= t1:
            longest = max(longest, float(parts[2]))
    if before is None or after is None:
        return None
    return GcUse(after[0] - before[0], after[1] - before[1], after[2] - before[2], longest)


# ---------------------------------------------------------------------------------------
# Role: a process of subscribers (child process), commands as JSON lines on stdin
# ---------------------------------------------------------------------------------------


@dataclass
class ClientStats:
    t0: int = 2**63  # counting window, time.time_ns()
    t1: int = 0
    count: int = 0
    latencies: list[float] = field(default_factory=list)
    stamps: list[float] = field(default_factory=list)  # receipt, seconds into the window
    ready: int = 0
    failed: int = 0
    gaps: int = 0
    dups: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 3:
            self.error_samples.append(text[:300])


async def _subscriber(
    kind: str,
    url: str,
    task: str,
    token: str,
    st: ClientStats,
    gate: asyncio.Semaphore,
    cfg_deflate: bool = False,
) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import WebSocketException

    released = False

    def ready() -> None:
        nonlocal released
        if not released:
            released = True
            st.ready += 1
            gate.release()

    await gate.acquire()
    options: dict[str, Any] = {
        "compression": "deflate" if cfg_deflate else None,
        "ping_interval": None,
        "max_size": None,
        "open_timeout": 60,
        "close_timeout": 1,
    }
    try:
        if kind == "app":
            ws = await connect(url, subprotocols=["graphql-transport-ws"], **options)  # type: ignore[list-item]
            await ws.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
                )
            )
            ack = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"no connection_ack: {ack}")
            subscribe = {"query": SUBSCRIPTION, "variables": {"id": task}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        else:
            ws = await connect(f"{url}/{task}", **options)
            ready()  # no replay on the relay: open is ready
        last = 0
        async for raw in ws:
            now = time.time_ns()
            msg = json.loads(raw)
            if kind == "app":
                kind_of = msg.get("type")
                if kind_of != "next":
                    if kind_of == "ping":
                        await ws.send('{"type":"pong"}')
                        continue
                    st.error(str(raw))
                    break
                payload = msg["payload"]
                if payload.get("errors"):
                    st.error(json.dumps(payload["errors"]))
                event = payload["data"]["taskEvents"]
                ready()  # the replay's first event arrived: this subscription is live
            else:
                event = msg
            seq = event["seq"]
            if last:
                if seq <= last:
                    st.dups += 1
                elif seq != last + 1:
                    st.gaps += 1
            last = max(last, seq)
            if st.t0 <= now <= st.t1:
                st.count += 1
                sent = event["payload"].get("sentAt")
                if sent:
                    st.latencies.append(round((now - sent) / 1e6, 3))
                    st.stamps.append(round((now - st.t0) / 1e9, 3))
    except asyncio.CancelledError:
        raise
    except (WebSocketException, OSError, RuntimeError, KeyError, TimeoutError) as exc:
        st.error(f"{type(exc).__name__}: {exc}")
    finally:
        if not released:
            st.failed += 1
            released = True
            gate.release()


async def _client(cfg: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, json.loads(line))
        loop.call_soon_threadsafe(commands.put_nowait, {"cmd": "close"})

    threading.Thread(target=read_stdin, daemon=True).start()

    def reply(obj: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    st = ClientStats()
    gate = asyncio.Semaphore(cfg["concurrency"])
    started = time.perf_counter()
    tasks = [
        asyncio.create_task(
            _subscriber(cfg["kind"], cfg["url"], task, token, st, gate, cfg["deflate"])
        )
        for task, token in cfg["subs"]
    ]
    deadline = time.perf_counter() + cfg["ready_timeout"]
    while st.ready + st.failed < len(tasks) and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    reply(
        {
            "ready": st.ready,
            "failed": st.failed,
            "seconds": time.perf_counter() - started,
            "errors": st.error_samples,
        }
    )
    while True:
        command = await commands.get()
        if command["cmd"] == "close":
            break
        # A counting window [t0, t1]: deliveries, latencies and this process's CPU in it.
        st.t0, st.t1 = int(command["t0"] * 1e9), int(command["t1"] * 1e9)
        st.count, st.latencies, st.stamps = 0, [], []
        errors_before = st.errors
        await asyncio.sleep(max(0.0, command["t0"] - time.time()))
        cpu0 = self_cpu()
        await asyncio.sleep(max(0.0, command["t1"] - time.time()))
        cpu1 = self_cpu()
        await asyncio.sleep(0.3)  # receipts stamped inside the window, still being read
        reply(
            {
                "count": st.count,
                "latencies": st.latencies,
                "stamps": st.stamps,
                "cpu": cpu1 - cpu0,
                "gaps": st.gaps,
                "dups": st.dups,
                "errors": st.errors - errors_before,
                "error_samples": st.error_samples,
                "open": sum(not t.done() for t in tasks),
            }
        )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    reply({"closed": True})


def client_main() -> None:
    raise_fd_limit()
    cfg = json.loads(sys.stdin.readline())
    try:
        import uvloop

        uvloop.run(_client(cfg))
    except ImportError:
        asyncio.run(_client(cfg))


# ---------------------------------------------------------------------------------------
# Orchestrator
# ---------------------------------------------------------------------------------------


class ClientProc:
    """One child process of subscribers."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, cfg: dict[str, Any]) -> ClientProc:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(THIS),
            "--client",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**28,
        )
        self = cls(proc)
        await self.send(cfg)
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def send(self, obj: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        await self.proc.stdin.drain()

    async def recv(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"client process {self.pid} exited ({self.proc.returncode})")
        result: dict[str, Any] = json.loads(line)
        return result

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.send({"cmd": "close"})
            await asyncio.wait_for(self.recv(), 15)
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        await self.proc.wait()


class Feed:
    """Plays the worker: each tick, for the tasks due, appends their next step events in one
    transaction (seq from tasks.last_seq, as the recorder does), then publishes the wire JSON
    (BusEvent.to_wire) to each task's channel; `sentAt` is stamped just before the publish."""

    SQL = """
    with bumped as (
      update tasks set last_seq = last_seq + 1 where id = any($1::uuid[])
      returning id, user_id, last_seq
    )
    insert into task_events (task_id, user_id, seq, type, payload, created_at)
    select id, user_id, last_seq, 'step', $2::jsonb, now() from bumped
    returning task_id, user_id, seq, created_at
    """

    def __init__(
        self, pg: Any, redis: Any, tasks: list[uuid.UUID], rate: float, tick: float
    ) -> None:
        period = 1.0 / rate
        slots = max(1, round(period / tick))
        self.tick = period / slots
        self.slots: list[list[uuid.UUID]] = [[] for _ in range(slots)]
        for i, task in enumerate(tasks):
            self.slots[i % slots].append(task)
        self.pg, self.redis = pg, redis
        self.sent: list[tuple[int, int]] = []  # (sentAt ns, events)
        self.late = 0
        self.failed = 0  # ticks whose publish failed (Redis connection dropped)
        self._stop = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop = True
        if self._task is not None:
            await self._task

    def published(self, t0: float, t1: float) -> int:
        a, b = int(t0 * 1e9), int(t1 * 1e9)
        return sum(n for ts, n in self.sent if a <= ts <= b)

    async def _run(self) -> None:
        started, k = time.perf_counter(), 0
        while not self._stop:
            due = self.slots[k % len(self.slots)]
            if due:
                await self._emit(due)
            k += 1
            delay = started + k * self.tick - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self.late += 1

    async def _emit(self, due: list[uuid.UUID]) -> None:
        stored = {**STEP, "sentAt": time.time_ns()}  # the row's own copy (commit time)
        rows = await self.pg.fetch(self.SQL, due, json.dumps(stored))
        sent = time.time_ns()
        try:
            await self._publish(rows, sent)
        except (RedisError, OSError):
            self.failed += 1  # committed: the app catches up from the log, the relay can't
            return
        self.sent.append((sent, len(rows)))

    async def _publish(self, rows: list[Any], sent: int) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for row in rows:
                wire = {
                    "taskId": str(row["task_id"]),
                    "userId": str(row["user_id"]),
                    "seq": row["seq"],
                    "type": "step",
                    "payload": {**STEP, "sentAt": sent},
                    "createdAt": row["created_at"].isoformat(),
                }
                pipe.publish(CHANNEL + wire["taskId"], json.dumps(wire, separators=(",", ":")))
            await pipe.execute()


def count_in_log(path: Path, needle: str) -> int:
    if not path.exists():
        return 0
    return path.read_text(errors="replace").count(needle)


@dataclass
class Snapshot:
    wall: float
    server: float
    clients: float
    me: float
    redis: float
    machine: float
    drops: int  # times the server's Redis pub/sub connection was closed on it


@dataclass
class Window:
    seconds: float
    deliveries: int
    published: int
    latencies: list[float]
    server_cpu: float
    clients_cpu: float  # as the client processes measured themselves
    me_cpu: float
    redis_cpu: float
    machine_cpu: float
    redis_drops: int
    publish_failures: int
    gaps: int
    dups: int
    errors: int
    error_samples: list[str]
    open: int
    gc: GcUse | None = None
    stamps: list[float] = field(default_factory=list)
    cpu_series: list[float] = field(default_factory=list)  # server cores busy, per second
    wait_series: list[float] = field(default_factory=list)  # server runqueue wait, per second

    @property
    def rate(self) -> float:
        return self.deliveries / self.seconds

    @property
    def cpu_per_1000(self) -> float:
        return 1000 * self.server_cpu / self.deliveries if self.deliveries else float("nan")

    @property
    def per_cpu_second(self) -> float:
        return self.deliveries / self.server_cpu if self.server_cpu else float("nan")


@dataclass
class Phase:
    target: str
    connect_seconds: float
    ready: int
    failed: int
    window: Window
    profile: Window | None = None
    profile_file: Path | None = None


@dataclass
class Load:
    name: str
    title: str
    subs: list[tuple[str, str, str]]  # (global id, uuid, token) per subscriber
    tasks: list[uuid.UUID]
    rate: float
    per_task: int


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args, self.tmp = args, tmp
        self.procs: list[subprocess.Popen[bytes]] = []
        self.app_pid = 0
        self.relay_pid = 0
        self.app_url = ""
        self.relay_url = ""

    # -- servers --------------------------------------------------------------------

    def start_servers(self, settings_json: str) -> None:
        app_sock, relay_sock = bound_socket(), bound_socket()
        env = {**os.environ, "BENCH_APP_SETTINGS": settings_json, "PYTHONPATH": str(ROOT)}
        if self.args.patch_gql_leak:
            env["BENCH_PATCH_GQL_LEAK"] = "1"
        if self.args.ws_deflate:
            env["BENCH_WS_DEFLATE"] = "1"
        # Their logs go to files: clients closing mid-send make strawberry log tracebacks.
        self.app_log = open(self.args.log_dir / "bench-subscriptions-app.log", "wb")
        self.relay_log = open(self.args.log_dir / "bench-subscriptions-relay.log", "wb")
        app = subprocess.Popen(  # noqa: S603 — our interpreter and this file
            [sys.executable, str(THIS), "--serve-app", str(app_sock.fileno())],
            pass_fds=[app_sock.fileno()],
            env=env,
            cwd=self.tmp,
            stdout=self.app_log,
            stderr=subprocess.STDOUT,
        )
        relay = subprocess.Popen(  # noqa: S603 — our interpreter and bench/relay.py
            [
                sys.executable,
                str(BENCH / "relay.py"),
                "--redis-url",
                self.args.redis_url,
                "--fd",
                str(relay_sock.fileno()),
                *(["--deflate"] if self.args.ws_deflate else []),
            ],
            pass_fds=[relay_sock.fileno()],
            env=env,
            cwd=self.tmp,
            stdout=self.relay_log,
            stderr=subprocess.STDOUT,
        )
        self.procs += [app, relay]
        self.app_pid, self.relay_pid = app.pid, relay.pid
        app_port, relay_port = app_sock.getsockname()[1], relay_sock.getsockname()[1]
        self.app_url = f"http://{HOST}:{app_port}"
        self.relay_url = f"ws://{HOST}:{relay_port}/ws"
        import httpx

        deadline = time.monotonic() + 60
        while True:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"server process {proc.pid} exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.app_url}/healthz", timeout=2).status_code == 200:
                    with socket.create_connection((HOST, relay_port), 2):
                        break
            if time.monotonic() > deadline:
                raise TimeoutError("servers did not start")
            time.sleep(0.1)
        app_sock.close()
        relay_sock.close()

    def stop_servers(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    # -- set-up through GraphQL -------------------------------------------------------

    async def setup(self, settings: Any) -> tuple[Load, Load]:
        import httpx

        from autofactura.core.services import build_services
        from autofactura.core.tasks.lifecycle import Outcome, move
        from autofactura.core.tasks.models import Task
        from autofactura.core.tasks.status import TaskStatus
        from autofactura.schema.ids import decode

        async def gql(
            client: httpx.AsyncClient, query: str, token: str | None = None, **variables: Any
        ) -> dict[str, Any]:
            headers = {"authorization": f"Bearer {token}"} if token else {}
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            body = response.json()
            if body.get("errors"):
                raise RuntimeError(body["errors"])
            data: dict[str, Any] = body["data"]
            return data

        gate = asyncio.Semaphore(8)
        run = secrets.token_hex(4)

        async def user(client: httpx.AsyncClient, n: int) -> tuple[str, str, uuid.UUID]:
            async with gate:
                data = await gql(
                    client, REGISTER, e=f"bench-{run}-{n}@example.com", p="bench-pass-1"
                )
                token = data["register"]["token"]
                data = await gql(client, CREATE_PROFILE, token, input=PROFILE)
                profile = data["createFiscalProfile"]["id"]
                ticket = {
                    "folio": f"B-{n}",
                    "date": str(date.today() - timedelta(days=1)),
                    "total": "245.50",
                }
                data = await gql(
                    client,
                    CREATE_TASK,
                    token,
                    input={
                        "vendorUrl": "https://93.184.216.34/facturacion",
                        "ticket": ticket,
                        "fiscalProfileId": profile,
                    },
                )
                created = data["createTask"]
                if created["__typename"] != "Task":
                    raise RuntimeError(created)
                task_uuid = decode(created["id"], "Task")
                assert task_uuid is not None
                return token, created["id"], task_uuid

        started = time.perf_counter()
        async with httpx.AsyncClient(base_url=self.app_url, timeout=60) as client:
            users = await asyncio.gather(*(user(client, n) for n in range(self.args.tasks_a + 1)))
        # The worker picks them up: PENDING → RUNNING through the state machine (an event each).
        services = build_services(settings)
        try:
            move_gate = asyncio.Semaphore(8)

            async def running(task_id: uuid.UUID) -> None:
                async with move_gate, services.db.session() as session:
                    task = await session.get(Task, task_id)
                    assert task is not None
                    await move(
                        session,
                        task,
                        TaskStatus.RUNNING,
                        Outcome(message="Abriendo el portal del proveedor."),
                    )

            await asyncio.gather(*(running(u[2]) for u in users))
        finally:
            await services.close()
        print(
            f"set-up: {len(users)} users, profiles and RUNNING tasks through GraphQL in "
            f"{time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        many, one = users[:-1], users[-1]
        load_a = Load(
            "a",
            f"(a) {self.args.subs_per_task * len(many)} subscribers over {len(many)} running "
            f"tasks, {self.args.rate_a:g} events/s per task",
            [(gid, str(u), tok) for tok, gid, u in many for _ in range(self.args.subs_per_task)],
            [u for _, _, u in many],
            self.args.rate_a,
            self.args.subs_per_task,
        )
        load_b = Load(
            "b",
            f"(b) {self.args.subs_b} subscribers of one task, {self.args.rate_b:g} events/s",
            [(one[1], str(one[2]), one[0])] * self.args.subs_b,
            [one[2]],
            self.args.rate_b,
            self.args.subs_b,
        )
        return load_a, load_b

    # -- measuring ----------------------------------------------------------------------

    async def snapshot(self, server_pid: int, clients: list[ClientProc], redis: Any) -> Snapshot:
        if server_pid == self.app_pid:
            log, needle = self.args.log_dir / "bench-subscriptions-app.log", "event bus lost Redis"
        else:
            log, needle = self.args.log_dir / "bench-subscriptions-relay.log", "relay lost Redis"
        info = await redis.info("cpu")
        return Snapshot(
            time.time(),
            cpu_seconds(server_pid),
            sum(cpu_seconds(c.pid) for c in clients),
            self_cpu(),
            float(info["used_cpu_user"]) + float(info["used_cpu_sys"]),
            machine_busy_seconds(),
            count_in_log(log, needle),
        )

    async def window(
        self,
        feed: Feed,
        clients: list[ClientProc],
        server_pid: int,
        redis: Any,
        seconds: float,
        lead: float,
        during: Any = None,
    ) -> Window:
        t0 = time.time() + lead
        t1 = t0 + seconds
        failed_before = feed.failed
        for c in clients:
            await c.send({"cmd": "window", "t0": t0, "t1": t1})
        await asyncio.sleep(max(0.0, t0 - time.time()))
        a = await self.snapshot(server_pid, clients, redis)
        series: list[float] = []

        waits: list[float] = []

        async def sample() -> None:
            last, last_wait, k = a.server, runqueue_wait_seconds(server_pid), 1
            while t0 + k <= t1 + 1e-6:
                await asyncio.sleep(max(0.0, t0 + k - time.time()))
                now, wait = cpu_seconds(server_pid), runqueue_wait_seconds(server_pid)
                series.append(now - last)
                waits.append(wait - last_wait)
                last, last_wait, k = now, wait, k + 1

        sampler = asyncio.create_task(sample())
        if during is not None:
            await during(seconds)
        await asyncio.sleep(max(0.0, t1 - time.time()))
        b = await self.snapshot(server_pid, clients, redis)
        await sampler
        results = [await c.recv() for c in clients]
        return Window(
            seconds=seconds,
            deliveries=sum(r["count"] for r in results),
            published=feed.published(t0, t1),
            latencies=[x for r in results for x in r["latencies"]],
            server_cpu=b.server - a.server,
            clients_cpu=sum(r["cpu"] for r in results),
            me_cpu=b.me - a.me,
            redis_cpu=b.redis - a.redis,
            machine_cpu=b.machine - a.machine,
            redis_drops=b.drops - a.drops,
            publish_failures=feed.failed - failed_before,
            gaps=sum(r["gaps"] for r in results),
            dups=sum(r["dups"] for r in results),
            errors=sum(r["errors"] for r in results),
            error_samples=[s for r in results for s in r["error_samples"]][:3],
            open=sum(r["open"] for r in results),
            gc=gc_use(self.args.log_dir / "bench-subscriptions-app.log", t0, t1)
            if server_pid == self.app_pid
            else None,
            stamps=[x for r in results for x in r["stamps"]],
            cpu_series=series,
            wait_series=waits,
        )

    async def phase(
        self, load: Load, target: str, pg: Any, redis: Any, profile_seconds: float = 0
    ) -> Phase:
        args = self.args
        server_pid = self.app_pid if target == "app" else self.relay_pid
        url = (
            f"ws://{self.app_url.removeprefix('http://')}/graphql"
            if target == "app"
            else self.relay_url
        )
        subs = [(gid if target == "app" else raw, token) for gid, raw, token in load.subs]
        parts = [subs[i :: args.client_procs] for i in range(args.client_procs)]
        started = time.perf_counter()
        clients = [
            await ClientProc.start(
                {
                    "kind": target,
                    "url": url,
                    "subs": part,
                    "concurrency": args.connect_concurrency,
                    "ready_timeout": 120,
                    "deflate": args.ws_deflate,
                }
            )
            for part in parts
            if part
        ]
        feed = None
        try:
            ready = [await asyncio.wait_for(c.recv(), 180) for c in clients]
            connect_seconds = time.perf_counter() - started
            n_ready = sum(r["ready"] for r in ready)
            n_failed = sum(r["failed"] for r in ready)
            print(
                f"  {load.name}/{target}: {n_ready} subscribers ready, {n_failed} failed, in "
                f"{connect_seconds:.1f} s",
                file=sys.stderr,
            )
            for r in ready:
                for e in r["errors"]:
                    print(f"    error: {e}", file=sys.stderr)
            feed = Feed(pg, redis, load.tasks, load.rate, args.tick)
            feed.start()
            result = Phase(
                target,
                connect_seconds,
                n_ready,
                n_failed,
                await self.window(feed, clients, server_pid, redis, args.window, args.warmup),
            )
            if profile_seconds:
                out = self.args.profile_out
                if target != "app":
                    out = out.with_name(out.name.replace(".pyspy", f".{target}.pyspy"))
                result.profile_file = out

                async def spy(seconds: float) -> None:
                    proc = await asyncio.create_subprocess_exec(
                        str(Path(sys.executable).parent / "py-spy"),
                        "record",
                        "--pid",
                        str(server_pid),
                        "--duration",
                        str(int(seconds)),
                        "--rate",
                        str(args.profile_rate),
                        "--format",
                        "raw",
                        "--gil",
                        "--output",
                        str(out),
                        stdout=asyncio.subprocess.DEVNULL,
                        stderr=asyncio.subprocess.PIPE,
                    )
                    _, err = await proc.communicate()
                    if proc.returncode != 0:
                        print(f"py-spy failed: {err.decode()[-500:]}", file=sys.stderr)
                        result.profile_file = None

                result.profile = await self.window(
                    feed, clients, server_pid, redis, profile_seconds, 0.3, spy
                )
            return result
        finally:
            if feed is not None:
                await feed.stop()
            await asyncio.gather(*(c.close() for c in clients))

    async def run(self, settings: Any) -> None:
        import asyncpg
        from redis.asyncio import Redis

        load_a, load_b = await self.setup(settings)
        pg = await asyncpg.connect(self.args.database_url)
        redis = Redis.from_url(self.args.redis_url)
        try:
            header(self.args)
            for load in (load_a, load_b):
                if load.name not in self.args.loads:
                    continue
                profile = self.args.profile if load.name == "a" else 0
                app = await self.phase(load, "app", pg, redis, profile)
                relay_profile = profile if self.args.profile_relay else 0
                relay = await self.phase(load, "relay", pg, redis, relay_profile)
                report(load, app, relay, self.args)
                for phase in (app, relay):
                    if phase.profile is not None and phase.profile_file is not None:
                        profile_report(phase.profile, phase.profile_file, phase.target)
        finally:
            await pg.close()
            await redis.aclose()


REGISTER = """mutation($e: String!, $p: String!) { register(email: $e, password: $p) {
  __typename ... on AuthPayload { token } ... on UserError { code message } } }"""
CREATE_PROFILE = """mutation($input: FiscalProfileInput!) { createFiscalProfile(input: $input) {
  __typename ... on FiscalProfile { id } ... on UserError { code message } } }"""
CREATE_TASK = """mutation($input: CreateTaskInput!) { createTask(input: $input) {
  __typename ... on Task { id status } ... on UserError { code message } } }"""
PROFILE = {
    "taxId": "WAL9709244W4",
    "legalName": "NUEVA WAL MART DE MEXICO",
    "taxSystem": "601",
    "zip": "01000",
    "cfdiUse": "G03",
    "email": "facturas@example.com",
}


# ---------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------


def header(args: argparse.Namespace) -> None:
    from importlib.metadata import version

    libs = " · ".join(
        f"{name} {version(name)}"
        for name in (
            "strawberry-graphql",
            "graphql-core",
            "starlette",
            "uvicorn",
            "websockets",
            "redis",
        )
    )
    print(f"Python {platform.python_version()} · {os.cpu_count()} CPUs · {libs}")
    print(
        "Servers: one uvicorn process each (uvloop, websockets-sansio, "
        "ws_per_message_deflate=False), measured one after the other on the same feed."
    )
    if args.patch_gql_leak:
        print(
            "EXPERIMENT: app run with graphql-core's per-event subfield cache reset "
            "(--patch-gql-leak)."
        )
    if args.ws_deflate:
        print("EXPERIMENT: both servers and the clients use permessage-deflate (--ws-deflate).")


def report(load: Load, app: Phase, relay: Phase, args: argparse.Namespace) -> None:
    a, r = app.window, relay.window
    expected = a.published * load.per_task / a.seconds
    print()
    print(
        f"Load {load.title}: {len(load.tasks) * load.rate:g} events/s published, "
        f"~{expected:.0f} deliveries/s expected; {args.window:g} s window after "
        f"{args.warmup:g} s warm-up"
    )

    def row(label: str, fa: str, fr: str) -> None:
        print(f"  {label:<42} {fa:>14} {fr:>14}")

    def cores(x: float, w: Window) -> str:
        return f"{x / w.seconds:.2f}"

    row("", "app (GraphQL)", "bare relay")
    row("subscribers ready / failed", f"{app.ready}/{app.failed}", f"{relay.ready}/{relay.failed}")
    row("connect + first event, s", f"{app.connect_seconds:.1f}", f"{relay.connect_seconds:.1f}")
    row(
        "events published/s in window",
        f"{a.published / a.seconds:.0f}",
        f"{r.published / r.seconds:.0f}",
    )
    row("deliveries/s", f"{a.rate:.0f}", f"{r.rate:.0f}")
    row("server CPU s per 1,000 deliveries", f"{a.cpu_per_1000:.3f}", f"{r.cpu_per_1000:.3f}")
    row("deliveries per server CPU-second", f"{a.per_cpu_second:.0f}", f"{r.per_cpu_second:.0f}")
    row("server CPU, cores busy", cores(a.server_cpu, a), cores(r.server_cpu, r))
    g = a.gc
    if g is not None:
        row("  of which GC, cores (all generations)", f"{g.seconds / a.seconds:.2f}", "")
        row("  full (gen2) collections / longest ms", f"{g.full}/{g.longest_ms:.0f}", "")
    row(
        "latency p50 ms (publish → client)",
        f"{percentile(a.latencies, 50):.1f}",
        f"{percentile(r.latencies, 50):.1f}",
    )
    row(
        "latency p99 ms", f"{percentile(a.latencies, 99):.1f}", f"{percentile(r.latencies, 99):.1f}"
    )
    row(
        "latency max ms",
        f"{max(a.latencies, default=float('nan')):.1f}",
        f"{max(r.latencies, default=float('nan')):.1f}",
    )
    row(
        f"clients CPU, cores ({args.client_procs} procs)",
        cores(a.clients_cpu, a),
        cores(r.clients_cpu, r),
    )
    row("publisher (this process) CPU, cores", cores(a.me_cpu, a), cores(r.me_cpu, r))
    row("redis-server CPU, cores", cores(a.redis_cpu, a), cores(r.redis_cpu, r))
    row("whole machine busy, cores (of 2)", cores(a.machine_cpu, a), cores(r.machine_cpu, r))
    row(
        "seq gaps / dups / errors", f"{a.gaps}/{a.dups}/{a.errors}", f"{r.gaps}/{r.dups}/{r.errors}"
    )
    if a.redis_drops or r.redis_drops or a.publish_failures or r.publish_failures:
        row(
            "Redis dropped us: server pub/sub / publishes",
            f"{a.redis_drops}/{a.publish_failures}",
            f"{r.redis_drops}/{r.publish_failures}",
        )
    ratio = a.per_cpu_second / r.per_cpu_second if r.per_cpu_second else float("nan")
    goal = "met" if ratio >= 0.5 else "MISSED"
    line = f"  app/relay deliveries per CPU-second: {ratio:.2f} (goal >= 0.50: {goal})"
    if load.name == "a":
        p99 = percentile(a.latencies, 99)
        line += f"; app p99 {p99:.1f} ms (goal < 100 ms: {'met' if p99 < 100 else 'MISSED'})"
    print(line)
    for w, name in ((a, "app"), (r, "relay")):
        for sample in w.error_samples:
            print(f"  {name} error: {sample}")
    if args.timeline:
        for w, name in ((a, "app"), (r, "relay")):
            timeline(name, w)


def timeline(name: str, w: Window) -> None:
    """Per second of the window: deliveries, latency p50/p99, server cores busy."""
    buckets: dict[int, list[float]] = {}
    for stamp, latency in zip(w.stamps, w.latencies, strict=True):
        buckets.setdefault(int(stamp), []).append(latency)
    print(
        f"  {name} timeline: second, deliveries, p50/p99 ms, server cores busy, "
        "server main thread's wait for a CPU (s)"
    )
    for k in range(int(w.seconds)):
        lat = buckets.get(k, [])
        cores = w.cpu_series[k] if k < len(w.cpu_series) else float("nan")
        wait = w.wait_series[k] if k < len(w.wait_series) else float("nan")
        print(
            f"    {k:>3} {len(lat):>6} {percentile(lat, 50):>7.1f}/{percentile(lat, 99):<7.1f}"
            f" {cores:.2f} {wait:.3f}"
        )


# A py-spy frame: "function (path/to/file.py:line)" (line may be missing).
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

# (category, predicate on (function, file)) — a sample goes to the innermost frame that
# matches one; the standard library (asyncio, json, datetime, enum…) is charged to its
# caller, except json (own categories, split by who called it).
LAYERS: list[tuple[str, str]] = [
    (
        "our bus dispatch: Redis message → json.loads → BusEvent.from_wire → queues",
        "core/events/redis_bus.py",
    ),
    (
        "our stream.follow loop + Subscription.get (asyncio.wait_for)",
        "core/events/stream.py|core/events/bus.py",
    ),
    (
        "our per-event token check (context.seconds_left → principal)",
        "schema/context.py|core/auth/",
    ),
    (
        "our resolver glue (task_events generator, TaskEvent.from_bus, status/message)",
        "schema/subscriptions.py|schema/types/",
    ),
    ("DB (replay from the log / sessions)", "sqlalchemy/|asyncpg/"),
    ("redis-py: pub/sub read + RESP parsing", "redis/"),
    ("graphql-core: execute the selection per subscriber (incl. map_async_iterator)", "graphql/"),
    (
        "strawberry graphql-transport-ws protocol handler (send_next, send_message)",
        "strawberry/subscriptions/",
    ),
    ("strawberry ASGI view (send_json → encode_json)", "strawberry/asgi/|strawberry/http/"),
    (
        "strawberry execution layer (schema.subscribe, extensions, resolvers, scalars)",
        "strawberry/",
    ),
    ("Starlette WebSocket wrapper", "starlette/"),
    ("uvicorn websockets-sansio protocol (ASGI send → transport.write)", "uvicorn/"),
    ("websockets library: frame building (sansio)", "websockets/"),
    ("other app code", "src/|autofactura/"),
]


def _layer(func: str, file: str) -> str | None:
    for name, patterns in LAYERS:
        if any(p in file for p in patterns.split("|")):
            return name
    top = file.split("site-packages/")[-1].split("/")[0]
    if top in _third_party():
        return f"other library: {top}"
    return None


@functools.cache
def _third_party() -> frozenset[str]:
    """Top-level names installed in site-packages (py-spy shows their paths relative)."""
    import sysconfig

    names = set()
    for entry in os.listdir(sysconfig.get_paths()["purelib"]):
        if not entry.endswith((".dist-info", ".pth", ".egg-info")) and not entry.startswith("_"):
            names.add(entry.removesuffix(".py"))
    return frozenset(names)


def _parse_raw(path: Path) -> list[tuple[list[tuple[str, str]], int]]:
    samples = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = []
        for part in stack.split(";"):
            m = _FRAME.match(part)
            frames.append((m["func"], m["file"]) if m else (part, ""))
        samples.append((frames, int(count)))
    return samples


# Where each delivery's CPU goes along the pipeline: a sample goes to the first rule with a
# matching frame anywhere on its stack (function name, or file part after "@").
STAGE_RULES: list[tuple[str, tuple[str, ...]]] = [
    (
        "send: uvicorn websockets-sansio send (frame + socket write + waking the reader)",
        ("WebSocketsSansIOProtocol.send",),
    ),
    (
        "send: JSON encode of each `next` message (strawberry encode_json → json.dumps)",
        ("BaseView.encode_json", "GraphQLApp.encode_json"),
    ),
    (
        "send: strawberry send_next/send_message + Starlette send_text wrappers",
        ("Operation.send_next", "BaseGraphQLTransportWSHandler.send_message"),
    ),
    (
        "GraphQL: graphql-core executes the selection for this subscriber (per event)",
        ("map_source_to_response_event.<locals>.callback",),
    ),
    (
        "source: taskEvents generator → follow → Subscription.get (wait_for), seconds_left",
        ("task_events",),
    ),
    (
        "strawberry per-result hooks: on_stream_result (MaskErrors), extensions results",
        ("Schema._stream",),
    ),
    (
        "bus: RedisBus._read (redis-py get_message + RESP, json.loads, from_wire, offer)",
        ("RedisBus._read", "Relay.read"),
    ),
    (
        "strawberry protocol handler, other run_operation work",
        ("BaseGraphQLTransportWSHandler.run_operation",),
    ),
    (
        "connections: incoming frames, keepalive, ASGI app entry",
        (
            "WebSocketsSansIOProtocol.data_received",
            "WebSocketsSansIOProtocol.send_keepalive_ping",
            "WebSocketsSansIOProtocol.run_asgi",
        ),
    ),
    ("event loop: uvloop C (I/O polling, callbacks, task steps)", ("Runner.run",)),
]
# Details reported inside the stages (inclusive shares).
DETAILS: list[tuple[str, str]] = [
    ("  graphql-core complete_value (field values → result dict)", "Executor.complete_value"),
    ("  graphql-core collect_fields/collect_subfields", "@graphql/execution/collect_fields.py"),
    ("  graphql-core copy of the executor per event", "Executor.build_per_event_executor"),
    (
        "  strawberry resolver wrappers (_resolver, extension_resolver)",
        "@strawberry/schema/schema_converter.py",
    ),
    (
        "  MaskErrors.on_stream_result (runtime-checkable Protocol isinstance)",
        "MaskErrors.on_stream_result",
    ),
    ("  asyncio.wait_for in Subscription.get", "wait_for"),
    ("  Context.seconds_left (token expiry per event)", "Context.seconds_left"),
    ("  redis-py PubSub.get_message", "PubSub.get_message"),
]


def _has(frames: list[tuple[str, str]], anchor: str) -> bool:
    if anchor.startswith("@"):
        return any(anchor[1:] in file for _, file in frames)
    return any(func == anchor for func, _ in frames)


def profile_report(w: Window, path: Path, target: str = "app") -> None:
    samples = _parse_raw(path)
    total = sum(n for _, n in samples)
    if not total:
        print("profile: no samples")
        return
    layers: Counter[str] = Counter()
    for frames, n in samples:
        chosen = None
        for i in range(len(frames) - 1, -1, -1):
            func, file = frames[i]
            if "/json/" in file or file.startswith("json/"):
                callers = [f for _, f in frames[:i] if "/json/" not in f]
                caller = callers[-1] if callers else ""
                if "redis_bus.py" in caller:
                    chosen = _layer("", caller)
                else:
                    chosen = "JSON encode/decode (stdlib json) of outgoing messages"
                break
            chosen = _layer(func, file)
            if chosen is not None:
                break
        layers[chosen or "event loop: uvloop C code and asyncio (no library frame above)"] += n
    us_per_delivery = 1e6 * w.server_cpu / w.deliveries if w.deliveries else float("nan")
    print()
    print(
        f"Profile of the {target} server under load (a): py-spy, {total} samples over "
        f"{w.seconds:g} s; {w.rate:.0f} deliveries/s, server {w.server_cpu / w.seconds:.2f} "
        f"cores → {us_per_delivery:.0f} µs CPU per delivery; p99 {percentile(w.latencies, 99):.1f}"
        f" ms while sampled. Raw stacks: {path}"
    )
    if w.gc is not None and w.server_cpu:
        print(
            f"  garbage collection took {100 * w.gc.seconds / w.server_cpu:.0f}% of the server's "
            f"CPU in this window ({w.gc.full} full collections, longest {w.gc.longest_ms:.0f} ms);"
            " py-spy charges it to whatever frame allocated, inside the layers below."
        )
    print("  by layer (innermost non-stdlib frame; stdlib charged to its caller):")
    for rank, (name, n) in enumerate(layers.most_common(), 1):
        print(
            f"  {rank:>2}. {100 * n / total:5.1f}%  ~{us_per_delivery * n / total:5.0f} µs/delivery"
            f"  {name}"
        )
    stages: Counter[str] = Counter()
    for frames, n in samples:
        for name, anchors in STAGE_RULES:
            if any(_has(frames, a) for a in anchors):
                stages[name] += n
                break
        else:
            stages["other"] += n
    print("  by pipeline stage (each sample counted once, first matching stage):")
    for rank, (name, n) in enumerate(stages.most_common(), 1):
        print(
            f"  {rank:>2}. {100 * n / total:5.1f}%  ~{us_per_delivery * n / total:5.0f} µs/delivery"
            f"  {name}"
        )
    print("  details (share of samples with the frame on the stack):")
    for name, anchor in DETAILS:
        n = sum(c for frames, c in samples if _has(frames, anchor))
        print(f"      {100 * n / total:5.1f}%  {name}")
    leaves: Counter[str] = Counter()
    for frames, n in samples:
        func, file = frames[-1]
        short = file.split("site-packages/")[-1].split("python3.11/")[-1]
        leaves[f"{func} ({short})"] += n
    print("  top leaf functions (self time):")
    for name, n in leaves.most_common(8):
        print(f"      {100 * n / total:5.1f}%  {name}")


# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------


async def _create_db(url: str, drop_first: bool) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        if drop_first:
            await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.execute(f'create database "{name}"')
    finally:
        await admin.close()


async def _drop_db(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await admin.close()


def _flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main()
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--serve-app":
        serve_app(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured per phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="feed runs this long first")
    parser.add_argument("--loads", default="ab", help="which loads: a, b or ab")
    parser.add_argument("--tasks-a", type=int, default=500)
    parser.add_argument("--subs-per-task", type=int, default=2, help="load (a)")
    parser.add_argument("--rate-a", type=float, default=2.0, help="events/s per task, load (a)")
    parser.add_argument("--subs-b", type=int, default=100)
    parser.add_argument(
        "--rate-b", type=float, default=20.0, help="events/s of the one task in load (b)"
    )
    parser.add_argument("--tick", type=float, default=0.01, help="publisher tick, seconds")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument(
        "--connect-concurrency",
        type=int,
        default=25,
        help="subscriptions being set up at once per client process",
    )
    parser.add_argument(
        "--profile",
        type=float,
        default=15.0,
        help="py-spy the app under load (a) this many seconds (0: no)",
    )
    parser.add_argument("--profile-rate", type=int, default=200, help="py-spy samples/s")
    parser.add_argument(
        "--profile-out",
        type=Path,
        default=None,
        help="raw py-spy stacks (default: var/bench-subscriptions.pyspy.txt)",
    )
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/autofactura_bench_subs"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument(
        "--patch-gql-leak",
        action="store_true",
        help="experiment: run the app with graphql-core's subscription "
        "subfield-cache leak patched (see patch_graphql_core_leak)",
    )
    parser.add_argument(
        "--profile-relay", action="store_true", help="also py-spy the relay under load (a)"
    )
    parser.add_argument(
        "--ws-deflate",
        action="store_true",
        help="experiment: serve both with permessage-deflate and have clients negotiate it",
    )
    parser.add_argument(
        "--timeline", action="store_true", help="also print each second of each window"
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the database in place")
    args = parser.parse_args()
    if args.profile and not (Path(sys.executable).parent / "py-spy").exists():
        print("py-spy not in the venv (pip install py-spy): skipping the profile", file=sys.stderr)
        args.profile = 0
    args.log_dir = ROOT / "var"
    args.log_dir.mkdir(exist_ok=True)
    if args.profile_out is None:
        args.profile_out = args.log_dir / "bench-subscriptions.pyspy.txt"
    raise_fd_limit()

    from autofactura.core.config import Settings
    from autofactura.core.db.migrate import upgrade

    started = time.perf_counter()
    asyncio.run(_create_db(args.database_url, drop_first=True))
    _flush_redis(args.redis_url)
    tmp = Path(tempfile.mkdtemp(prefix="autofactura-bench-subs-"))
    bench = Bench(args, tmp)
    try:
        upgrade(args.database_url)
        settings = Settings(
            env="production",
            data_dir=tmp,
            database_url=args.database_url,
            redis_url=args.redis_url,
            encryption_keys=f"bench:{base64.b64encode(os.urandom(32)).decode()}",
            jwt_secret=secrets.token_hex(32),
            password_hash_time_cost=1,
            password_hash_memory_kib=1024,
            rate_limit_login="100000000/60",
            rate_limit_register="100000000/60",
            rate_limit_create_task="100000000/60",
            log_level="WARNING",
        )
        bench.start_servers(settings.model_dump_json())
        try:
            import uvloop

            uvloop.run(bench.run(settings))
        except ImportError:
            asyncio.run(bench.run(settings))
    finally:
        bench.stop_servers()
        _flush_redis(args.redis_url)
        if not args.keep_db:
            asyncio.run(_drop_db(args.database_url))
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"total {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
