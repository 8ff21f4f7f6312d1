"""Local browser costs: LocalChromium start/stop time, memory per concurrent browser, and
the live view's frame rate and DOM-change-to-frame latency; prints one table.

    .venv/bin/python bench/browser.py                 # ~1 minute
    .venv/bin/python bench/browser.py --help

Loopback only: the pages come from a tiny http.server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.server
import math
import os
import platform
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, Page, Playwright, async_playwright

from autofactura.core.browser.local import LocalChromium, find_chrome
from autofactura.core.browser.session import BrowserSession
from autofactura.live.screencast import PageScreencast

FORM = b"""<!doctype html><html><head><title>Portal de facturacion</title><style>
body{font-family:sans-serif;margin:2em;background:#f4f6f8}
form{background:#fff;padding:1.5em;border-radius:8px;max-width:520px}
label{display:block;margin-top:.8em}input,select{width:100%;padding:.4em}
button{margin-top:1.2em;padding:.6em 1.4em}</style></head><body>
<h1>Facturacion electronica</h1><form id="f" onsubmit="return false">
<label>RFC<input name="rfc" value="XAXX010101000"></label>
<label>Folio del ticket<input name="folio"></label>
<label>Total<input name="total" type="number" step="0.01"></label>
<label>Uso CFDI<select name="uso"><option>G03</option><option>S01</option></select></label>
<label>Correo<input name="email" type="email"></label>
<button id="go">Facturar</button></form></body></html>"""

COUNTER = b"""<!doctype html><html><body style="margin:0;font:48px sans-serif">
<div id="n" style="padding:40px">0</div><div id="box"></div><script>
let n = 0;
window.tick = setInterval(() => { document.getElementById('n').textContent = ++n; }, 100);
</script></body></html>"""

PAGES = {"/": FORM, "/counter": COUNTER}
COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd")


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path.split("?")[0])
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def page_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# --- /proc ---------------------------------------------------------------------------------


def _group_pids(pgid: int) -> list[int]:
    """Every process whose process group is pgid (LocalChromium starts its own session)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:
            pids.append(int(entry))
    return pids


def _kib(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class GroupMemory:
    rss_mb: float
    pss_mb: float
    processes: int


def group_memory(pgid: int) -> GroupMemory:
    pids = _group_pids(pgid)
    rss = sum(_kib(f"/proc/{pid}/status", "VmRSS:") for pid in pids)
    pss = sum(_kib(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
    return GroupMemory(rss / 1024, pss / 1024, len(pids))


# --- browsers --------------------------------------------------------------------------------


@dataclass
class Browsers:
    """The provider plus every session still running, so cleanup can stop them all."""

    provider: LocalChromium
    live: list[BrowserSession] = field(default_factory=list)

    async def start(self) -> BrowserSession:
        session = await self.provider.start(uuid.uuid4(), [])
        self.live.append(session)
        return session

    async def stop(self, session: BrowserSession) -> None:
        if session in self.live:
            self.live.remove(session)
        await self.provider.stop(session)

    async def stop_all(self) -> None:
        sessions, self.live = self.live, []
        for session in sessions:
            with contextlib.suppress(Exception):
                await self.provider.stop(session)


async def first_page(pw: Playwright, cdp_url: str) -> tuple[Browser, Page]:
    browser = await pw.chromium.connect_over_cdp(cdp_url)
    context = browser.contexts[0]
    page = context.pages[0] if context.pages else await context.new_page()
    return browser, page


# --- 1. start/stop ---------------------------------------------------------------------------


@dataclass
class StartResult:
    start_ms: list[float] = field(default_factory=list)
    """start() alone: Chromium spawned and DevToolsActivePort written."""
    ready_ms: list[float] = field(default_factory=list)
    """start() call to connect_over_cdp done and about:blank loaded."""
    stop_ms: list[float] = field(default_factory=list)


async def bench_start(pw: Playwright, browsers: Browsers, runs: int) -> StartResult:
    result = StartResult()
    for _ in range(runs):
        t0 = time.perf_counter()
        session = await browsers.start()
        t1 = time.perf_counter()
        browser, page = await first_page(pw, session.cdp_url)
        await page.goto("about:blank")
        t2 = time.perf_counter()
        await browser.close()  # over CDP: disconnects, the browser stays up
        t3 = time.perf_counter()
        await browsers.stop(session)
        t4 = time.perf_counter()
        result.start_ms.append((t1 - t0) * 1000)
        result.ready_ms.append((t2 - t0) * 1000)
        result.stop_ms.append((t4 - t3) * 1000)
    return result


# --- 2. memory -------------------------------------------------------------------------------


@dataclass
class MemoryResult:
    concurrency: int
    per_browser_rss: list[float]
    per_browser_pss: list[float]
    peak_total_rss: float
    peak_total_pss: float
    processes: list[int]


async def bench_memory(
    pw: Playwright, browsers: Browsers, base: str, concurrency: int, samples: int
) -> MemoryResult:
    sessions = await asyncio.gather(*(browsers.start() for _ in range(concurrency)))
    connected: list[Browser] = []
    try:
        pgids = []
        for session in sessions:
            pid = browsers.provider.pid(session)
            assert pid is not None
            pgids.append(pid)

        async def open_form(session: BrowserSession, i: int) -> None:
            browser, page = await first_page(pw, session.cdp_url)
            connected.append(browser)
            await page.goto(f"{base}/")
            await page.fill("input[name=folio]", f"A-{i:06d}")
            await page.fill("input[name=total]", "1234.56")

        await asyncio.gather(*(open_form(s, i) for i, s in enumerate(sessions)))
        peak_rss = [0.0] * concurrency
        peak_pss = [0.0] * concurrency
        procs = [0] * concurrency
        total_rss = total_pss = 0.0
        for _ in range(samples):
            readings = [group_memory(pgid) for pgid in pgids]
            for i, mem in enumerate(readings):
                peak_rss[i] = max(peak_rss[i], mem.rss_mb)
                peak_pss[i] = max(peak_pss[i], mem.pss_mb)
                procs[i] = max(procs[i], mem.processes)
            total_rss = max(total_rss, sum(m.rss_mb for m in readings))
            total_pss = max(total_pss, sum(m.pss_mb for m in readings))
            await asyncio.sleep(0.5)
        return MemoryResult(concurrency, peak_rss, peak_pss, total_rss, total_pss, procs)
    finally:
        for browser in connected:
            with contextlib.suppress(Exception):
                await browser.close()
        for session in sessions:
            await browsers.stop(session)


# --- 3. live view ----------------------------------------------------------------------------


@dataclass
class Frame:
    at: float
    data: str


class FrameLog:
    """Drains PageScreencast.frames() in the background, timestamping each arrival."""

    def __init__(self, cast: PageScreencast) -> None:
        self.cast = cast
        self.frames: list[Frame] = []
        self.arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        async for frame in self.cast.frames():
            self.frames.append(Frame(time.perf_counter(), str(frame["data"])))
            self.arrived.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[FrameLog]:
        self._task = asyncio.create_task(self._run())
        try:
            yield self
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def next_frame(self, wait_s: float) -> Frame | None:
        """The next frame that arrives, or None after wait_s seconds."""
        seen = len(self.frames)
        deadline = time.perf_counter() + wait_s
        while len(self.frames) == seen:
            self.arrived.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), remaining)
        return self.frames[seen]


@dataclass
class LiveResult:
    fps: float
    frames: int
    window_s: float
    mean_kb: float
    latency_ms: list[float]
    missed: int


async def bench_live(
    pw: Playwright, browsers: Browsers, base: str, window_s: float, samples: int
) -> LiveResult:
    session = await browsers.start()
    browser: Browser | None = None
    try:
        browser, page = await first_page(pw, session.cdp_url)
        await page.goto(f"{base}/counter")
        async with PageScreencast(session.cdp_url) as cast, FrameLog(cast).running() as log:
            # Frame rate with the counter ticking every 100 ms.
            await log.next_frame(5)  # the screencast's first frame
            first = len(log.frames)
            t0 = time.perf_counter()
            await asyncio.sleep(window_s)
            elapsed = time.perf_counter() - t0
            window = log.frames[first:]
            fps = len(window) / elapsed
            mean_kb = (
                sum(len(f.data) * 3 / 4 for f in window) / len(window) / 1024 if window else 0.0
            )

            # DOM change to a frame that differs from the previous one, on a still page.
            await page.evaluate("clearInterval(window.tick)")
            await asyncio.sleep(0.5)
            latencies: list[float] = []
            missed = 0
            for i in range(samples):
                while await log.next_frame(0.3) is not None:  # let the page settle
                    pass
                previous = log.frames[-1].data if log.frames else ""
                seen = len(log.frames)
                color = COLORS[i % len(COLORS)]
                t_change = time.perf_counter()
                await page.evaluate(
                    """c => { const b = document.getElementById('box');
                    b.style.cssText = `width:600px;height:300px;background:${c}`; }""",
                    color,
                )
                deadline = t_change + 2.0
                arrived: Frame | None = None
                while arrived is None and time.perf_counter() < deadline:
                    for frame in log.frames[seen:]:
                        if frame.data != previous:
                            arrived = frame
                            break
                    seen = len(log.frames)
                    if arrived is None:
                        await log.next_frame(deadline - time.perf_counter())
                if arrived is None:
                    missed += 1
                else:
                    latencies.append((arrived.at - t_change) * 1000)
        return LiveResult(fps, len(window), elapsed, mean_kb, latencies, missed)
    finally:
        if browser is not None:
            with contextlib.suppress(Exception):
                await browser.close()
        await browsers.stop(session)


# --- report ----------------------------------------------------------------------------------


def chromium_version(binary: str) -> str:
    try:
        out = subprocess.run(  # noqa: S603 — our own Chromium binary, fixed argument
            [binary, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "?"
    return out.strip().split(" built on")[0] or "?"


def row(name: str, values: list[float], unit: str = "ms") -> str:
    if not values:
        return f"  {name:<34} (no samples)"
    return (
        f"  {name:<34} p50 {percentile(values, 50):8.1f}  p95 {percentile(values, 95):8.1f}"
        f"  max {max(values):8.1f} {unit}  (n={len(values)})"
    )


def report(
    binary: str,
    start: StartResult,
    memory: MemoryResult | None,
    live: LiveResult | None,
) -> None:
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}, {chromium_version(binary)} ({binary}), headless"
    )
    print("1. start/stop (sequential)")
    print(row("start() -> DevTools endpoint", start.start_ms))
    print(row("start() -> CDP + about:blank ready", start.ready_ms))
    if start.ready_ms:
        print(f"  {'  of which the first (cold)':<34}     {start.ready_ms[0]:8.1f} ms")
    print(row("stop()", start.stop_ms))
    if memory is not None:
        k = memory.concurrency
        print(f"2. memory, {k} concurrent browsers on a local form page (peak over samples)")
        for name, values in (("RSS", memory.per_browser_rss), ("PSS", memory.per_browser_pss)):
            print(
                f"  per browser {name:<22} min {min(values):8.1f}  mean "
                f"{sum(values) / len(values):8.1f}  max {max(values):8.1f} MB"
            )
        print(f"  {'processes per browser':<34} {min(memory.processes)}-{max(memory.processes)}")
        print(
            f"  {'total of ' + str(k) + ' browsers':<34} RSS {memory.peak_total_rss:8.1f} MB"
            f"  PSS {memory.peak_total_pss:8.1f} MB"
        )
        print("  (RSS counts shared pages once per process; PSS splits them)")
    if live is not None:
        print("3. live view (PageScreencast, JPEG q60)")
        print(
            f"  {'frames/s, counter every 100 ms':<34} {live.fps:8.1f}  "
            f"({live.frames} frames in {live.window_s:.1f} s, mean {live.mean_kb:.1f} KB)"
        )
        print(row("DOM change -> changed frame", live.latency_ms))
        if live.missed:
            print(f"  {'no changed frame within 2 s':<34} {live.missed}")


async def main(args: argparse.Namespace) -> None:
    binary = find_chrome(args.chrome)
    base_dir = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    browsers = Browsers(LocalChromium(binary, True, base_dir))
    memory: MemoryResult | None = None
    live: LiveResult | None = None
    try:
        with page_server() as base:
            async with async_playwright() as pw:
                start = await bench_start(pw, browsers, args.runs)
                if args.concurrency > 0:
                    memory = await bench_memory(
                        pw, browsers, base, args.concurrency, args.mem_samples
                    )
                if args.live_window > 0:
                    live = await bench_live(pw, browsers, base, args.live_window, args.samples)
    finally:
        await browsers.stop_all()
        shutil.rmtree(base_dir, ignore_errors=True)
    report(binary, start, memory, live)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chrome", default=None, help="Chromium binary (default: as the app)")
    parser.add_argument("--runs", type=int, default=10, help="sequential starts (default 10)")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="browsers at once for memory (0: skip)"
    )
    parser.add_argument("--mem-samples", type=int, default=6, help="RSS samples, 0.5 s apart")
    parser.add_argument(
        "--live-window", type=float, default=5.0, help="seconds of frames counted (0: skip)"
    )
    parser.add_argument("--samples", type=int, default=20, help="latency samples (default 20)")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
