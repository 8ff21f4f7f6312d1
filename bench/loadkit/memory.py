"""Peak memory of the load bench's processes: every `interval` s, the RSS of each root's
process tree (the API, each worker with its dramatiq children and Chromiums), split into
parts; Chromium's processes count under "chromium" whoever started them. With psutil when
it is installed, else straight from /proc. RSS counts shared pages once per process, so
the sums overstate what the machine really gave (Chromium's renderers share a lot); PSS
(from /proc/<pid>/smaps_rollup, shared pages split between their users) is summed beside it."""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

try:
    import psutil
except ImportError:  # the /proc reader below does the same job
    psutil = None

PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024


def _proc_tree(root: int) -> Iterator[tuple[int, str, int]]:
    """(pid, name, rss bytes) of `root` and its descendants, read from /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
        names[int(entry.name)] = name
        children[int(rest.split()[1])].append(int(entry.name))
    stack = [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            rss = int((Path(f"/proc/{pid}/statm")).read_text().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
        yield pid, names.get(pid, ""), rss


def _psutil_tree(root: int) -> Iterator[tuple[int, str, int]]:
    try:
        top = psutil.Process(root)
        processes = [top, *top.children(recursive=True)]
    except psutil.Error:
        return
    for process in processes:
        try:
            yield process.pid, process.name(), process.memory_info().rss
        except psutil.Error:
            continue


def pss(pid: int) -> int:
    """Proportional set size in bytes; 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree(root: int) -> Iterator[tuple[int, str, int]]:
    return _psutil_tree(root) if psutil is not None else _proc_tree(root)


@dataclass
class MemorySampler:
    """Samples on a thread of its own until stopped; `roots` maps a part's name to pids."""

    roots: dict[str, list[int]]
    interval: float = 0.5
    peak_total: int = 0
    at_peak: dict[str, int] = field(default_factory=dict)
    peak_part: dict[str, int] = field(default_factory=dict)
    peak_pss: int = 0
    pss_at_peak: dict[str, int] = field(default_factory=dict)
    samples: int = 0
    started: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        parts: dict[str, int] = defaultdict(int)
        shares: dict[str, int] = defaultdict(int)
        for part, pids in self.roots.items():
            for root in pids:
                for pid, name, rss in tree(root):
                    kind = "chromium" if "chrom" in name.lower() else part
                    parts[kind] += rss
                    shares[kind] += pss(pid)
        if sum(shares.values()) > self.peak_pss:
            self.peak_pss, self.pss_at_peak = sum(shares.values()), dict(shares)
        total = sum(parts.values())
        self.samples += 1
        for part, rss in parts.items():
            self.peak_part[part] = max(self.peak_part.get(part, 0), rss)
        if total > self.peak_total:
            self.peak_total, self.at_peak = total, dict(parts)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def start(self) -> None:
        self.started = time.monotonic()
        self.sample()
        self._thread = threading.Thread(target=self._loop, name="memory", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def report(self) -> dict[str, object]:
        def mib(value: int) -> float:
            return round(value / MIB, 1)

        return {
            "source": "psutil" if psutil is not None else "/proc",
            "samples": self.samples,
            # A sample walks every process; on a busy machine it takes longer than 0.5 s.
            "mean_interval_s": round((time.monotonic() - self.started) / max(1, self.samples), 2),
            "peak_total_mib": mib(self.peak_total),
            "at_peak_mib": {part: mib(rss) for part, rss in sorted(self.at_peak.items())},
            "peak_per_part_mib": {part: mib(rss) for part, rss in sorted(self.peak_part.items())},
            "peak_pss_total_mib": mib(self.peak_pss),
            "pss_at_peak_mib": {part: mib(v) for part, v in sorted(self.pss_at_peak.items())},
        }
