"""`autofactura serve` as a real process for the log and Sentry tests: configured only
through its environment, as in production, with its stderr (the log) kept in a file."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import IO

import httpx
from pydantic import AliasChoices

from autofactura.core.config import Settings
from tests.support.workers import ROOT, worker_env


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Every setting as AUTOFACTURA_<NAME> (each one accepts that name), over a clean
    environment."""
    env = {k: v for k, v in os.environ.items() if not _is_setting(k)}
    for name, value in settings.model_dump(mode="json").items():
        if value is not None:
            env[f"AUTOFACTURA_{name.upper()}"] = (
                json.dumps(value) if isinstance(value, bool) else str(value)
            )
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


def _is_setting(name: str) -> bool:
    """A variable the test process's settings may have come from (DATABASE_URL too)."""
    if name.startswith("AUTOFACTURA_"):
        return True
    aliases = (field.validation_alias for field in Settings.model_fields.values())
    return any(isinstance(a, AliasChoices) and name in a.choices for a in aliases)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve_process(settings: Settings, log: IO[bytes], **extra_env: str) -> Iterator[str]:
    """Run `autofactura serve` until the block ends; yield its base URL."""
    port = free_port()
    command = ["serve", "--port", str(port)]
    with _running(command, settings_env(settings, **extra_env), log) as process:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(process, url)
        yield url


@contextlib.contextmanager
def worker_process(settings: Settings, log: IO[bytes], **extra_env: str) -> Iterator[None]:
    """Run `autofactura worker` (one process, two threads) until the block ends."""
    command = ["worker", "--processes", "1", "--threads", "2"]
    with _running(command, worker_env(settings, **extra_env), log):
        yield


@contextlib.contextmanager
def _running(
    command: list[str], env: dict[str, str], log: IO[bytes]
) -> Iterator[subprocess.Popen[bytes]]:
    """SIGTERM at the end, to the command alone (it stops its own children): a clean
    shutdown, so every line it had to write is written."""
    process = subprocess.Popen(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "autofactura", *command],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _wait_ready(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 60  # a busy CI machine starts slowly
    while True:
        assert process.poll() is None, f"autofactura serve exited with {process.returncode}"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        assert time.monotonic() < deadline, "autofactura serve did not become ready"
        time.sleep(0.1)
