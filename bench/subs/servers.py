"""Starting and stopping the two measured servers, the app and bench/relay.py, each a child
process on a socket bound here."""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from subs.common import BENCH, ENTRY, HOST, ROOT, bound_socket


@dataclass
class Target:
    """One measured server: its process, where subscribers connect, and its log."""

    name: str  # "app" or "relay"
    pid: int
    ws_url: str
    log: Path
    lost_redis: str  # what it logs each time Redis closes its pub/sub connection


class Servers:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args, self.tmp = args, tmp
        self.procs: list[subprocess.Popen[bytes]] = []
        self.app_url = ""
        self.app: Target | None = None
        self.relay: Target | None = None

    def start(self, settings_json: str) -> None:
        app_sock, relay_sock = bound_socket(), bound_socket()
        env = {**os.environ, "BENCH_APP_SETTINGS": settings_json, "PYTHONPATH": str(ROOT)}
        if self.args.patch_gql_leak:
            env["BENCH_PATCH_GQL_LEAK"] = "1"
        if self.args.ws_deflate:
            env["BENCH_WS_DEFLATE"] = "1"
        # Their logs go to files: clients closing mid-send make strawberry log tracebacks.
        app_log = self.args.log_dir / "bench-subscriptions-app.log"
        relay_log = self.args.log_dir / "bench-subscriptions-relay.log"
        app = self._spawn(
            [sys.executable, str(ENTRY), "--serve-app", str(app_sock.fileno())],
            app_sock,
            env,
            app_log,
        )
        relay_command = [
            sys.executable,
            str(BENCH / "relay.py"),
            "--redis-url",
            self.args.redis_url,
            "--fd",
            str(relay_sock.fileno()),
            *(["--deflate"] if self.args.ws_deflate else []),
        ]
        relay = self._spawn(relay_command, relay_sock, env, relay_log)
        app_port, relay_port = app_sock.getsockname()[1], relay_sock.getsockname()[1]
        self.app_url = f"http://{HOST}:{app_port}"
        self.app = Target(
            "app", app.pid, f"ws://{HOST}:{app_port}/graphql", app_log, "event bus lost Redis"
        )
        self.relay = Target(
            "relay", relay.pid, f"ws://{HOST}:{relay_port}/ws", relay_log, "relay lost Redis"
        )
        self._wait_until_up(relay_port)
        app_sock.close()
        relay_sock.close()

    def _spawn(
        self, command: list[str], sock: socket.socket, env: dict[str, str], log: Path
    ) -> subprocess.Popen[bytes]:
        """Our interpreter on this script or bench/relay.py, serving on the inherited socket."""
        with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
            proc = subprocess.Popen(  # noqa: S603 — our interpreter and our bench scripts
                command,
                pass_fds=[sock.fileno()],
                env=env,
                cwd=self.tmp,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        return proc

    def _wait_until_up(self, relay_port: int) -> None:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"server process {proc.pid} exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.app_url}/healthz", timeout=2).status_code == 200:
                    with socket.create_connection((HOST, relay_port), 2):
                        break
            if time.monotonic() > deadline:
                raise TimeoutError("servers did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
