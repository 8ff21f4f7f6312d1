"""Printing the results: the header, each load's app-beside-relay table with the goals, and
the optional per-second timeline."""

from __future__ import annotations

import argparse
import os
import platform

from subs.common import percentile
from subs.loads import Load
from subs.measure import Phase, Window


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


def _row(label: str, fa: str, fr: str) -> None:
    print(f"  {label:<42} {fa:>14} {fr:>14}")


def _cores(x: float, w: Window) -> str:
    return f"{x / w.seconds:.2f}"


def _latency_rows(a: Window, r: Window) -> None:
    _row(
        "latency p50 ms (publish → client)",
        f"{percentile(a.latencies, 50):.1f}",
        f"{percentile(r.latencies, 50):.1f}",
    )
    _row(
        "latency p99 ms", f"{percentile(a.latencies, 99):.1f}", f"{percentile(r.latencies, 99):.1f}"
    )
    _row(
        "latency max ms",
        f"{max(a.latencies, default=float('nan')):.1f}",
        f"{max(r.latencies, default=float('nan')):.1f}",
    )


def _table(app: Phase, relay: Phase, args: argparse.Namespace) -> None:
    a, r = app.window, relay.window
    _row("", "app (GraphQL)", "bare relay")
    _row("subscribers ready / failed", f"{app.ready}/{app.failed}", f"{relay.ready}/{relay.failed}")
    _row("connect + first event, s", f"{app.connect_seconds:.1f}", f"{relay.connect_seconds:.1f}")
    _row(
        "events published/s in window",
        f"{a.published / a.seconds:.0f}",
        f"{r.published / r.seconds:.0f}",
    )
    _row("deliveries/s", f"{a.rate:.0f}", f"{r.rate:.0f}")
    _row("server CPU s per 1,000 deliveries", f"{a.cpu_per_1000:.3f}", f"{r.cpu_per_1000:.3f}")
    _row("deliveries per server CPU-second", f"{a.per_cpu_second:.0f}", f"{r.per_cpu_second:.0f}")
    _row("server CPU, cores busy", _cores(a.server_cpu, a), _cores(r.server_cpu, r))
    g = a.gc
    if g is not None:
        _row("  of which GC, cores (all generations)", f"{g.seconds / a.seconds:.2f}", "")
        _row("  full (gen2) collections / longest ms", f"{g.full}/{g.longest_ms:.0f}", "")
    _latency_rows(a, r)
    _row(
        f"clients CPU, cores ({args.client_procs} procs)",
        _cores(a.clients_cpu, a),
        _cores(r.clients_cpu, r),
    )
    _row("publisher (this process) CPU, cores", _cores(a.me_cpu, a), _cores(r.me_cpu, r))
    _row("redis-server CPU, cores", _cores(a.redis_cpu, a), _cores(r.redis_cpu, r))
    _row("whole machine busy, cores (of 2)", _cores(a.machine_cpu, a), _cores(r.machine_cpu, r))
    _row(
        "seq gaps / dups / errors", f"{a.gaps}/{a.dups}/{a.errors}", f"{r.gaps}/{r.dups}/{r.errors}"
    )
    if a.redis_drops or r.redis_drops or a.publish_failures or r.publish_failures:
        _row(
            "Redis dropped us: server pub/sub / publishes",
            f"{a.redis_drops}/{a.publish_failures}",
            f"{r.redis_drops}/{r.publish_failures}",
        )


def _goals(load: Load, a: Window, r: Window) -> None:
    ratio = a.per_cpu_second / r.per_cpu_second if r.per_cpu_second else float("nan")
    goal = "met" if ratio >= 0.5 else "MISSED"
    line = f"  app/relay deliveries per CPU-second: {ratio:.2f} (goal >= 0.50: {goal})"
    if load.name == "a":
        p99 = percentile(a.latencies, 99)
        line += f"; app p99 {p99:.1f} ms (goal < 100 ms: {'met' if p99 < 100 else 'MISSED'})"
    print(line)


def report(load: Load, app: Phase, relay: Phase, args: argparse.Namespace) -> None:
    a, r = app.window, relay.window
    expected = a.published * load.per_task / a.seconds
    print()
    print(
        f"Load {load.title}: {len(load.tasks) * load.rate:g} events/s published, "
        f"~{expected:.0f} deliveries/s expected; {args.window:g} s window after "
        f"{args.warmup:g} s warm-up"
    )
    _table(app, relay, args)
    _goals(load, a, r)
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
