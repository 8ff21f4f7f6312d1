"""What every role of the subscriptions benchmark shares: paths, the feed's shape, CPU
readings from /proc, percentiles and process set-up."""

from __future__ import annotations

import asyncio
import math
import os
import socket
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent
ROOT = BENCH.parent
ENTRY = BENCH / "subscriptions.py"  # every child process is this script with a role flag
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
CHANNEL = "autofactura:events:task:"
SUBSCRIPTION = (
    "subscription($id: ID!){ taskEvents(taskId: $id, after: 0) "
    "{ seq type status message payload createdAt } }"
)
# A step like the engines record: what was done, a line for people, no secret.
STEP = {"action": "fill", "field": "folio", "message": "Capturando el folio del ticket"}


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


def run_event_loop(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run the coroutine `make()` returns on uvloop, or on asyncio's loop without it."""
    try:
        import uvloop

        uvloop.run(make())
    except ImportError:
        asyncio.run(make())
