"""The app-server role (`--serve-app FD`): the app under uvicorn as `autofactura serve` runs
it, with its garbage collections timed; and reading those timings back from its log."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from subs.common import BENCH, raise_fd_limit


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
