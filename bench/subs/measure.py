"""Measuring one window of a phase: CPU of each party from /proc and Redis INFO, the clients'
deliveries and latencies, the server's per-second CPU and the app's GC time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from subs.app_server import GcUse, gc_use
from subs.client import ClientProc
from subs.common import cpu_seconds, machine_busy_seconds, runqueue_wait_seconds, self_cpu
from subs.publisher import Feed
from subs.servers import Target


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


async def snapshot(target: Target, clients: list[ClientProc], redis: Any) -> Snapshot:
    info = await redis.info("cpu")
    return Snapshot(
        time.time(),
        cpu_seconds(target.pid),
        sum(cpu_seconds(c.pid) for c in clients),
        self_cpu(),
        float(info["used_cpu_user"]) + float(info["used_cpu_sys"]),
        machine_busy_seconds(),
        count_in_log(target.log, target.lost_redis),
    )


async def _per_second(
    pid: int, t0: float, t1: float, cpu0: float, series: list[float], waits: list[float]
) -> None:
    """The server's CPU and runqueue wait over each second of [t0, t1]."""
    last, last_wait, k = cpu0, runqueue_wait_seconds(pid), 1
    while t0 + k <= t1 + 1e-6:
        await asyncio.sleep(max(0.0, t0 + k - time.time()))
        now, wait = cpu_seconds(pid), runqueue_wait_seconds(pid)
        series.append(now - last)
        waits.append(wait - last_wait)
        last, last_wait, k = now, wait, k + 1


async def measure_window(
    feed: Feed,
    clients: list[ClientProc],
    target: Target,
    redis: Any,
    seconds: float,
    lead: float,
    during: Callable[[float], Awaitable[None]] | None = None,
) -> Window:
    """`seconds` of the running feed, starting `lead` seconds from now; `during` runs
    alongside (the profiler)."""
    t0 = time.time() + lead
    t1 = t0 + seconds
    failed_before = feed.failed
    for c in clients:
        await c.send({"cmd": "window", "t0": t0, "t1": t1})
    await asyncio.sleep(max(0.0, t0 - time.time()))
    a = await snapshot(target, clients, redis)
    series: list[float] = []
    waits: list[float] = []
    sampler = asyncio.create_task(_per_second(target.pid, t0, t1, a.server, series, waits))
    if during is not None:
        await during(seconds)
    await asyncio.sleep(max(0.0, t1 - time.time()))
    b = await snapshot(target, clients, redis)
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
        gc=gc_use(target.log, t0, t1) if target.name == "app" else None,
        stamps=[x for r in results for x in r["stamps"]],
        cpu_series=series,
        wait_series=waits,
    )
