"""Processes the fault tests kill or watch: a worker's Chromiums (in sessions of their own,
they die with a SIGKILLed worker by their parent-death signal) and the Chromium of one task."""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from pathlib import Path


def _processes() -> dict[int, tuple[int, str]]:
    """pid → (parent pid, command line) of every process we can read."""
    found: dict[int, tuple[int, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            found[int(entry)] = (parent, cmdline)
    return found


def _is_browser_leader(pid: int, cmdline: str) -> bool:
    """A Chromium's first process: it leads its own session (the launcher's choice)."""
    with contextlib.suppress(OSError):
        return "--remote-debugging-port" in cmdline and os.getsid(pid) == pid
    return False


def browsers_under(pid: int) -> list[int]:
    """The Chromiums started by process `pid` or its children."""
    table = _processes()
    children: dict[int, list[int]] = {}
    for child, (parent, _) in table.items():
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            todo.append(child)
            if _is_browser_leader(child, table[child][1]):
                found.append(child)
    return found


def task_browser(data_dir: Path, task_id: uuid.UUID) -> int | None:
    """The Chromium a worker started for `task_id` (its profile is under
    <data dir>/browsers/<task id>-…), or None while it has none."""
    marker = f"--user-data-dir={data_dir / 'browsers'}/{task_id}-"
    for pid, (_, cmdline) in _processes().items():
        if marker in cmdline and _is_browser_leader(pid, cmdline):
            return pid
    return None


def kill_group(pid: int) -> None:
    """SIGKILL a Chromium and every process of its session (renderers, zygote)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Running: a zombie (dead, waiting for a reaper) is not."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
    except (OSError, IndexError):
        return False


def still_running(pids: list[int], within: float) -> list[int]:
    """Those of `pids` still running after waiting up to `within` seconds for them to end."""
    deadline = time.monotonic() + within
    while (left := [p for p in pids if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left
