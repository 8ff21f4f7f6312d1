"""The py-spy profile of a server under load (a): recording it, and the report of where each
delivery's CPU goes, by layer, by pipeline stage and by leaf function."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import sys
from collections import Counter
from pathlib import Path

from subs.common import percentile
from subs.measure import Window

# A py-spy frame: "function (path/to/file.py:line)" (line may be missing).
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

Frames = list[tuple[str, str]]  # (function, file), outermost first
Samples = list[tuple[Frames, int]]

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


async def record(pid: int, seconds: float, rate: int, out: Path) -> bool:
    """py-spy the process for `seconds` into `out` (raw stacks, GIL holder only)."""
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "py-spy"),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        str(rate),
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
        return False
    return True


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


def _parse_raw(path: Path) -> Samples:
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


def _has(frames: Frames, anchor: str) -> bool:
    if anchor.startswith("@"):
        return any(anchor[1:] in file for _, file in frames)
    return any(func == anchor for func, _ in frames)


def _layer_of_sample(frames: Frames) -> str:
    """The innermost frame's layer; stdlib json by who called it, other stdlib to its caller."""
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
    return chosen or "event loop: uvloop C code and asyncio (no library frame above)"


def _stage_of_sample(frames: Frames) -> str:
    for name, anchors in STAGE_RULES:
        if any(_has(frames, a) for a in anchors):
            return name
    return "other"


def _print_ranked(counts: Counter[str], total: int, us_per_delivery: float) -> None:
    for rank, (name, n) in enumerate(counts.most_common(), 1):
        print(
            f"  {rank:>2}. {100 * n / total:5.1f}%  ~{us_per_delivery * n / total:5.0f} µs/delivery"
            f"  {name}"
        )


def _print_heading(w: Window, path: Path, target: str, total: int, us: float) -> None:
    print()
    print(
        f"Profile of the {target} server under load (a): py-spy, {total} samples over "
        f"{w.seconds:g} s; {w.rate:.0f} deliveries/s, server {w.server_cpu / w.seconds:.2f} "
        f"cores → {us:.0f} µs CPU per delivery; p99 {percentile(w.latencies, 99):.1f}"
        f" ms while sampled. Raw stacks: {path}"
    )
    if w.gc is not None and w.server_cpu:
        print(
            f"  garbage collection took {100 * w.gc.seconds / w.server_cpu:.0f}% of the server's "
            f"CPU in this window ({w.gc.full} full collections, longest {w.gc.longest_ms:.0f} ms);"
            " py-spy charges it to whatever frame allocated, inside the layers below."
        )


def _print_details_and_leaves(samples: Samples, total: int) -> None:
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


def profile_report(w: Window, path: Path, target: str = "app") -> None:
    samples = _parse_raw(path)
    total = sum(n for _, n in samples)
    if not total:
        print("profile: no samples")
        return
    layers: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    for frames, n in samples:
        layers[_layer_of_sample(frames)] += n
        stages[_stage_of_sample(frames)] += n
    us_per_delivery = 1e6 * w.server_cpu / w.deliveries if w.deliveries else float("nan")
    _print_heading(w, path, target, total, us_per_delivery)
    print("  by layer (innermost non-stdlib frame; stdlib charged to its caller):")
    _print_ranked(layers, total, us_per_delivery)
    print("  by pipeline stage (each sample counted once, first matching stage):")
    _print_ranked(stages, total, us_per_delivery)
    _print_details_and_leaves(samples, total)
