"""A process that started Chromium and dies without cleaning up (SIGKILL, the OOM killer)
takes its Chromium along: nothing keeps running for nobody."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROME = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.access(CHROME, os.X_OK), reason="no /usr/bin/chromium")

# A worker thread's loop, as in `autofactura worker`: it starts a browser and holds it.
HOLDER = """
import asyncio, sys, threading, uuid
from pathlib import Path
from autofactura.core.browser.local import LocalChromium

async def hold():
    provider = LocalChromium(chrome_path=None, headless=True, base_dir=Path(sys.argv[1]))
    await provider.start(uuid.uuid4(), [])
    print("started", flush=True)
    await asyncio.sleep(600)

threading.Thread(target=asyncio.run, args=(hold(),)).start()
"""


def _running_under(base_dir: Path) -> list[int]:
    """Live processes (zombies waiting for a reaper are not) whose command line names
    base_dir: the browser and every child that carries its profile."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if str(base_dir).encode() in cmdline and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def test_chromium_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    holder = subprocess.Popen(  # noqa: S603 — our own interpreter, a fixed script
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "started"
        assert _running_under(tmp_path), "the browser did not start"
    finally:
        holder.kill()
        holder.wait(10)
    deadline = time.monotonic() + 15
    while (left := _running_under(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:  # leave the machine clean before failing
        os.kill(pid, 9)
    assert left == [], "Chromium outlived the process that started it"
